using System.Text;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Webmail.Imap.Tests;

/// <summary>Exact responses over a raw socket (RFC 9051 and the extensions advertised).</summary>
public abstract class TranscriptTests(ImapServerFixture fixture)
{
    private int Port => fixture.Server.ImapPort;

    [Fact]
    public async Task GreetingAndCapabilityBeforeLoginOfferStartTlsAndPlainOnLoopback()
    {
        await using var imap = await ImapTranscript.ConnectAsync(Port);
        Assert.Equal("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID ENABLE IDLE STARTTLS AUTH=PLAIN] imap.local.example IMAP ready", imap.Greeting);
        var reply = await imap.CommandAsync("CAPABILITY");
        Assert.Equal(["* CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID ENABLE IDLE STARTTLS AUTH=PLAIN"], reply.Untagged);
        Assert.Equal("OK CAPABILITY completed", reply.Status);
        Assert.Equal("BAD Log in first", (await imap.CommandAsync("SELECT INBOX")).Status);
        Assert.Equal("BAD Unknown command", (await imap.CommandAsync("FROB")).Status);
    }

    [Fact]
    public async Task LoginWithWrongPasswordAndUnknownUserAnswerTheSame()
    {
        var account = await fixture.NewAccountAsync();
        await using var imap = await ImapTranscript.ConnectAsync(Port);
        var wrong = await imap.CommandAsync($"LOGIN {account.Address} \"not it\"");
        var unknown = await imap.CommandAsync("LOGIN nobody@local.example \"not it\"");
        Assert.Equal("NO [AUTHENTICATIONFAILED] Authentication failed", wrong.Status);
        Assert.Equal(wrong.Status, unknown.Status);
        var ok = await imap.CommandAsync($"LOGIN {account.Address} \"{ImapServerFixture.Password}\"");
        Assert.StartsWith("OK [CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN SPECIAL-USE LIST-EXTENDED LIST-STATUS ESEARCH SEARCHRES QUOTA QUOTA=RES-STORAGE UTF8=ACCEPT CONDSTORE QRESYNC PREVIEW OBJECTID COMPRESS=DEFLATE APPENDLIMIT=", ok.Status);
        Assert.EndsWith("] Logged in", ok.Status);
    }

    [Fact]
    public async Task AuthenticatePlainWithAndWithoutInitialResponse()
    {
        var account = await fixture.NewAccountAsync();
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{account.Address}\0{ImapServerFixture.Password}"));
        await using (var imap = await ImapTranscript.ConnectAsync(Port))
            Assert.StartsWith("OK [CAPABILITY", (await imap.CommandAsync("AUTHENTICATE PLAIN " + token)).Status);

        await using var second = await ImapTranscript.ConnectAsync(Port);
        var tag = second.NextTag();
        await second.SendAsync($"{tag} AUTHENTICATE PLAIN\r\n");
        Assert.Equal("+ ", await second.ReadLineAsync());
        await second.SendAsync(token + "\r\n");
        Assert.StartsWith("OK [CAPABILITY", (await second.ReadUntilTaggedAsync(tag)).Status);
    }

    [Fact]
    public async Task SelectAnswersExistsFlagsPermanentFlagsUidValidityAndUidNext()
    {
        var account = await fixture.NewAccountAsync();
        await fixture.DeliverAsync(account, "one");
        var two = await fixture.DeliverAsync(account, "two");
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);

        var select = await imap.CommandAsync("SELECT INBOX");
        Assert.Equal(
        [
            "* 2 EXISTS",
            "* 0 RECENT",
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted",
            $"* OK [UIDVALIDITY {inbox.UidValidity}] UIDs valid",
            $"* OK [UIDNEXT {two.Uid + 1}] Predicted next UID",
            $"* OK [HIGHESTMODSEQ {inbox.HighestModseq}] Highest",
            $"* OK [MAILBOXID (F{inbox.Id})] Ok",
        ], select.Untagged);
        Assert.Equal("OK [READ-WRITE] SELECT completed", select.Status);
        Assert.Equal("OK [READ-ONLY] EXAMINE completed", (await imap.CommandAsync("EXAMINE inbox")).Status);
        Assert.Equal("NO [NONEXISTENT] No such mailbox", (await imap.CommandAsync("SELECT Nowhere")).Status);
        // RFC 9051 §6.3.2: a failed SELECT leaves no mailbox selected.
        Assert.Equal("BAD No mailbox selected", (await imap.CommandAsync("FETCH 1 FLAGS")).Status);
    }

    [Fact]
    public async Task FetchAnswersFlagsDatesSizesAndPartialBodiesExactly()
    {
        var account = await fixture.NewAccountAsync();
        var stored = await fixture.DeliverAsync(account, "exact", "0123456789");
        var raw = await fixture.Server.Messages.GetRawAsync(account.Id, stored.Id, default);
        var summary = await fixture.Server.Messages.GetSummaryAsync(account.Id, stored.Id, default);
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        await imap.CommandAsync("SELECT INBOX");

        var fetch = await imap.CommandAsync("FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE)");
        var date = summary!.InternalDate.ToUniversalTime().ToString("dd-MMM-yyyy HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal([$"* 1 FETCH (UID {stored.Uid} FLAGS () INTERNALDATE \"{date} +0000\" RFC822.SIZE {raw!.Length})"], fetch.Untagged);
        Assert.Equal("OK FETCH completed", fetch.Status);

        var partial = await imap.CommandAsync($"UID FETCH {stored.Uid} BODY.PEEK[]<0.4>");
        Assert.Equal([$"* 1 FETCH (UID {stored.Uid} BODY[]<0> {{4}}\r\nFrom)"], partial.Untagged);

        // BODY[] without PEEK sets \Seen and says so (RFC 9051 §6.4.5).
        var body = await imap.CommandAsync("FETCH 1 BODY[TEXT]");
        Assert.Equal(["* 1 FETCH (BODY[TEXT] {12}\r\n0123456789\r\n FLAGS (\\Seen))"], body.Untagged);
        Assert.True((await fixture.Server.Messages.GetSummaryAsync(account.Id, stored.Id, default))!.IsSeen);
        Assert.StartsWith("BAD", (await imap.CommandAsync("FETCH 2 FLAGS")).Status);
        Assert.Equal("BAD Unknown FETCH item FROB", (await imap.CommandAsync("FETCH 1 (FROB)")).Status);
    }

    [Fact]
    public async Task AFetchOfFlagsLeavesTheStoredEnvelopeAlone()
    {
        var account = await fixture.NewAccountAsync();
        await fixture.DeliverAsync(account, "keep my envelope");
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        await imap.CommandAsync("SELECT INBOX");
        await imap.CommandAsync("UID FETCH 1:* (FLAGS)");
        await imap.CommandAsync("FETCH 1 (RFC822.SIZE)");
        var envelope = Assert.Single((await imap.CommandAsync("FETCH 1 (ENVELOPE)")).Untagged);
        Assert.Contains("\"keep my envelope\"", envelope);
    }

    [Fact]
    public async Task StoreAnswersNewFlagsAndKeywordsAreKept()
    {
        var account = await fixture.NewAccountAsync();
        var stored = await fixture.DeliverAsync(account, "keywords");
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        await imap.CommandAsync("SELECT INBOX");
        var store = await imap.CommandAsync("STORE 1 +FLAGS (\\Flagged $Forwarded)");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged $Forwarded))"], store.Untagged);
        Assert.Equal("OK STORE completed", store.Status);
        Assert.Equal([], (await imap.CommandAsync("STORE 1 -FLAGS.SILENT (\\Flagged)")).Untagged);
        Assert.Equal([$"* 1 FETCH (UID {stored.Uid} FLAGS ($Forwarded))"], (await imap.CommandAsync($"UID FETCH {stored.Uid} FLAGS")).Untagged);

        // A new session lists the keyword in FLAGS.
        await using var other = await ImapTranscript.LoginAsync(Port, account.Address);
        Assert.Contains("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)", (await other.CommandAsync("SELECT INBOX")).Untagged);
        Assert.Equal("BAD Unknown system flag \\Bogus", (await imap.CommandAsync("STORE 1 +FLAGS (\\Bogus)")).Status);
    }

    [Fact]
    public async Task AppendTakesSynchronizingAndNonSynchronizingLiterals()
    {
        var account = await fixture.NewAccountAsync();
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        var message = "Subject: appended\r\n\r\nbody\r\n";

        var tag = imap.NextTag();
        await imap.SendAsync($"{tag} APPEND INBOX (\\Seen) {{{message.Length}}}\r\n");
        Assert.Equal("+ Ready for literal data", await imap.ReadLineAsync());
        await imap.SendAsync(message + "\r\n");
        Assert.Equal($"OK [APPENDUID {inbox.UidValidity} 1] APPEND completed", (await imap.ReadUntilTaggedAsync(tag)).Status);

        var plus = await imap.CommandAsync($"APPEND INBOX \"05-Dec-2026 09:10:11 +0100\" {{{message.Length}+}}\r\n{message}");
        Assert.Equal($"OK [APPENDUID {inbox.UidValidity} 2] APPEND completed", plus.Status);
        var page = await fixture.Server.Messages.ListAsync(account.Id, inbox.Id, 0, 10, MessageSort.DateAscending, default);
        Assert.Equal(2, page.Total);
        Assert.Contains(page.Items, m => m.InternalDate == new DateTimeOffset(2026, 12, 5, 8, 10, 11, TimeSpan.Zero));
        Assert.Equal(Encoding.ASCII.GetBytes(message), await fixture.Server.Messages.GetRawAsync(account.Id, page.Items[0].Id, default));
        Assert.Equal("NO [TRYCREATE] No such mailbox", (await imap.CommandAsync($"APPEND Nowhere {{{message.Length}+}}\r\n{message}")).Status);
    }

    [Fact]
    public async Task AnAppendOverTheSizeLimitIsRefusedBeforeItsBytesAndOneOverQuotaStoresNothing()
    {
        var account = await fixture.NewAccountAsync(quota: 100);
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        var tag = imap.NextTag();
        await imap.SendAsync($"{tag} APPEND INBOX {{999999999999}}\r\n");
        Assert.StartsWith("NO [TOOBIG]", (await imap.ReadUntilTaggedAsync(tag)).Status);

        var message = "Subject: big\r\n\r\n" + new string('x', 200) + "\r\n";
        Assert.Equal("NO [OVERQUOTA] The mailbox is over its quota", (await imap.CommandAsync($"APPEND INBOX {{{message.Length}+}}\r\n{message}")).Status);
        Assert.Equal(0, (await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default)).MessageCount);
        Assert.Equal("OK NOOP completed", (await imap.CommandAsync("NOOP")).Status);
    }

    [Fact]
    public async Task CopyAndMoveAnswerCopyUidAndMoveExpungesFromTheSource()
    {
        var account = await fixture.NewAccountAsync();
        var a = await fixture.DeliverAsync(account, "a");
        var b = await fixture.DeliverAsync(account, "b");
        var archive = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Archive, default);
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        await imap.CommandAsync("SELECT INBOX");

        Assert.Equal($"OK [COPYUID {archive.UidValidity} {a.Uid} 1] COPY completed", (await imap.CommandAsync("COPY 1 Archive")).Status);
        var move = await imap.CommandAsync($"UID MOVE {b.Uid} Archive");
        Assert.Equal([$"* OK [COPYUID {archive.UidValidity} {b.Uid} 2] Moved", "* 2 EXPUNGE"], move.Untagged);
        Assert.Equal("OK MOVE completed", move.Status);
        Assert.Equal("NO [TRYCREATE] No such mailbox", (await imap.CommandAsync("COPY 1 Nowhere")).Status);
        Assert.Equal(2, (await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Archive, default)).MessageCount);
    }

    [Fact]
    public async Task ListShowsTheHierarchyWithSpecialUseAndCreateRenameDeleteFollowIt()
    {
        var account = await fixture.NewAccountAsync();
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        Assert.Equal(["* LIST (\\Noselect) \"/\" \"\""], (await imap.CommandAsync("LIST \"\" \"\"")).Untagged);
        Assert.Matches(@"^OK \[MAILBOXID \(F\d+\)\] CREATE completed$", (await imap.CommandAsync("CREATE Projects/2026")).Status);
        Assert.Equal("NO [ALREADYEXISTS] The mailbox exists already", (await imap.CommandAsync("CREATE projects")).Status);

        var list = await imap.CommandAsync("LIST \"\" *");
        Assert.Equal(
        [
            "* LIST (\\HasNoChildren) \"/\" \"INBOX\"",
            "* LIST (\\HasNoChildren \\Archive) \"/\" \"Archive\"",
            "* LIST (\\HasNoChildren \\Drafts) \"/\" \"Drafts\"",
            "* LIST (\\HasNoChildren \\Junk) \"/\" \"Junk\"",
            "* LIST (\\HasChildren) \"/\" \"Projects\"",
            "* LIST (\\HasNoChildren) \"/\" \"Projects/2026\"",
            "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"",
            "* LIST (\\HasNoChildren \\Trash) \"/\" \"Trash\"",
        ], list.Untagged);
        Assert.Equal(["* LIST (\\HasChildren) \"/\" \"Projects\""], (await imap.CommandAsync("LIST \"\" %")).Untagged.Where(l => l.Contains("Projects")).ToList());

        Assert.Equal("OK RENAME completed", (await imap.CommandAsync("RENAME Projects/2026 Archive/2026")).Status);
        var folders = await fixture.Server.Messages.GetFoldersAsync(account.Id, default);
        var moved = Assert.Single(folders, f => f.Name == "2026");
        Assert.Equal(folders.Single(f => f.SpecialUse == SpecialFolder.Archive).Id, moved.ParentId);
        Assert.Equal("NO [CANNOT] Standard folders cannot be deleted", (await imap.CommandAsync("DELETE INBOX")).Status);
        Assert.Equal("NO [CANNOT] Standard folders cannot be renamed", (await imap.CommandAsync("RENAME INBOX Other")).Status);
        Assert.Equal("OK DELETE completed", (await imap.CommandAsync("DELETE Archive/2026")).Status);
        Assert.Equal([], (await imap.CommandAsync("LIST \"\" Archive/*")).Untagged);
    }

    [Fact]
    public async Task StatusNamespaceIdAndEnable()
    {
        var account = await fixture.NewAccountAsync();
        await fixture.DeliverAsync(account, "unread");
        await fixture.DeliverAsync(account, "read", flags: MessageFlags.Seen | MessageFlags.Deleted);
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        Assert.Equal([$"* STATUS \"INBOX\" (MESSAGES 2 UNSEEN 1 DELETED 1 UIDNEXT 3 UIDVALIDITY {inbox.UidValidity} SIZE {inbox.TotalBytes})"],
            (await imap.CommandAsync("STATUS INBOX (MESSAGES UNSEEN DELETED UIDNEXT UIDVALIDITY SIZE)")).Untagged);
        Assert.Equal(["* NAMESPACE ((\"\" \"/\")) NIL NIL"], (await imap.CommandAsync("NAMESPACE")).Untagged);
        Assert.Equal(["* ID (\"name\" \"Webmail\")"], (await imap.CommandAsync("ID (\"name\" \"test\")")).Untagged);
        Assert.Equal(["* ENABLED IMAP4rev2 CONDSTORE"], (await imap.CommandAsync("ENABLE IMAP4rev2 CONDSTORE FROB")).Untagged);
        // IMAP4rev2: SEARCH answers with ESEARCH (RFC 9051 §7.3.4).
        await imap.CommandAsync("SELECT INBOX");
        var search = await imap.CommandAsync("UID SEARCH UNSEEN");
        Assert.Equal([$"* ESEARCH (TAG \"{imap.LastTag}\") UID ALL 1"], search.Untagged);
    }

    [Fact]
    public async Task EsearchReturnsMinMaxCountAndSavedResults()
    {
        var account = await fixture.NewAccountAsync();
        for (var i = 0; i < 5; i++)
            await fixture.DeliverAsync(account, "m" + i, flags: i % 2 == 0 ? MessageFlags.Seen : MessageFlags.None);
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        await imap.CommandAsync("SELECT INBOX");
        Assert.Equal(["* SEARCH 1 3 5"], (await imap.CommandAsync("SEARCH SEEN")).Untagged);
        Assert.Equal([$"* ESEARCH (TAG \"{imap.NextTagPeek()}\") MIN 1 MAX 5 COUNT 3"], (await imap.CommandAsync("SEARCH RETURN (MIN MAX COUNT) SEEN")).Untagged);
        Assert.Equal("OK SEARCH completed, result saved", (await imap.CommandAsync("SEARCH RETURN (SAVE) UNSEEN")).Status);
        Assert.Equal(2, (await imap.CommandAsync("FETCH $ FLAGS")).Untagged.Count);
        Assert.Equal(["* SEARCH 2 3"], (await imap.CommandAsync("SEARCH OR UID 2 SUBJECT m2")).Untagged);
        Assert.Equal(["* SEARCH 1 2 3 4 5"], (await imap.CommandAsync("SEARCH NOT LARGER 100000")).Untagged);
    }

    [Fact]
    public async Task ExpungeFromAnotherDoorWaitsOutFetchAndArrivesOnNoop()
    {
        var account = await fixture.NewAccountAsync();
        var first = await fixture.DeliverAsync(account, "first");
        await fixture.DeliverAsync(account, "second");
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        await imap.CommandAsync("SELECT INBOX");

        await fixture.Server.Messages.DeleteAsync(account.Id, [first.Id], default);
        await Task.Delay(100);
        // RFC 9051 §7.5.1: no EXPUNGE while answering FETCH; numbers stay as the client knows them.
        var fetch = await imap.CommandAsync("FETCH 2 (FLAGS)");
        Assert.Equal(["* 2 FETCH (FLAGS ())"], fetch.Untagged);
        Assert.Equal(["* 1 EXPUNGE"], (await imap.CommandAsync("NOOP")).Untagged);
        Assert.Equal(["* 1 FETCH (FLAGS ())"], (await imap.CommandAsync("FETCH 1 (FLAGS)")).Untagged);
    }

    [Fact]
    public async Task Pop3DeletionUnderTheDeletePolicyReachesAnImapSessionAsExpunge()
    {
        var account = await fixture.NewAccountAsync();
        await fixture.DeliverAsync(account, "to pop");
        await fixture.Server.Services.GetRequiredService<IDirectoryStore>().SetProfileAsync(account.Id, "", Pop3DeletePolicy.Delete, default);
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        await imap.CommandAsync("SELECT INBOX");
        var tag = imap.NextTag();
        await imap.SendAsync($"{tag} IDLE\r\n");
        Assert.Equal("+ idling", await imap.ReadLineAsync());

        using (var pop = new MailKit.Net.Pop3.Pop3Client())
        {
            await pop.ConnectAsync("127.0.0.1", fixture.Server.Pop3Port, MailKit.Security.SecureSocketOptions.None);
            await pop.AuthenticateAsync(account.Address, ImapServerFixture.Password);
            await pop.DeleteMessageAsync(0);
            await pop.DisconnectAsync(true);
        }
        Assert.Equal("* 1 EXPUNGE", await imap.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(1)));
        await imap.SendAsync("DONE\r\n");
        Assert.Equal("OK IDLE terminated", (await imap.ReadUntilTaggedAsync(tag)).Status);
    }

    [Fact]
    public async Task IdleReportsAFlagSetElsewhereWithinASecond()
    {
        var account = await fixture.NewAccountAsync();
        var stored = await fixture.DeliverAsync(account, "watch");
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        await imap.CommandAsync("SELECT INBOX");
        var tag = imap.NextTag();
        await imap.SendAsync($"{tag} IDLE\r\n");
        Assert.Equal("+ idling", await imap.ReadLineAsync());
        await fixture.Server.Messages.SetFlagsAsync(account.Id, [stored.Id], MessageFlags.Flagged, true, default);
        Assert.Equal($"* 1 FETCH (UID {stored.Uid} FLAGS (\\Flagged))", await imap.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(1)));
        await imap.SendAsync("DONE\r\n");
        Assert.Equal("OK IDLE terminated", (await imap.ReadUntilTaggedAsync(tag)).Status);
    }

    [Fact]
    public async Task TwentyBadCommandsInARowEndTheSession()
    {
        await using var imap = await ImapTranscript.ConnectAsync(Port);
        for (var i = 0; i < ImapServerSession.MaxBad - 1; i++)
            Assert.StartsWith("BAD", (await imap.CommandAsync("FROB")).Status);
        var tag = imap.NextTag();
        await imap.SendAsync($"{tag} FROB\r\n");
        Assert.Equal($"{tag} BAD Unknown command", await imap.ReadLineAsync());
        Assert.Equal("* BYE Too many bad commands", await imap.ReadLineAsync());
        Assert.True(await imap.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task AnOverlongLineIsRefusedAndTheSessionGoesOn()
    {
        await using var imap = await ImapTranscript.ConnectAsync(Port);
        await imap.SendAsync("a1 NOOP " + new string('x', 70_000) + "\r\n");
        Assert.Equal("a1 BAD [TOOBIG] Command line too long", await imap.ReadLineAsync());
        Assert.Equal("OK NOOP completed", (await imap.CommandAsync("NOOP")).Status);
    }
}

/// <summary>Constants of the session under test.</summary>
internal static class ImapServerSession
{
    public const int MaxBad = Webmail.Imap.Session.ImapSession.MaxBadCommands;
}

/// <summary>A client that stops reading in the middle of a large FETCH loses its session; the server goes on.</summary>
public sealed class StalledClientTests
{
    [Fact]
    public async Task AClientThatStopsReadingMidFetchIsDroppedAfterTheWriteTimeout()
    {
        await using var server = await Webmail.Testing.TestServer.StartAsync();
        var context = server.Services.GetRequiredService<ImapServerContext>();
        context.WriteTimeout = TimeSpan.FromSeconds(2);
        var account = await server.CreateAccountAsync("stall@local.example", ImapServerFixture.Password);
        var inbox = await server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        var big = Encoding.ASCII.GetBytes("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 998) + "\r\n", 2000)));
        for (var i = 0; i < 10; i++)
            await server.Messages.AppendAsync(account.Id, inbox.Id, big, MessageFlags.None, enforceQuota: false);

        using var client = new System.Net.Sockets.TcpClient { ReceiveBufferSize = 4096 };
        await client.ConnectAsync("127.0.0.1", server.ImapPort);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"a1 LOGIN stall@local.example \"{ImapServerFixture.Password}\"\r\na2 SELECT INBOX\r\na3 FETCH 1:* BODY.PEEK[]\r\n"));
        // Read nothing: the server's writes fill the socket buffers and then wait.
        var listener = server.Services.GetRequiredService<ImapHostedService>().Listeners[0];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (listener.SessionCount > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal(0, listener.SessionCount);

        await using var other = await ImapTranscript.LoginAsync(server.ImapPort, account.Address);
        Assert.Equal("OK NOOP completed", (await other.CommandAsync("NOOP")).Status);
    }
}

public sealed class TranscriptTestsOnSqlite(ImapServerFixture fixture) : TranscriptTests(fixture), IClassFixture<ImapServerFixture>;
public sealed class TranscriptTestsOnPostgres(ImapServerFixtureOnPostgres fixture) : TranscriptTests(fixture), IClassFixture<ImapServerFixtureOnPostgres>;
