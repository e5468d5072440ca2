using MailKit;
using MessageFlags = Webmail.Core.Model.MessageFlags;
using SpecialFolder = Webmail.Core.Model.SpecialFolder;
using MailKit.Net.Imap;
using MailKit.Security;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Imap.Tests;

/// <summary>
/// CONDSTORE (RFC 7162 §3.1): HIGHESTMODSEQ in SELECT and STATUS, MODSEQ in FETCH, FETCH CHANGEDSINCE,
/// STORE UNCHANGEDSINCE and .SILENT, SEARCH MODSEQ, MODSEQ on every flag change reported once it is on,
/// exact replies over a raw socket and MailKit's flow.
/// </summary>
public abstract class CondstoreTests(ImapServerFixture fixture)
{
    private int Port => fixture.Server.ImapPort;

    private async Task<(Account Account, Folder Inbox, IReadOnlyList<ImapMessage> Messages)> ThreeMessagesAsync()
    {
        var account = await fixture.NewAccountAsync();
        foreach (var subject in new[] { "one", "two", "three" })
            await fixture.DeliverAsync(account, subject);
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        var messages = await ((IImapStore)fixture.Server.Messages).GetMessagesAsync(account.Id, inbox.Id, [1, 2, 3], ImapMessageParts.None, default);
        return (account, inbox, messages);
    }

    [Fact]
    public async Task SelectStatusAndFetchTellModificationSequences()
    {
        var (account, inbox, messages) = await ThreeMessagesAsync();
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);

        Assert.Contains(" CONDSTORE", (await imap.CommandAsync("CAPABILITY")).Untagged[0]);
        Assert.Equal([$"* STATUS \"INBOX\" (HIGHESTMODSEQ {inbox.HighestModseq} MESSAGES 3)"], (await imap.CommandAsync("STATUS INBOX (HIGHESTMODSEQ MESSAGES)")).Untagged);
        var select = await imap.CommandAsync("SELECT INBOX (CONDSTORE)");
        Assert.Contains($"* OK [HIGHESTMODSEQ {inbox.HighestModseq}] Highest", select.Untagged);
        Assert.Equal("OK [READ-WRITE] SELECT completed", select.Status);

        // Each delivery raised the folder's modseq: the messages' are distinct and rising.
        Assert.True(messages[0].Modseq < messages[1].Modseq && messages[1].Modseq < messages[2].Modseq);
        Assert.Equal(
            messages.Select((m, i) => $"* {i + 1} FETCH (UID {m.Uid} MODSEQ ({m.Modseq}))"),
            (await imap.CommandAsync("FETCH 1:* (UID MODSEQ)")).Untagged);

        // CHANGEDSINCE: only what changed after the given modseq, with MODSEQ added (RFC 7162 §3.1.4.2).
        var before = inbox.HighestModseq;
        var seen = await imap.CommandAsync("UID STORE 2 +FLAGS.SILENT (\\Seen)");
        var second = Assert.Single(seen.Untagged); // .SILENT still tells the new modseq once CONDSTORE is on
        var modseq = long.Parse(second[(second.IndexOf("MODSEQ (", StringComparison.Ordinal) + 8)..^2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"* 2 FETCH (UID 2 MODSEQ ({modseq}))", second);
        Assert.True(modseq > before);
        Assert.Equal([$"* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ ({modseq}))"], (await imap.CommandAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {before})")).Untagged);
        Assert.Empty((await imap.CommandAsync($"FETCH 1:* (FLAGS) (CHANGEDSINCE {modseq})")).Untagged);

        Assert.Equal("BAD Unknown FETCH modifier", (await imap.CommandAsync("FETCH 1 (FLAGS) (SINCE 4)")).Status);
        Assert.StartsWith("BAD", (await imap.CommandAsync("FETCH 1 (FLAGS) (CHANGEDSINCE x)")).Status);
        Assert.Equal("BAD Unknown SELECT parameter", (await imap.CommandAsync("SELECT INBOX (FOO)")).Status);
    }

    [Fact]
    public async Task ConditionalStoreAndSearchByModificationSequence()
    {
        var (account, _, messages) = await ThreeMessagesAsync();
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        Assert.Equal(["* ENABLED CONDSTORE"], (await imap.CommandAsync("ENABLE CONDSTORE")).Untagged);
        await imap.CommandAsync("SELECT INBOX");

        // Message 1 is unchanged since its modseq: flagged. Message 3 is newer than the given one: refused.
        var store = await imap.CommandAsync($"STORE 1,3 (UNCHANGEDSINCE {messages[0].Modseq}) +FLAGS (\\Flagged)");
        var flagged = Assert.Single(store.Untagged);
        Assert.Matches(@"^\* 1 FETCH \(FLAGS \(\\Flagged\) MODSEQ \((\d+)\)\)$", flagged);
        Assert.Equal("OK [MODIFIED 3] Conditional STORE failed for some messages", store.Status);
        var flaggedModseq = long.Parse(System.Text.RegularExpressions.Regex.Match(flagged, @"MODSEQ \((\d+)\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        // SEARCH MODSEQ names the highest modseq among the matches (RFC 7162 §3.1.5), with or without an entry name.
        Assert.Equal([$"* SEARCH 1 3 (MODSEQ {flaggedModseq})"], (await imap.CommandAsync($"SEARCH MODSEQ {messages[2].Modseq}")).Untagged);
        Assert.Equal([$"* SEARCH 1 (MODSEQ {flaggedModseq})"], (await imap.CommandAsync($"SEARCH MODSEQ \"/flags/\\\\flagged\" all {messages[2].Modseq} FLAGGED")).Untagged);
        Assert.Matches($"^\\* ESEARCH \\(TAG \"\\w+\"\\) UID ALL 1,3 MODSEQ {flaggedModseq}$", Assert.Single((await imap.CommandAsync($"UID SEARCH RETURN (ALL) MODSEQ {messages[2].Modseq}")).Untagged));
        Assert.Equal(["* SEARCH"], (await imap.CommandAsync($"SEARCH MODSEQ {flaggedModseq + 1}")).Untagged);

        // A change made elsewhere (the web UI) arrives with its MODSEQ.
        await fixture.Server.Messages.SetFlagsAsync(account.Id, [messages[1].Id], MessageFlags.Seen, true, default);
        var noop = await imap.CommandAsync("NOOP");
        Assert.Matches(@"^\* 2 FETCH \(UID 2 FLAGS \(\\Seen\) MODSEQ \(\d+\)\)$", Assert.Single(noop.Untagged));
    }

    [Fact]
    public async Task WithoutCondstoreNothingChangesForTheClient()
    {
        var (account, _, messages) = await ThreeMessagesAsync();
        await using var imap = await ImapTranscript.LoginAsync(Port, account.Address);
        await imap.CommandAsync("SELECT INBOX");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen))"], (await imap.CommandAsync("STORE 1 +FLAGS (\\Seen)")).Untagged);
        Assert.Empty((await imap.CommandAsync("STORE 2 +FLAGS.SILENT (\\Seen)")).Untagged);
        await fixture.Server.Messages.SetFlagsAsync(account.Id, [messages[2].Id], MessageFlags.Flagged, true, default);
        Assert.Equal(["* 3 FETCH (UID 3 FLAGS (\\Flagged))"], (await imap.CommandAsync("NOOP")).Untagged);
    }

    [Fact]
    public async Task MailKitSynchronisesFlagsByModificationSequence()
    {
        var (account, folder, messages) = await ThreeMessagesAsync();
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(account.Address, ImapServerFixture.Password);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.CondStore));
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var known = inbox.HighestModSeq;
        Assert.True(known > 0);

        // Another client changes one message; a resync asks only for what changed since the known modseq.
        await fixture.Server.Messages.SetFlagsAsync(account.Id, [messages[1].Id], MessageFlags.Flagged, true, default);
        var changed = await inbox.FetchAsync(0, -1, known, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.ModSeq);
        var only = Assert.Single(changed);
        Assert.Equal(2u, only.UniqueId.Id);
        Assert.True(only.Flags!.Value.HasFlag(MailKit.MessageFlags.Flagged));
        Assert.True(only.ModSeq > known);

        // A conditional store against the old modseq is refused for the message that changed only.
        var refused = await inbox.StoreAsync([new UniqueId(1), new UniqueId(2)], new StoreFlagsRequest(StoreAction.Add, MailKit.MessageFlags.Seen) { UnchangedSince = known });
        Assert.Equal([new UniqueId(2)], refused);
        var after = await ((IImapStore)fixture.Server.Messages).GetMessagesAsync(account.Id, folder.Id, [1, 2], ImapMessageParts.None, default);
        Assert.True(after[0].Flags.HasFlag(MessageFlags.Seen));
        Assert.False(after[1].Flags.HasFlag(MessageFlags.Seen));
        await client.DisconnectAsync(true);
    }
}

public sealed class CondstoreTestsOnSqlite(ImapServerFixture fixture) : CondstoreTests(fixture), IClassFixture<ImapServerFixture>;
public sealed class CondstoreTestsOnPostgres(ImapServerFixtureOnPostgres fixture) : CondstoreTests(fixture), IClassFixture<ImapServerFixtureOnPostgres>;
