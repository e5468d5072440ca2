using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Webmail.Core.Storage;
using MessageFlags = Webmail.Core.Model.MessageFlags;
using SpecialFolder = Webmail.Core.Model.SpecialFolder;

namespace Webmail.Imap.Tests;

/// <summary>
/// QRESYNC (RFC 7162 §3.2): a client that says what it knew gets only what changed — the UIDs
/// expunged since as VANISHED (EARLIER) and the messages changed or added since — and, once it is on,
/// expunges as VANISHED. Exact replies over a raw socket, and MailKit's quick resynchronisation.
/// </summary>
public abstract class QresyncTests(ImapServerFixture fixture)
{
    private int Port => fixture.Server.ImapPort;

    /// <summary>Five messages; what a client knew of them; then message 2 flagged (web UI), 3 deleted (web UI), a sixth delivered.</summary>
    private async Task<(Webmail.Core.Model.Account Account, long UidValidity, long Known)> ChangedAfterAClientLeftAsync()
    {
        var account = await fixture.NewAccountAsync();
        var ids = new List<long>();
        foreach (var subject in new[] { "one", "two", "three", "four", "five" })
            ids.Add((await fixture.DeliverAsync(account, subject)).Id);
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        await fixture.Server.Messages.SetFlagsAsync(account.Id, [ids[1]], MessageFlags.Flagged, true, default);
        await fixture.Server.Messages.DeleteAsync(account.Id, [ids[2]], default);
        await fixture.DeliverAsync(account, "six");
        return (account, inbox.UidValidity, inbox.HighestModseq);
    }

    private async Task<(long Flagged, long Sixth)> ModseqsAsync(Webmail.Core.Model.Account account)
    {
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        var rows = await ((IImapStore)fixture.Server.Messages).GetMessagesAsync(account.Id, inbox.Id, [2, 6], ImapMessageParts.None, default);
        return (rows[0].Modseq, rows[1].Modseq);
    }

    [Fact]
    public async Task SelectWithWhatTheClientKnewAnswersOnlyTheChanges()
    {
        var (account, uidValidity, known) = await ChangedAfterAClientLeftAsync();
        var (flagged, sixth) = await ModseqsAsync(account);
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);

        Assert.Contains(" QRESYNC", (await imap.CommandAsync("CAPABILITY")).Untagged[0]);
        Assert.Equal("BAD QRESYNC is not enabled", (await imap.CommandAsync($"SELECT INBOX (QRESYNC ({uidValidity} {known}))")).Status);
        Assert.Equal(["* ENABLED QRESYNC"], (await imap.CommandAsync("ENABLE QRESYNC")).Untagged);

        var select = await imap.CommandAsync($"SELECT INBOX (QRESYNC ({uidValidity} {known}))");
        Assert.Equal(
        [
            "* VANISHED (EARLIER) 3",
            $"* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ ({flagged}))",
            $"* 5 FETCH (UID 6 FLAGS () MODSEQ ({sixth}))",
        ], select.Untagged.SkipWhile(l => !l.StartsWith("* VANISHED", StringComparison.Ordinal)));
        Assert.Contains("* 5 EXISTS", select.Untagged);
        Assert.Equal("OK [READ-WRITE] SELECT completed", select.Status);

        // Known UIDs limit the answer; a mailbox selected before is closed first (RFC 7162 §3.2.11).
        var limited = await imap.CommandAsync($"EXAMINE INBOX (QRESYNC ({uidValidity} {known} 1:2))");
        Assert.Equal("* OK [CLOSED] Previous mailbox closed", limited.Untagged[0]);
        Assert.Equal([$"* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ ({flagged}))"], limited.Untagged.Where(l => l.Contains("FETCH", StringComparison.Ordinal) || l.Contains("VANISHED", StringComparison.Ordinal)));

        // Another UIDVALIDITY: the client's state is void, so nothing is answered for it.
        var other = await imap.CommandAsync($"SELECT INBOX (QRESYNC ({uidValidity + 1} {known}) CONDSTORE)");
        Assert.DoesNotContain(other.Untagged, l => l.Contains("FETCH", StringComparison.Ordinal) || l.Contains("VANISHED", StringComparison.Ordinal));

        // UID FETCH ... (CHANGEDSINCE n VANISHED) (RFC 7162 §3.2.6).
        var fetch = await imap.CommandAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {known} VANISHED)");
        Assert.Equal(["* VANISHED (EARLIER) 3", $"* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ ({flagged}))", $"* 5 FETCH (UID 6 FLAGS () MODSEQ ({sixth}))"], fetch.Untagged);
        Assert.Equal("BAD VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC enabled", (await imap.CommandAsync("FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)")).Status);
    }

    [Fact]
    public async Task OnceEnabledExpungesAreToldAsVanished()
    {
        var (account, _, _) = await ChangedAfterAClientLeftAsync();
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        await imap.CommandAsync("ENABLE QRESYNC");
        await imap.CommandAsync("SELECT INBOX");

        await imap.CommandAsync("STORE 1,2 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["* VANISHED 1:2"], (await imap.CommandAsync("EXPUNGE")).Untagged);

        // Removed elsewhere (the web UI): the next command tells it by UID.
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        var four = (await ((IImapStore)fixture.Server.Messages).GetMessagesAsync(account.Id, inbox.Id, [4], ImapMessageParts.None, default))[0];
        await fixture.Server.Messages.DeleteAsync(account.Id, [four.Id], default);
        Assert.Equal(["* VANISHED 4"], (await imap.CommandAsync("NOOP")).Untagged);
    }

    [Fact]
    public async Task AClientOlderThanTheCompactedLogIsToldEveryKnownUidThatIsGone()
    {
        var account = await fixture.NewAccountAsync();
        var ids = new List<long>();
        foreach (var subject in new[] { "one", "two", "three", "four", "five" })
            ids.Add((await fixture.DeliverAsync(account, subject)).Id);
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        await using var idle = await ImapTranscript.LoginAsync(Port, account.Address);
        await idle.CommandAsync("ENABLE QRESYNC");
        await idle.CommandAsync("SELECT INBOX");

        await fixture.Server.Messages.DeleteAsync(account.Id, [ids[2], ids[3]], default);
        Assert.True(await ((IImapStore)fixture.Server.Messages).CompactExpungeLogAsync(0, default) > 0);

        // RFC 7162 §3.2.5.2: every known UID (all below UIDNEXT when none are named) that is not here.
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        await imap.CommandAsync("ENABLE QRESYNC");
        Assert.Contains("* VANISHED (EARLIER) 3:4", (await imap.CommandAsync($"SELECT INBOX (QRESYNC ({inbox.UidValidity} {inbox.HighestModseq}))")).Untagged);
        Assert.Contains("* VANISHED (EARLIER) 4", (await imap.CommandAsync($"SELECT INBOX (QRESYNC ({inbox.UidValidity} {inbox.HighestModseq} 1:2,4:5))")).Untagged);
        Assert.Equal(["* VANISHED (EARLIER) 3"], (await imap.CommandAsync($"UID FETCH 3 (FLAGS) (CHANGEDSINCE {inbox.HighestModseq} VANISHED)")).Untagged);
        // A session that saw the folder before: its next poll finds what left by comparison.
        Assert.Equal(["* VANISHED 3:4"], (await idle.CommandAsync("NOOP")).Untagged);
    }

    [Fact]
    public async Task MailKitResynchronisesQuickly()
    {
        var (account, uidValidity, known) = await ChangedAfterAClientLeftAsync();
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(account.Address, ImapServerFixture.Password);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.QuickResync));
        await client.EnableQuickResyncAsync();

        var inbox = client.Inbox;
        var vanished = new List<UniqueId>();
        var changed = new List<UniqueId>();
        inbox.MessagesVanished += (_, e) => vanished.AddRange(e.UniqueIds);
        inbox.MessageFlagsChanged += (_, e) => changed.Add(e.UniqueId ?? UniqueId.Invalid);
        await inbox.OpenAsync(FolderAccess.ReadWrite, (uint)uidValidity, (ulong)known, [new UniqueId(1), new UniqueId(2), new UniqueId(3), new UniqueId(4), new UniqueId(5)]);

        Assert.Equal([new UniqueId(3)], vanished);
        Assert.Contains(new UniqueId(2), changed);
        Assert.Equal(5, inbox.Count);
        await client.DisconnectAsync(true);
    }
}

public sealed class QresyncTestsOnSqlite(ImapServerFixture fixture) : QresyncTests(fixture), IClassFixture<ImapServerFixture>;
public sealed class QresyncTestsOnPostgres(ImapServerFixtureOnPostgres fixture) : QresyncTests(fixture), IClassFixture<ImapServerFixtureOnPostgres>;
