using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Webmail.Pop3.Net;

/// <summary>
/// The byte level of one POP3 connection: command lines in (bounded), replies out, and the switch
/// to TLS. The I/O is blocking: every session runs on a thread of its own (see
/// <see cref="Pop3Listener"/>), the way each Dovecot POP3 process owns one connection. A client
/// fetching one message at a time then costs one wake-up per command — the kernel wakes the
/// session's thread when the command arrives — where the asynchronous socket path pays an epoll
/// thread and thread-pool hand-offs as well (docs/benchmarks-pop3.md has the measurements).
/// </summary>
public sealed class Pop3Connection : IDisposable
{
    /// <summary>RFC 2449 §4: a command line is at most 255 octets including the CRLF.</summary>
    public const int MaxLineLength = 255;

    /// <summary>How much of an over-long line is read and thrown away before the connection is dropped.</summary>
    public const int MaxDiscardedBytes = 64 * 1024;

    private const int InputBufferSize = 4096;

    /// <summary>Replies are sent once this much is buffered, so a long reply never sits whole in memory.</summary>
    private const int OutputBufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _transport;
    private readonly ITimer _deadline;
    private readonly byte[] _input = ArrayPool<byte>.Shared.Rent(InputBufferSize);
    private readonly byte[] _output = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
    private Stream _stream;
    private int _inputStart;
    private int _inputEnd;
    private int _outputLength;
    private volatile bool _expired;
    private bool _disposed;

    /// <param name="stallTimeout">
    /// How long a send may make no progress (a client that stopped reading) before it fails;
    /// the session's idle timeout.
    /// </param>
    public Pop3Connection(Socket socket, IPEndPoint remoteEndPoint, TimeProvider time, TimeSpan stallTimeout)
    {
        _socket = socket;
        _socket.NoDelay = true;
        // SO_SNDTIMEO: a blocked send gives up and the session ends (nothing deleted).
        _socket.SendTimeout = (int)Math.Min(int.MaxValue, stallTimeout.TotalMilliseconds);
        RemoteEndPoint = remoteEndPoint;
        _transport = new NetworkStream(socket, ownsSocket: true);
        _stream = _transport;
        _deadline = time.CreateTimer(static state => ((Pop3Connection)state!).Expire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>True once TLS is negotiated (implicit TLS or after STLS).</summary>
    public bool IsSecure { get; private set; }

    /// <summary>The TLS protocol in use, for the session log; <see cref="SslProtocols.None"/> without TLS. Never throws.</summary>
    // Only once the handshake succeeded: after a failed one the stream is an SslStream whose
    // SslProtocol throws InvalidOperationException, which escaped the session's final log line.
    public SslProtocols TlsProtocol => IsSecure && _stream is SslStream ssl ? ssl.SslProtocol : SslProtocols.None;

    /// <summary>
    /// Negotiates TLS as the server. Whatever the client sent before the handshake and is still
    /// buffered is thrown away (RFC 2595 §4 / RFC 3207 §4.2: no plaintext injection into the TLS session).
    /// </summary>
    /// <exception cref="AuthenticationException">The handshake failed.</exception>
    /// <exception cref="IOException">The connection broke or <paramref name="timeout"/> passed first.</exception>
    public void StartTls(X509Certificate2 certificate, TimeSpan timeout)
    {
        Flush();
        _inputStart = _inputEnd = 0;
        var ssl = new SslStream(_transport, leaveInnerStreamOpen: true);
        _stream = ssl;
        Arm(timeout);
        try
        {
            ssl.AuthenticateAsServer(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateRequired = false,
            });
        }
        finally
        {
            Disarm();
        }
        if (_expired)
            throw new IOException("TLS handshake timed out");
        IsSecure = true;
    }

    /// <summary>
    /// Reads the next command line, waiting at most <paramref name="idleTimeout"/> for it (RFC 1939 §3
    /// autologout). Pending output is sent before waiting, so that pipelined commands (RFC 2449
    /// PIPELINING) get their replies in as few packets as possible; a command already buffered is
    /// returned without waiting or sending.
    /// </summary>
    public Pop3Line ReadLine(TimeSpan idleTimeout)
    {
        var discarded = 0L;
        var armed = false;
        try
        {
            while (true)
            {
                var buffered = _input.AsSpan(_inputStart, _inputEnd - _inputStart);
                var lf = buffered.IndexOf((byte)'\n');
                if (lf >= 0)
                {
                    _inputStart += lf + 1;
                    return discarded > 0 || lf + 1 > MaxLineLength
                        ? new Pop3Line(Pop3LineStatus.TooLong)
                        : new Pop3Line(Pop3LineStatus.Line, Decode(buffered[..lf]));
                }
                if (buffered.Length >= MaxLineLength)
                {
                    // Keep memory bounded: drop what we have of the over-long line and read on to its end.
                    discarded += buffered.Length;
                    _inputStart = _inputEnd = 0;
                    if (discarded > MaxDiscardedBytes)
                        return new Pop3Line(Pop3LineStatus.Runaway);
                }
                else if (_inputStart > 0)
                {
                    buffered.CopyTo(_input);
                    _inputStart = 0;
                    _inputEnd = buffered.Length;
                }

                if (!armed)
                {
                    Flush();
                    Arm(idleTimeout);
                    armed = true;
                }
                int read;
                try
                {
                    read = _stream.Read(_input, _inputEnd, _input.Length - _inputEnd);
                }
                catch (IOException) when (_expired)
                {
                    read = 0;
                }
                if (read == 0)
                    return new Pop3Line(_expired ? Pop3LineStatus.TimedOut : Pop3LineStatus.Closed);
                _inputEnd += read;
            }
        }
        finally
        {
            if (armed)
                Disarm();
        }
    }

    /// <summary>Writes <paramref name="text"/> and CRLF (ASCII replies).</summary>
    public void WriteLine(string text)
    {
        var span = GetSpan(text.Length + 2);
        var n = Encoding.ASCII.GetBytes(text, span);
        span[n] = (byte)'\r';
        span[n + 1] = (byte)'\n';
        Advance(n + 2);
    }

    /// <summary>Buffers <paramref name="bytes"/>, sending whenever the buffer fills.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            var room = _output.Length - _outputLength;
            if (bytes.Length <= room)
            {
                bytes.CopyTo(_output.AsSpan(_outputLength));
                _outputLength += bytes.Length;
                return;
            }
            bytes[..room].CopyTo(_output.AsSpan(_outputLength));
            _outputLength += room;
            bytes = bytes[room..];
            Flush();
        }
    }

    /// <summary>At least <paramref name="sizeHint"/> bytes of the output buffer to format into; then <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int sizeHint)
    {
        if (_output.Length - _outputLength < sizeHint)
            Flush();
        return _output.AsSpan(_outputLength);
    }

    public void Advance(int count) => _outputLength += count;

    /// <summary>Sends what is buffered.</summary>
    public void Flush()
    {
        if (_outputLength == 0)
            return;
        var length = _outputLength;
        _outputLength = 0;
        _stream.Write(_output, 0, length);
    }

    /// <summary>Ends the connection from another thread (server shutdown): a blocked read or send returns at once.</summary>
    public void Abort() => Shutdown(SocketShutdown.Both);

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _deadline.Dispose();
        if (!ReferenceEquals(_stream, _transport))
            _stream.Dispose();
        _transport.Dispose();
        ArrayPool<byte>.Shared.Return(_input);
        ArrayPool<byte>.Shared.Return(_output);
    }

    private void Arm(TimeSpan timeout) => _deadline.Change(timeout, Timeout.InfiniteTimeSpan);

    private void Disarm() => _deadline.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// The deadline passed while waiting for the client: the blocked read returns (shutdown of the
    /// receiving side wakes it), and the session can still send its last words.
    /// </summary>
    private void Expire()
    {
        _expired = true;
        Shutdown(SocketShutdown.Receive);
    }

    private void Shutdown(SocketShutdown how)
    {
        try
        {
            _socket.Shutdown(how);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing is blocked on it.
        }
    }

    private static string Decode(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == '\r')
            line = line[..^1];
        return Encoding.UTF8.GetString(line);
    }
}
