using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Webmail.Pop3.Net;

/// <summary>
/// The byte level of one POP3 connection: command lines in (bounded), replies out, and the switch
/// to TLS. Reading and writing go through <see cref="System.IO.Pipelines"/> over the socket's
/// stream, or over an <see cref="SslStream"/> once TLS is on.
/// </summary>
public sealed class Pop3Connection : IAsyncDisposable
{
    /// <summary>RFC 2449 §4: a command line is at most 255 octets including the CRLF.</summary>
    public const int MaxLineLength = 255;

    /// <summary>How much of an over-long line is read and thrown away before the connection is dropped.</summary>
    public const int MaxDiscardedBytes = 64 * 1024;

    /// <summary>Output is pushed to the socket once this much is buffered, so a long reply never sits whole in memory.</summary>
    private const int FlushThreshold = 64 * 1024;

    /// <summary>How long a session waits on its socket for the next command before going asynchronous.</summary>
    private const int NextCommandWaitMicroseconds = 1000;

    /// <summary>Sessions waiting on their socket right now (at most <see cref="MaxWaiting"/>).</summary>
    private static int s_waiting;

    /// <summary>At most this many thread-pool threads are ever held by such a wait.</summary>
    private static readonly int MaxWaiting = Math.Max(1, Environment.ProcessorCount / 2);

    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    private readonly Stream _transport;
    private Stream _stream;
    private PipeReader _reader;
    private PipeWriter _writer;

    public Pop3Connection(Stream transport, IPEndPoint remoteEndPoint)
    {
        _transport = transport;
        _stream = transport;
        RemoteEndPoint = remoteEndPoint;
        (_reader, _writer) = CreatePipes(transport);
    }

    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>True once TLS is negotiated (implicit TLS or after STLS).</summary>
    public bool IsSecure { get; private set; }

    /// <summary>The TLS protocol in use, for the session log.</summary>
    public SslProtocols TlsProtocol => (_stream as SslStream)?.SslProtocol ?? SslProtocols.None;

    /// <summary>The reply buffer. Write to it, then <see cref="FlushIfFullAsync"/> in long loops.</summary>
    public PipeWriter Output => _writer;

    /// <summary>
    /// Negotiates TLS as the server. Whatever the client sent before the handshake and is still
    /// buffered is thrown away (RFC 2595 §4 / RFC 3207 §4.2: no plaintext injection into the TLS session).
    /// </summary>
    /// <exception cref="AuthenticationException">The handshake failed.</exception>
    public async Task StartTlsAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _writer.CompleteAsync().ConfigureAwait(false);
        var ssl = new SslStream(_transport, leaveInnerStreamOpen: true);
        _stream = ssl;
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = certificate,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = false,
        }, cancellationToken).ConfigureAwait(false);
        (_reader, _writer) = CreatePipes(ssl);
        IsSecure = true;
    }

    /// <summary>
    /// Reads the next command line. Pending output is flushed before waiting for input, so that
    /// pipelined commands (RFC 2449 PIPELINING) get their replies in as few packets as possible.
    /// </summary>
    public async ValueTask<Pop3Line> ReadLineAsync(CancellationToken cancellationToken)
    {
        var discarded = 0L;
        var first = true;
        while (true)
        {
            ReadResult result;
            if (!first || !_reader.TryRead(out result))
            {
                await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                WaitBrieflyForInput();
                result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            first = false;

            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is { } end)
            {
                var line = buffer.Slice(0, end);
                // Decode before AdvanceTo: advancing hands the buffer back to the pool.
                var parsed = discarded > 0 || line.Length + 1 > MaxLineLength
                    ? new Pop3Line(Pop3LineStatus.TooLong)
                    : new Pop3Line(Pop3LineStatus.Line, Decode(line));
                _reader.AdvanceTo(buffer.GetPosition(1, end));
                return parsed;
            }
            if (buffer.Length >= MaxLineLength)
            {
                // Keep memory bounded: drop what we have of the over-long line and read on to its end.
                discarded += buffer.Length;
                _reader.AdvanceTo(buffer.End);
                if (discarded > MaxDiscardedBytes)
                    return new Pop3Line(Pop3LineStatus.Runaway);
                if (result.IsCompleted)
                    return new Pop3Line(Pop3LineStatus.Closed);
                continue;
            }
            if (result.IsCompleted)
                return new Pop3Line(Pop3LineStatus.Closed);
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// A client fetching one message at a time sends its next command a few dozen microseconds after
    /// our reply reaches it (loopback, LAN). An asynchronous read that finds nothing parks the session
    /// with epoll, and the command that follows costs a wake-up of the epoll thread and a hand-off to
    /// a pool thread: on two cores that was most of the per-message time (perf). So a plain connection
    /// first waits up to a millisecond in poll(2) on this thread — the kernel wakes it when the bytes
    /// arrive and the read below completes at once. The wait sleeps (it burns no CPU), at most
    /// <see cref="MaxWaiting"/> threads do it at a time, and only while the thread pool has no queued
    /// work, so other work never queues behind it. Not on TLS: SslStream may already hold the next
    /// command while the socket is empty.
    /// </summary>
    private void WaitBrieflyForInput()
    {
        if (IsSecure || _transport is not NetworkStream { Socket: var socket } || ThreadPool.PendingWorkItemCount > 0)
            return;
        if (Interlocked.Increment(ref s_waiting) <= MaxWaiting)
        {
            try
            {
                socket.Poll(NextCommandWaitMicroseconds, SelectMode.SelectRead);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The read below reports the broken connection.
            }
        }
        Interlocked.Decrement(ref s_waiting);
    }

    /// <summary>Writes <paramref name="text"/> and CRLF (ASCII replies).</summary>
    public void WriteLine(string text)
    {
        var span = _writer.GetSpan(text.Length + 2);
        var n = Encoding.ASCII.GetBytes(text, span);
        Crlf.CopyTo(span[n..]);
        _writer.Advance(n + 2);
    }

    public void Write(ReadOnlySpan<byte> bytes) => _writer.Write(bytes);

    /// <summary>Pushes buffered output to the client when enough has gathered (back-pressure for long replies).</summary>
    public ValueTask<FlushResult> FlushIfFullAsync(CancellationToken cancellationToken) =>
        _writer.UnflushedBytes >= FlushThreshold ? _writer.FlushAsync(cancellationToken) : ValueTask.FromResult(default(FlushResult));

    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _writer.CompleteAsync().ConfigureAwait(false);
        if (!ReferenceEquals(_stream, _transport))
            await _stream.DisposeAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
    }

    private static (PipeReader, PipeWriter) CreatePipes(Stream stream) =>
        (PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true)),
         PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true)));

    private static string Decode(ReadOnlySequence<byte> line)
    {
        // Lines are at most MaxLineLength octets, so a stack copy is enough.
        Span<byte> bytes = stackalloc byte[MaxLineLength];
        var length = (int)line.Length;
        line.CopyTo(bytes);
        if (length > 0 && bytes[length - 1] == '\r')
            length--;
        return Encoding.UTF8.GetString(bytes[..length]);
    }
}
