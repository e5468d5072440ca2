using System.Text;
using Webmail.Testing;

namespace Webmail.Pop3.Tests;

/// <summary>The TRANSACTION state: STAT, LIST, UIDL, RETR, TOP, DELE, NOOP, RSET, with exact replies.</summary>
public abstract class TransactionTests(StoreProvider provider) : IAsyncLifetime
{
    private Pop3TestHost _host = null!;

    public async Task InitializeAsync() => _host = await Pop3TestHost.StartAsync(provider);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>Lines ".", "..", ".x" and 8-bit bytes, CRLF line ends: what byte-stuffing must survive.</summary>
    internal static byte[] Tricky()
    {
        var head = Encoding.ASCII.GetBytes("From: a@remote.example\r\nTo: user@local.example\r\nSubject: dots\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        var body = new List<byte>();
        body.AddRange(Encoding.ASCII.GetBytes(".\r\n..\r\n.leading dot\r\nmiddle . dot\r\n"));
        body.AddRange([0xE9, 0xE8, 0xFF, 0x80, (byte)'\r', (byte)'\n']);
        body.AddRange(Encoding.ASCII.GetBytes("...\r\nlast line\r\n.\r\n"));
        return [.. head, .. body];
    }

    [Fact]
    public async Task StatListAndUidlReportExactSizesAndStableIds()
    {
        var a = await _host.AppendAsync(TestMessages.Simple(subject: "a"));
        var b = await _host.AppendAsync(Tricky());
        await using var client = await _host.LoginAsync();

        Assert.Equal($"+OK 2 {a.Size + b.Size}", await client.CommandAsync("STAT"));
        var (status, lines) = await client.MultilineAsync("LIST");
        Assert.Equal($"+OK 2 messages ({a.Size + b.Size} octets)", status);
        Assert.Equal([$"1 {a.Size}", $"2 {b.Size}"], lines);
        Assert.Equal($"+OK 2 {b.Size}", await client.CommandAsync("LIST 2"));
        var (uidStatus, uids) = await client.MultilineAsync("UIDL");
        Assert.Equal("+OK Unique-ID listing follows", uidStatus);
        Assert.Equal([$"1 {a.Id}", $"2 {b.Id}"], uids);
        Assert.Equal($"+OK 1 {a.Id}", await client.CommandAsync("UIDL 1"));
        Assert.Equal("+OK", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task RetrReturnsTheStoredBytesDotStuffed()
    {
        var raw = Tricky();
        var stored = await _host.AppendAsync(raw);
        await using var client = await _host.LoginAsync();

        Assert.Equal($"+OK {raw.Length} octets", await client.CommandAsync("RETR 1"));
        var wire = await client.ReadRawMultilineAsync();

        Assert.Equal(raw.Length, stored.Size);
        Assert.Equal(Stuff(raw).Concat(".\r\n"u8.ToArray()), wire);
        Assert.Equal(raw, Unstuff(wire));
    }

    [Fact]
    public async Task RetrOfAMessageWithoutFinalCrlfStillEndsOnItsOwnLine()
    {
        var raw = Encoding.ASCII.GetBytes("Subject: no end\r\n\r\nbody without newline");
        await _host.AppendAsync(raw);
        await using var client = await _host.LoginAsync();

        // RFC 1939 §5: the size is what the client receives, so it counts the CRLF the server adds.
        Assert.Equal($"+OK {raw.Length + 2} octets", await client.CommandAsync("RETR 1"));
        Assert.Equal(Encoding.ASCII.GetBytes("Subject: no end\r\n\r\nbody without newline\r\n.\r\n"), await client.ReadRawMultilineAsync());
        Assert.Equal($"+OK 1 {raw.Length + 2}", await client.CommandAsync("LIST 1"));
    }

    [Fact]
    public async Task TopReturnsTheHeaderAndTheFirstBodyLines()
    {
        await _host.AppendAsync(Tricky());
        await using var client = await _host.LoginAsync();

        var (status, lines) = await client.MultilineAsync("TOP 1 2");
        var (_, headerOnly) = await client.MultilineAsync("TOP 1 0");

        Assert.Equal("+OK Top of message follows", status);
        Assert.Equal(["From: a@remote.example", "To: user@local.example", "Subject: dots", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: 8bit", "", ".", ".."], lines);
        Assert.Equal(lines.Take(6), headerOnly);
        Assert.Equal("-ERR Invalid line count", await client.CommandAsync("TOP 1 -1"));
        Assert.Equal("-ERR Syntax error", await client.CommandAsync("TOP 1"));
    }

    [Fact]
    public async Task DeleHidesTheMessageAndRsetBringsItBack()
    {
        var a = await _host.AppendAsync(TestMessages.Simple(subject: "a"));
        var b = await _host.AppendAsync(TestMessages.Simple(subject: "b"));
        await using var client = await _host.LoginAsync();

        Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));
        Assert.Equal($"+OK 1 {b.Size}", await client.CommandAsync("STAT"));
        Assert.Equal("-ERR Message 1 already deleted", await client.CommandAsync("DELE 1"));
        Assert.Equal("-ERR Message 1 already deleted", await client.CommandAsync("RETR 1"));
        Assert.Equal("-ERR Message 1 already deleted", await client.CommandAsync("LIST 1"));
        var (_, lines) = await client.MultilineAsync("LIST");
        Assert.Equal([$"2 {b.Size}"], lines);
        var (_, uids) = await client.MultilineAsync("UIDL");
        Assert.Equal([$"2 {b.Id}"], uids);

        Assert.Equal($"+OK Maildrop has 2 messages ({a.Size + b.Size} octets)", await client.CommandAsync("RSET"));
        Assert.Equal($"+OK 2 {a.Size + b.Size}", await client.CommandAsync("STAT"));
    }

    [Theory]
    [InlineData("RETR 0", "-ERR No such message")]
    [InlineData("RETR 3", "-ERR No such message")]
    [InlineData("RETR 99999999999999999999999", "-ERR No such message")]
    [InlineData("RETR -1", "-ERR Invalid message number")]
    [InlineData("RETR +1", "-ERR Invalid message number")]
    [InlineData("RETR 1a", "-ERR Invalid message number")]
    [InlineData("RETR", "-ERR Syntax error")]
    [InlineData("RETR 1 2", "-ERR Syntax error")]
    [InlineData("DELE 0", "-ERR No such message")]
    [InlineData("DELE x", "-ERR Invalid message number")]
    [InlineData("LIST 4294967297", "-ERR No such message")]
    [InlineData("UIDL 0", "-ERR No such message")]
    [InlineData("TOP 0 1", "-ERR No such message")]
    [InlineData("TOP 1 x", "-ERR Invalid line count")]
    [InlineData("STAT 1", "-ERR Syntax error")]
    [InlineData("NOOP x", "-ERR Syntax error")]
    [InlineData("XYZZY", "-ERR Unknown command")]
    public async Task BadArgumentsAreRefusedWithoutSideEffects(string command, string expected)
    {
        var a = await _host.AppendAsync(TestMessages.Simple(subject: "a"));
        var b = await _host.AppendAsync(TestMessages.Simple(subject: "b"));
        await using var client = await _host.LoginAsync();

        Assert.Equal(expected, await client.CommandAsync(command));

        Assert.Equal($"+OK 2 {a.Size + b.Size}", await client.CommandAsync("STAT"));
        Assert.Equal("+OK Bye", await client.CommandAsync("QUIT"));
        Assert.True(await client.IsClosedByServerAsync());
        Assert.Equal(2, (await _host.ListAsync(Core.Model.SpecialFolder.Inbox)).Count);
        Assert.All(await _host.ListAsync(Core.Model.SpecialFolder.Inbox), m => Assert.False(m.IsSeen));
    }

    [Fact]
    public async Task CommandsAreCaseInsensitiveAndPipelinedRepliesComeInOrder()
    {
        var a = await _host.AppendAsync(TestMessages.Simple(subject: "a"));
        await using var client = await _host.LoginAsync();

        await client.SendAsync("stat\r\nnoop\r\nlist 1\r\nuidl 1\r\n");

        Assert.Equal($"+OK 1 {a.Size}", await client.ReadLineAsync());
        Assert.Equal("+OK", await client.ReadLineAsync());
        Assert.Equal($"+OK 1 {a.Size}", await client.ReadLineAsync());
        Assert.Equal($"+OK 1 {a.Id}", await client.ReadLineAsync());
    }

    [Fact]
    public async Task MaildropIsASnapshotTakenAtLogin()
    {
        await _host.AppendAsync(TestMessages.Simple(subject: "a"));
        await using var client = await _host.LoginAsync();

        var late = await _host.AppendAsync(TestMessages.Simple(subject: "late"));

        Assert.StartsWith("+OK 1 ", await client.CommandAsync("STAT"));
        Assert.Equal("-ERR No such message", await client.CommandAsync("RETR 2"));
        Assert.NotEqual(0, late.Id);
    }

    /// <summary>RFC 1939 §3 byte-stuffing: a '.' before each line starting with '.'.</summary>
    internal static byte[] Stuff(byte[] raw)
    {
        var output = new List<byte>(raw.Length + 16);
        var atLineStart = true;
        foreach (var b in raw)
        {
            if (atLineStart && b == '.')
                output.Add((byte)'.');
            output.Add(b);
            atLineStart = b == '\n';
        }
        return [.. output];
    }

    /// <summary>Drops the terminator and undoes byte-stuffing, as a client does.</summary>
    internal static byte[] Unstuff(byte[] wire)
    {
        var body = wire.AsSpan(0, wire.Length - 3);
        var output = new List<byte>(body.Length);
        var atLineStart = true;
        for (var i = 0; i < body.Length; i++)
        {
            if (atLineStart && body[i] == '.')
            {
                atLineStart = false;
                continue;
            }
            output.Add(body[i]);
            atLineStart = body[i] == '\n';
        }
        return [.. output];
    }
}

public sealed class TransactionTestsOnSqlite() : TransactionTests(StoreProvider.Sqlite);
public sealed class TransactionTestsOnPostgres() : TransactionTests(StoreProvider.Postgres);
