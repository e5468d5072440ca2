using System.Buffers;
using System.Text;
using Webmail.Core.Messages.Imap;

namespace Webmail.Imap.Net;

/// <summary>
/// Writes responses to the connection (RFC 9051 §7): text lines, strings (through
/// <see cref="ImapText"/>, the one quoting rule), and literals of raw bytes. Output is buffered
/// and goes out when a command ends or the buffer passes <see cref="FlushThreshold"/>, so a large
/// FETCH streams without holding the whole answer.
/// </summary>
public sealed class ResponseWriter(Stream output)
{
    /// <summary>Bytes buffered before they are written out mid-response.</summary>
    public const int FlushThreshold = 64 * 1024;

    private Stream _output = output;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly StringBuilder _text = new();

    /// <summary>True once the client enabled UTF8=ACCEPT (RFC 6855): strings may then be quoted UTF-8.</summary>
    public bool Utf8 { get; set; }

    /// <summary>How long one write may wait for a client that does not read (a stalled FETCH); then the session ends.</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Writes to a new stream (after STARTTLS or COMPRESS).</summary>
    public void Replace(Stream output) => _output = output;

    /// <summary>Appends text as it is (ASCII or UTF-8).</summary>
    public ResponseWriter Text(string text)
    {
        FlushText();
        _buffer.Advance(Encoding.UTF8.GetBytes(text, _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length))));
        return this;
    }

    /// <summary>Appends a number in decimal (a FETCH line's sequence number, UID, size).</summary>
    public ResponseWriter Number(long value)
    {
        FlushText();
        System.Buffers.Text.Utf8Formatter.TryFormat(value, _buffer.GetSpan(20), out var written);
        _buffer.Advance(written);
        return this;
    }

    /// <summary>Appends a string, quoted or as a literal (<see cref="ImapText.AppendString"/>).</summary>
    public ResponseWriter String(string value)
    {
        ImapText.AppendString(_text, value, Utf8);
        return this;
    }

    /// <summary>Appends NIL or a string.</summary>
    public ResponseWriter NString(string? value)
    {
        ImapText.AppendNString(_text, value, Utf8);
        return this;
    }

    /// <summary>Appends raw bytes as a literal <c>{n}\r\n</c> + bytes (RFC 9051 §4.3); <paramref name="binary"/> writes a literal8 (<c>~{n}</c>, RFC 3516).</summary>
    public ResponseWriter Literal(ReadOnlySpan<byte> bytes, bool binary = false)
    {
        Text((binary ? "~{" : "{") + bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}\r\n");
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>Ends the line (CRLF).</summary>
    public ResponseWriter Line() => Text("\r\n");

    /// <summary>Writes out what is buffered if it passed the threshold.</summary>
    public async ValueTask MaybeFlushAsync(CancellationToken cancellationToken)
    {
        FlushText();
        if (_buffer.WrittenCount >= FlushThreshold)
            await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes out everything buffered.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        FlushText();
        if (_buffer.WrittenCount == 0)
            return;
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(WriteTimeout);
        try
        {
            await _output.WriteAsync(_buffer.WrittenMemory, timer.Token).ConfigureAwait(false);
            await _output.FlushAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // The client stopped reading: the session ends rather than hold its buffers.
            throw new IOException("The client did not read the response in time.", e);
        }
        _buffer.ResetWrittenCount();
        if (_buffer.Capacity > 4 * FlushThreshold)
            _buffer.Clear();
    }

    private void FlushText()
    {
        if (_text.Length == 0)
            return;
        var text = _text.ToString();
        _text.Clear();
        var bytes = Encoding.UTF8.GetByteCount(text);
        Encoding.UTF8.GetBytes(text, _buffer.GetSpan(bytes));
        _buffer.Advance(bytes);
    }
}
