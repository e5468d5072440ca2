using System.Buffers;
using System.Text;

namespace Webmail.ManageSieve.Protocol;

/// <summary>
/// Writes ManageSieve responses (RFC 5804 §1.3, §4): <c>OK</c>, <c>NO</c> and <c>BYE</c> with an
/// optional response code and human-readable string, capability lines, and strings — quoted when
/// they can be (at most 1,024 octets, no CR, LF or NUL), a literal <c>{n}</c> otherwise. Output is
/// buffered until <see cref="FlushAsync"/>.
/// </summary>
public sealed class ResponseWriter(Stream stream)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private Stream _stream = stream;

    /// <summary>How long one flush may wait for a client that does not read.</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Writes to a new stream (after STARTTLS).</summary>
    public void Replace(Stream stream) => _stream = stream;

    /// <summary>Appends text as UTF-8.</summary>
    public ResponseWriter Text(string text)
    {
        var span = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _buffer.Advance(Encoding.UTF8.GetBytes(text, span));
        return this;
    }

    public ResponseWriter Line() => Text("\r\n");

    /// <summary>A string (RFC 5804 §4 <c>string</c>): quoted when it may be, a literal otherwise.</summary>
    public ResponseWriter String(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length <= CommandReader.MaxQuoted && bytes.AsSpan().IndexOfAny((byte)'\r', (byte)'\n', (byte)0) < 0)
        {
            Text("\"");
            foreach (var b in bytes)
            {
                if (b is (byte)'"' or (byte)'\\')
                    _buffer.Write([(byte)'\\']);
                _buffer.Write([b]);
            }
            return Text("\"");
        }
        return Literal(bytes);
    }

    /// <summary>A literal (RFC 5804 §4 <c>literal-s2c</c>): <c>{n}</c>, CRLF, the octets.</summary>
    public ResponseWriter Literal(ReadOnlySpan<byte> bytes)
    {
        Text(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{{{bytes.Length}}}\r\n"));
        _buffer.Write(bytes);
        return this;
    }

    /// <summary><c>OK [(code)] ["text"]</c>.</summary>
    public void Ok(string text, string? code = null) => Response("OK", code, text);

    /// <summary><c>NO [(code)] ["text"]</c>.</summary>
    public void No(string text, string? code = null) => Response("NO", code, text);

    /// <summary><c>BYE [(code)] ["text"]</c>: the server is closing the connection.</summary>
    public void Bye(string text, string? code = null) => Response("BYE", code, text);

    /// <summary>
    /// One response line. <paramref name="code"/> is written as given inside the parentheses (a code
    /// with a string argument, such as <c>TAG "x"</c>, is built with <see cref="CodeWithString"/>).
    /// </summary>
    private void Response(string kind, string? code, string text)
    {
        Text(kind);
        if (code is not null)
            Text(" (").Text(code).Text(")");
        if (text.Length > 0)
            Text(" ").String(text);
        Line();
    }

    /// <summary>A response code with a string argument (<c>TAG "abc"</c>), the string quoted or a literal.</summary>
    public static string CodeWithString(string code, string value)
    {
        var writer = new ResponseWriter(Stream.Null);
        writer.Text(code).Text(" ").String(value);
        return Encoding.UTF8.GetString(writer._buffer.WrittenSpan);
    }

    /// <summary>Sends what is buffered, within <see cref="WriteTimeout"/>.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_buffer.WrittenCount == 0)
            return;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(WriteTimeout);
        try
        {
            await _stream.WriteAsync(_buffer.WrittenMemory, deadline.Token).ConfigureAwait(false);
            await _stream.FlushAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException("The client did not read a response in time");
        }
        finally
        {
            _buffer.ResetWrittenCount();
        }
    }
}
