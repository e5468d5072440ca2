using System.Text;
using CsCheck;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>
/// Random and mutated POP3 command lines over a real socket to a real server, in the AUTHORIZATION and
/// TRANSACTION states. A small model of RFC 1939 predicts, line by line, whether the answer is +OK or -ERR
/// and whether a multi-line response follows; the test asserts the prediction, that the session is still in
/// step afterwards, that nothing signs in without the right password, and that the maildrop changes only
/// through DELE + QUIT answered +OK.
/// </summary>
public sealed class Pop3CommandPropertyTests : IAsyncLifetime
{
    private const string User = "user@local.example";
    private const string Password = "correct horse";
    private const int MessagesPerRun = 4;

    private static readonly Gen<string> Number = Gen.OneOf("0", "-1", "1a", "18446744073709551616", "4294967297", "2147483648", "99999999999999999999",
        "1", "2", "3", "4", "5", "01", "+1", "0x1", "1e0", "\u00b9", "1\0", "1\r", "");
    private static readonly Gen<string> Noise = Gen.String[Gen.OneOf(new IGen<char>[] { Gen.Char["\0\r\t \u007f.<>:-+=*"], Gen.Char['a', 'z'], Gen.Char['0', '9'], Gen.Char['\u0080', '\u00ff'] }), 0, 24];
    private static readonly Gen<string> Argument = Gen.Frequency((3, Number), (2, Noise), (1, Gen.Const(User)));
    private static readonly Gen<string> Separator = Gen.Frequency((8, Gen.Const(" ")), (1, Gen.Const("  ")), (1, Gen.Const("\t")));

    /// <summary>Mutations of the right password: never equal to it.</summary>
    private static readonly Gen<string> WrongPassword = Gen.OneOf(
        Gen.Int[0, Password.Length - 1].Select(i => Password.Remove(i, 1)),
        Gen.Select(Gen.Int[0, Password.Length], Gen.Char["\0\r\n\t xX\u00e9\u00ff"], (i, c) => Password.Insert(i, c.ToString())),
        Gen.Int[0, Password.Length - 1].Select(i => Password[..i] + char.ToUpperInvariant(Password[i]) + Password[(i + 1)..]),
        Gen.Const(Password + " "), Gen.Const(" " + Password), Gen.Const(Password.ToUpperInvariant()), Gen.Const(""), Noise).Where(p => p != Password);

    private TestServer _server = null!;
    private long _accountId;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Limits:MaxSessionsPerIp"] = "100",
            // Wrong passwords are the point here: no delay, ban or pause from the shared login limiter.
            ["Webmail:Security:MaxFailedLogins"] = "1000000",
            ["Webmail:Security:LoginDelayStep"] = "00:00:00",
            ["Webmail:Security:MaxLoginDelay"] = "00:00:00",
        });
        _accountId = (await _server.CreateAccountAsync(User, Password)).Id;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Lines as a client might send them: a known verb in any case, or none, with hostile arguments, sometimes over-long.</summary>
    private static Gen<string> Line(params string[] verbs) =>
        Gen.Select(Gen.OneOf(verbs), Gen.Bool, Argument.Array[0, 3], Separator, Gen.Frequency((9, Gen.Const(0)), (1, Gen.Int[200, 400])),
            (verb, lower, args, separator, padding) =>
                (lower ? verb.ToLowerInvariant() : verb) + string.Concat(args.Select(a => separator + a)) + new string('A', padding));

    [Fact]
    public void HostileLinesBeforeLoginGetOneAnswerEachAndNeverSignIn()
    {
        var line = Gen.Frequency(
            (6, Line("USER", "PASS", "AUTH", "AUTH PLAIN", "APOP", "CAPA", "STAT", "LIST", "RETR", "DELE", "TOP", "UIDL", "NOOP", "RSET", "XTND", "")),
            (2, WrongPassword.Select(p => "PASS " + p)),
            (2, WrongPassword.Select(p => "AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + User + "\0" + p)))),
            (1, Gen.Const("USER " + User)),
            // RFC 4616 §2: an authzid other than the authcid asks to act as someone else; not granted, even with the right password.
            (1, Gen.Const("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("postmaster@local.example\0" + User + "\0" + Password)))));
        line.Array[1, 12].Sample(lines => RunAsync(lines, loggedIn: false).GetAwaiter().GetResult(), iter: 30, threads: 1);
    }

    [Fact]
    public void HostileLinesAfterLoginChangeTheMaildropOnlyThroughDeleAndQuit()
    {
        var line = Gen.Frequency(
            (8, Line("STAT", "LIST", "UIDL", "RETR", "DELE", "TOP", "NOOP", "RSET", "CAPA", "USER", "PASS", "AUTH", "STLS", "XTND", "")),
            (4, Gen.Select(Gen.OneOf("DELE ", "dele ", "RETR ", "LIST ", "UIDL "), Number, (v, n) => v + n)),
            (2, Gen.Select(Number, Number, (n, l) => $"TOP {n} {l}")));
        Gen.Select(line.Array[1, 14], Gen.OneOf("QUIT", "drop", "RSET+QUIT")).Sample((lines, end) =>
            RunAsync(lines, loggedIn: true, end).GetAwaiter().GetResult(), iter: 30, threads: 1);
    }

    /// <summary>Runs one session: the lines pipelined in one write, then every reply checked against the model.</summary>
    private async Task RunAsync(string[] lines, bool loggedIn, string end = "QUIT")
    {
        var before = await ResetMaildropAsync();
        var (client, greeting) = await RawPop3.ConnectAsync(_server.Pop3Port);
        using var _ = client;
        Assert.StartsWith("+OK", greeting);
        var model = new Pop3Model(before.Count);
        if (loggedIn)
        {
            Assert.True(await SignInAsync(client), "the right password must sign in");
            model.SignedIn();
        }

        // RFC 2449 PIPELINING: the client may send several commands at once; answers come in order.
        var payload = string.Concat(lines.Select(l => l + "\r\n"));
        await client.SendRawAsync(payload);
        var open = await model.ReadRepliesAsync(client, Pop3Model.ServerLines(payload), before);

        var quit = model.QuitConfirmed;
        if (open)
        {
            // Still in step: exactly one status line for the next command.
            Assert.Equal(model.InTransaction ? "+OK" : "-ERR", (await client.CommandAsync("NOOP")).Split(' ')[0]);
            if (!model.InTransaction)
            {
                // Nothing above signed in; the right password still does (the limiter did not lock the account).
                Assert.True(await SignInAsync(client), "the right password must still sign in");
            }
            else if (end == "RSET+QUIT")
            {
                Assert.StartsWith("+OK", await client.CommandAsync("RSET"));
                model.Reset();
            }
            if (end != "drop" || !model.InTransaction)
            {
                Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));
                Assert.Null(await client.ReadLineAsync());
                quit = model.InTransaction;
            }
        }
        client.Dispose();

        // RFC 1939 §6: a QUIT answered +OK in TRANSACTION removes what was marked, and only that; without it nothing goes.
        var deleted = quit ? model.Marked.Select(n => before[n - 1].Id).ToHashSet() : [];

        // Give the session a moment to finish its UPDATE state, then compare the store with what was promised.
        var expected = before.Where(m => !deleted.Contains(m.Id)).Select(m => m.Id).ToList();
        IReadOnlyList<MaildropEntry> after = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(5); DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            after = await _server.Messages.GetMaildropAsync(_accountId, default);
            if (after.Select(m => m.Id).SequenceEqual(expected))
                break;
        }
        Assert.Equal(expected, after.Select(m => m.Id));
        foreach (var message in before.Where(m => !deleted.Contains(m.Id)))
            Assert.Equal(message.Raw, await _server.Messages.GetRawAsync(_accountId, message.Id, default));
    }

    /// <summary>USER/PASS with the right password; a dropped session of the previous case may still hold the maildrop lock for a moment (RFC 2449 [IN-USE]).</summary>
    private static async Task<bool> SignInAsync(RawPop3 client)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            Assert.StartsWith("+OK", await client.CommandAsync("USER " + User));
            var reply = await client.CommandAsync("PASS " + Password);
            if (RawPop3.IsOk(reply))
                return true;
            if (!reply.Contains("[IN-USE]", StringComparison.Ordinal))
                return false;
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>Empties the INBOX and delivers <see cref="MessagesPerRun"/> fresh messages (with lines that need dot-stuffing).</summary>
    private async Task<List<(long Id, byte[] Raw)>> ResetMaildropAsync()
    {
        var old = await _server.Messages.GetMaildropAsync(_accountId, default);
        await _server.Messages.DeleteAsync(_accountId, old.Select(m => m.Id).ToList(), default);
        for (var i = 0; i < MessagesPerRun; i++)
        {
            var raw = TestMessages.Simple(to: User, subject: $"message {i}", body: $"Body {i}.\r\n.a line with a leading dot\r\n..two dots\r\n.\r\nend");
            await _server.Messages.DeliverAsync(new DeliveryRequest(raw, [new MailboxDelivery(_accountId, SpecialFolder.Inbox)]), default);
        }
        var entries = await _server.Messages.GetMaildropAsync(_accountId, default);
        var result = new List<(long, byte[])>();
        foreach (var entry in entries)
            result.Add((entry.Id, (await _server.Messages.GetRawAsync(_accountId, entry.Id, default))!));
        return result;
    }
}
