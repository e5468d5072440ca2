using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Imap.Tests;

/// <summary>
/// A large folder's snapshot (UID runs and keywords) is kept between SELECTs; any change to the
/// folder — a message in, a message out, a new keyword — makes the next SELECT read it again.
/// </summary>
public abstract class SnapshotTests(ImapServerFixture fixture)
{
    [Fact]
    public async Task TheKeptSnapshotOfALargeFolderFollowsEveryChange()
    {
        var account = await fixture.NewAccountAsync();
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        await fixture.ImportAsync(account, 1_200, i => TestMessages.Simple(from: "Ann <ann@example.org>", to: account.Address, subject: $"Message {i}"));
        IImapStore store = fixture.Server.Messages;

        Assert.Equal("* 1200 EXISTS", await SelectExistsAsync());
        Assert.Equal("* 1200 EXISTS", await SelectExistsAsync()); // from the kept snapshot

        await store.StoreFlagsAsync(account.Id, inbox.Id, [600], new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []), null, default);
        await store.ExpungeAsync(account.Id, inbox.Id, [600], default);
        await fixture.DeliverAsync(account, "One more");
        var snapshot = await store.SnapshotAsync(account.Id, inbox.Id, default);
        Assert.Equal([(1L, 599), (601L, 601)], snapshot!.UidRuns);
        Assert.Equal("* 1200 EXISTS", await SelectExistsAsync());

        await store.StoreFlagsAsync(account.Id, inbox.Id, [5], new FlagChange(FlagChangeMode.Add, MessageFlags.None, ["$Important"]), null, default);
        Assert.Contains("$Important", (await store.SnapshotAsync(account.Id, inbox.Id, default))!.Keywords);

        async Task<string> SelectExistsAsync()
        {
            await using var imap = await ImapTranscript.LoginAsync(fixture.Server.ImapPort, account.Address);
            return (await imap.CommandAsync("SELECT INBOX")).Untagged.Single(l => l.EndsWith(" EXISTS", StringComparison.Ordinal));
        }
    }
}

public sealed class SnapshotTestsOnSqlite(ImapServerFixture fixture) : SnapshotTests(fixture), IClassFixture<ImapServerFixture>;
public sealed class SnapshotTestsOnPostgres(ImapServerFixtureOnPostgres fixture) : SnapshotTests(fixture), IClassFixture<ImapServerFixtureOnPostgres>;
