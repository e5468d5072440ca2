using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Webmail.Testing;

namespace Webmail.Mail.Tests;

/// <summary>
/// A tiny SMTP server on 127.0.0.1 that the test scripts: which replies RCPT and the end of DATA get,
/// and whether it drops or stalls after the data. It records every transaction (envelope and the
/// dot-unstuffed bytes) so tests can assert what went over the wire. Given a certificate, it offers STARTTLS with it.
/// </summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly LoopbackListener _listener;
    private readonly X509Certificate2? _certificate;
    private int _dataCount;

    /// <param name="certificate">When set, EHLO offers STARTTLS (RFC 3207) with this certificate.</param>
    public ScriptedSmtpServer(X509Certificate2? certificate = null)
    {
        _certificate = certificate;
        _listener = new LoopbackListener((client, _) => SessionAsync(client));
    }

    public int Port => _listener.Port;
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Reply to <c>RCPT TO</c> for an address; default 250.</summary>
    public Func<string, string> RcptReply { get; set; } = _ => "250 2.1.5 Ok";

    /// <summary>Reply after the final dot for the n-th (0-based) DATA; default 250. <c>null</c> drops the connection without a reply.</summary>
    public Func<int, string?> DataReply { get; set; } = _ => "250 2.0.0 Ok: queued";

    /// <summary>When set, the reply after the final dot waits for this task.</summary>
    public Task? HoldDataReply { get; set; }

    /// <summary>Completes when message data has been fully received (before the reply).</summary>
    public TaskCompletionSource DataReceived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<SmtpTransaction> Transactions { get; } = new();
    /// <summary>Connections accepted so far.</summary>
    public int Connections => _listener.Connections;

    /// <summary>STARTTLS handshakes completed.</summary>
    public int TlsHandshakes;

    /// <summary>Transactions that got a 2xx after DATA.</summary>
    public IReadOnlyList<SmtpTransaction> Accepted => Transactions.Where(t => t.DataReply.StartsWith('2')).ToList();

    private async Task SessionAsync(TcpClient client)
    {
        using var _ = client;
        Stream stream = client.GetStream();
        var secure = false;
        try
        {
            await WriteAsync(stream, "220 scripted.test ESMTP");
            string mailFrom = "";
            var rcpts = new List<string>();
            while (true)
            {
                var line = await ReadLineAsync(stream);
                if (line is null)
                    return;
                var upper = line.ToUpperInvariant();
                if (upper.StartsWith("EHLO", StringComparison.Ordinal))
                    await WriteAsync(stream, "250-scripted.test\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n" + (_certificate is not null && !secure ? "250-STARTTLS\r\n" : "") + "250 SIZE 10000000");
                else if (upper == "STARTTLS" && _certificate is not null && !secure)
                {
                    await WriteAsync(stream, "220 2.0.0 Ready to start TLS");
                    var tls = new SslStream(stream);
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate });
                    Interlocked.Increment(ref TlsHandshakes);
                    (stream, secure) = (tls, true);
                }
                else if (upper.StartsWith("HELO", StringComparison.Ordinal))
                    await WriteAsync(stream, "250 scripted.test");
                else if (upper.StartsWith("MAIL FROM:", StringComparison.Ordinal))
                {
                    mailFrom = Between(line, '<', '>');
                    rcpts.Clear();
                    await WriteAsync(stream, "250 2.1.0 Ok");
                }
                else if (upper.StartsWith("RCPT TO:", StringComparison.Ordinal))
                {
                    var rcpt = Between(line, '<', '>');
                    var reply = RcptReply(rcpt);
                    if (reply.StartsWith('2'))
                        rcpts.Add(rcpt);
                    await WriteAsync(stream, reply);
                }
                else if (upper == "DATA")
                {
                    await WriteAsync(stream, "354 End data with <CR><LF>.<CR><LF>");
                    var data = await ReadDataAsync(stream);
                    if (data is null)
                        return;
                    var index = Interlocked.Increment(ref _dataCount) - 1;
                    var reply = DataReply(index);
                    DataReceived.TrySetResult();
                    if (HoldDataReply is { } hold)
                        await hold;
                    Transactions.Enqueue(new SmtpTransaction(mailFrom, rcpts.ToList(), data, reply ?? "(dropped)", secure));
                    if (reply is null)
                        return;
                    await WriteAsync(stream, reply);
                }
                else if (upper == "RSET")
                    await WriteAsync(stream, "250 2.0.0 Ok");
                else if (upper == "QUIT")
                {
                    await WriteAsync(stream, "221 2.0.0 Bye");
                    return;
                }
                else
                    await WriteAsync(stream, "502 5.5.2 Command not recognized");
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or AuthenticationException)
        {
            // The client went away; the recorded transactions stand.
        }
    }

    private static string Between(string line, char open, char close)
    {
        var start = line.IndexOf(open);
        var end = line.IndexOf(close, start + 1);
        return start < 0 || end < 0 ? "" : line[(start + 1)..end];
    }

    private static async Task WriteAsync(Stream stream, string reply) =>
        await stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"));

    private static async Task<string?> ReadLineAsync(Stream stream)
    {
        var bytes = await ReadRawLineAsync(stream);
        return bytes is null ? null : Encoding.ASCII.GetString(bytes).TrimEnd('\r', '\n');
    }

    /// <summary>A line including its CRLF, or null at end of stream.</summary>
    private static async Task<byte[]?> ReadRawLineAsync(Stream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0)
                return null;
            buffer.Add(one[0]);
            if (one[0] == '\n')
                return buffer.ToArray();
        }
    }

    /// <summary>RFC 5321 §4.5.2: removes the dot-stuffing; the final CRLF.CRLF ends the data.</summary>
    private static async Task<byte[]?> ReadDataAsync(Stream stream)
    {
        var data = new MemoryStream();
        while (true)
        {
            var line = await ReadRawLineAsync(stream);
            if (line is null)
                return null;
            if (line.AsSpan().SequenceEqual(".\r\n"u8))
                return data.ToArray();
            var start = line.Length > 0 && line[0] == '.' ? 1 : 0;
            data.Write(line, start, line.Length - start);
        }
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}

/// <summary>One transaction as the scripted server saw it; <paramref name="Secure"/> when it ran inside STARTTLS.</summary>
public sealed record SmtpTransaction(string MailFrom, IReadOnlyList<string> Recipients, byte[] Data, string DataReply, bool Secure = false);
