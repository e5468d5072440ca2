using System.Text;
using Webmail.Resilience.Tests.Harness;

namespace Webmail.Resilience.Tests;

/// <summary>
/// What RFC 1939 (with RFC 2449 CAPA and RFC 5034 AUTH) says a POP3 server answers to each command line,
/// for a session that never sends the right password in the AUTHORIZATION state (so every PASS and AUTH
/// must fail). It predicts +OK or -ERR per line and whether a multi-line response follows, tracks the
/// DELE marks, and checks the server's replies against that, one by one.
/// </summary>
public sealed class Pop3Model(int messageCount)
{
    /// <summary>RFC 2449 §4: a command line is at most 255 octets including the CRLF.</summary>
    public const int MaxLineOctets = 255;

    /// <summary>The server's limit on consecutive -ERR replies; the last one announces the close.</summary>
    public const int MaxConsecutiveErrors = 20;

    private readonly HashSet<int> _marked = [];
    private int _errors;

    public bool InTransaction { get; private set; }

    /// <summary>A QUIT in TRANSACTION was answered +OK: the marks were applied (RFC 1939 §6).</summary>
    public bool QuitConfirmed { get; private set; }

    /// <summary>Message numbers marked with DELE and not unmarked by RSET.</summary>
    public IReadOnlySet<int> Marked => _marked;

    public void SignedIn() => InTransaction = true;

    public void Reset() => _marked.Clear();

    /// <summary>
    /// The lines the server sees in <paramref name="payload"/>: it ends a line at LF and drops one CR before it
    /// (a bare LF is taken as a line end; a bare CR stays in the line). Octets counts the line with its ending.
    /// </summary>
    public static List<(int Octets, string Text)> ServerLines(string payload)
    {
        var parts = payload.Split('\n');
        return parts[..^1].Select(p => (p.Length + 1, p.EndsWith('\r') ? p[..^1] : p)).ToList();
    }

    /// <summary>Reads and checks the replies to <paramref name="lines"/>; false when the session ended (QUIT, STLS or a closing -ERR).</summary>
    public async Task<bool> ReadRepliesAsync(RawPop3 client, List<(int Octets, string Text)> lines, IReadOnlyList<(long Id, byte[] Raw)> messages)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var (octets, text) = lines[i];
            var shown = Show(text);
            var (expect, multi) = octets > MaxLineOctets ? (Reply.Err, false) : InTransaction ? Transaction(text) : Authorization(text);
            var status = await client.ReadLineAsync();
            Assert.True(status is not null, $"connection closed instead of answering \"{shown}\"");
            if (!await CheckAsync(client, status, expect, shown))
                return false;
            if (expect == Reply.Continue)
            {
                // RFC 5034 §4: the next line is the SASL response, not a command (an over-long one is refused and another awaited).
                while (true)
                {
                    if (i + 1 == lines.Count)
                    {
                        await client.SendRawAsync("*\r\n");
                        return await CheckAsync(client, await client.ReadLineAsync(), Reply.Err, "*");
                    }
                    i++;
                    if (!await CheckAsync(client, await client.ReadLineAsync(), Reply.Err, Show(lines[i].Text)))
                        return false;
                    if (lines[i].Octets <= MaxLineOctets)
                        break;
                }
                continue;
            }
            if (expect == Reply.Ok && multi)
            {
                var body = await client.ReadMultilineAsync();
                CheckBody(text, body, messages);
            }
            var keyword = Keyword(text, out _);
            if (expect == Reply.Ok && keyword == "QUIT")
            {
                QuitConfirmed = InTransaction;
                Assert.Null(await client.ReadLineAsync());
                return false;
            }
            if (expect == Reply.Ok && keyword == "STLS")
                return false; // The server now waits for a TLS handshake this client will not make.
        }
        return true;
    }

    private enum Reply { Ok, Err, Continue }

    /// <summary>Checks one status line; false when it was the closing -ERR (and the connection did close).</summary>
    private async Task<bool> CheckAsync(RawPop3 client, string? status, Reply expect, string shown)
    {
        Assert.True(status is not null, $"connection closed instead of answering \"{shown}\"");
        var ok = expect switch
        {
            Reply.Ok => status.StartsWith("+OK", StringComparison.Ordinal),
            Reply.Continue => status.StartsWith("+ ", StringComparison.Ordinal),
            _ => status.StartsWith("-ERR", StringComparison.Ordinal),
        };
        Assert.True(ok, $"\"{shown}\" in {(InTransaction ? "TRANSACTION" : "AUTHORIZATION")}: expected {expect}, got \"{status}\"");
        _errors = expect == Reply.Err ? _errors + 1 : expect == Reply.Ok ? 0 : _errors;
        if (_errors < MaxConsecutiveErrors)
            return true;
        Assert.Contains("closing connection", status);
        Assert.Null(await client.ReadLineAsync());
        return false;
    }

    /// <summary>RFC 1939 §4 AUTHORIZATION (plus CAPA, AUTH, STLS). No line carries the right password, so no login succeeds.</summary>
    private (Reply, bool Multi) Authorization(string text)
    {
        switch (Keyword(text, out var args))
        {
            case "CAPA": return (Reply.Ok, true);
            case "USER": return (args.Length == 1 ? Reply.Ok : Reply.Err, false);
            case "AUTH" when args.Length == 0: return (Reply.Ok, true);
            case "AUTH" when args.Length == 1 && args[0].Equals("PLAIN", StringComparison.OrdinalIgnoreCase): return (Reply.Continue, false);
            case "STLS" when args.Length == 0: return (Reply.Ok, false);
            case "QUIT": return (Reply.Ok, false);
            default: return (Reply.Err, false); // PASS and AUTH with wrong credentials, TRANSACTION commands, unknown ones.
        }
    }

    /// <summary>RFC 1939 §5 TRANSACTION: message numbers are decimal, 1..count, not marked deleted.</summary>
    private (Reply, bool Multi) Transaction(string text)
    {
        var keyword = Keyword(text, out var args);
        switch (keyword)
        {
            case "CAPA": return (Reply.Ok, true);
            case "QUIT": return (Reply.Ok, false);
            case "STAT" or "NOOP" when args.Length == 0: return (Reply.Ok, false);
            case "RSET" when args.Length == 0:
                _marked.Clear();
                return (Reply.Ok, false);
            case "LIST" or "UIDL" when args.Length == 0: return (Reply.Ok, true);
            case "LIST" or "UIDL" when args.Length == 1: return (Found(args[0], out _) ? Reply.Ok : Reply.Err, false);
            case "RETR" when args.Length == 1: return (Found(args[0], out _) ? Reply.Ok : Reply.Err, true);
            case "TOP" when args.Length == 2: return (Digits(args[1]) && Found(args[0], out _) ? Reply.Ok : Reply.Err, true);
            case "DELE" when args.Length == 1:
                if (!Found(args[0], out var number))
                    return (Reply.Err, false);
                _marked.Add(number);
                return (Reply.Ok, false);
            default: return (Reply.Err, false);
        }
    }

    /// <summary>LIST/UIDL list every unmarked message; RETR returns the stored bytes exactly (after dot-unstuffing).</summary>
    private void CheckBody(string text, List<string> body, IReadOnlyList<(long Id, byte[] Raw)> messages)
    {
        var keyword = Keyword(text, out var args);
        if (keyword is "LIST" or "UIDL")
            Assert.Equal(messageCount - _marked.Count, body.Count);
        if (keyword == "RETR")
        {
            Found(args[0], out _, ignoreMarks: true, out var number);
            Assert.Equal(Encoding.Latin1.GetString(messages[number - 1].Raw), string.Join("\r\n", body) + "\r\n");
        }
    }

    private bool Found(string argument, out int number) => Found(argument, out _, ignoreMarks: false, out number);

    private bool Found(string argument, out bool marked, bool ignoreMarks, out int number)
    {
        number = 0;
        marked = false;
        if (!Digits(argument))
            return false;
        var value = argument.TrimStart('0');
        if (value.Length == 0 || value.Length > 9 || int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) > messageCount)
            return false;
        number = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        marked = _marked.Contains(number);
        return ignoreMarks || !marked;
    }

    private static bool Digits(string argument) => argument.Length > 0 && argument.All(c => c is >= '0' and <= '9');

    /// <summary>RFC 1939 §3: a case-insensitive keyword, then arguments separated by spaces (runs of spaces tolerated).</summary>
    private static string Keyword(string text, out string[] args)
    {
        var space = text.IndexOf(' ');
        args = space < 0 ? [] : text[(space + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (space < 0 ? text : text[..space]).ToUpperInvariant();
    }

    private static string Show(string text) =>
        text.Length > 60 ? Show(text[..60]) + $"...({text.Length} chars)" : text.Replace("\r", "\\r").Replace("\0", "\\0").Replace("\t", "\\t");
}
