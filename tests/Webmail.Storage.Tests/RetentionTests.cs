using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Model;
using Webmail.Core.Retention;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>Retention over a real store with a clock the test moves: Trash and Junk emptied after N days, read mail archived.</summary>
public abstract class RetentionTests : IAsyncDisposable
{
    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-01-10T00:00:00Z"));
    private readonly TestStore _store;

    protected RetentionTests(StoreProvider provider) => _store = new TestStore(provider, new Dictionary<string, string?> { ["Webmail:Retention:BatchSize"] = "3" }, _clock);

    private RetentionService Retention => _store.Services.GetRequiredService<RetentionService>();

    private async Task<long> AddAsync(long accountId, long folderId, string subject, MessageFlags flags, DateTimeOffset? date = null) =>
        (await _store.Messages.AppendAsync(accountId, folderId, Encoding.ASCII.GetBytes($"Message-ID: <{subject}@x>\r\nSubject: {subject}\r\n\r\nx\r\n"), flags, date, true, default)).Id;

    [Fact]
    public async Task TrashAndJunkAreEmptiedThirtyDaysAfterMailArrivedThereInBatches()
    {
        var account = await _store.CreateAccountAsync("keep@local.example");
        var trash = await _store.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Trash, default);
        var junk = await _store.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Junk, default);
        var inbox = await _store.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        // Old mail (received a year ago) deleted today: its 30 days count from today, not from its arrival.
        for (var i = 0; i < 7; i++)
            await AddAsync(account.Id, trash.Id, "trash" + i, MessageFlags.Seen, _clock.GetUtcNow().AddYears(-1));
        await AddAsync(account.Id, junk.Id, "spam", MessageFlags.None);
        var movedLater = await AddAsync(account.Id, inbox.Id, "moved later", MessageFlags.Seen);
        var before = (await _store.Messages.SnapshotAsync(account.Id, trash.Id, default))!.Folder.HighestModseq;

        Assert.Empty(await Retention.RunOnceAsync(default));
        _clock.Advance(TimeSpan.FromDays(20));
        await _store.Messages.MoveAsync(account.Id, [movedLater], trash.Id, default);
        Assert.Empty(await Retention.RunOnceAsync(default));

        _clock.Advance(TimeSpan.FromDays(10) + TimeSpan.FromMinutes(1));
        var counts = Assert.Single(await Retention.RunOnceAsync(default));

        Assert.Equal((7, 1, 0), (counts.TrashDeleted, counts.JunkDeleted, counts.Archived));
        Assert.Equal(["moved later"], (await _store.Messages.ListAsync(account.Id, trash.Id, 0, 10, MessageSort.DateAscending, default)).Items.Select(m => m.Subject));
        Assert.Equal(0, (await _store.Messages.GetFolderAsync(account.Id, junk.Id, default))!.MessageCount);
        // Through the normal delete path: the expunge log tells IMAP sessions which UIDs left.
        var changes = (await _store.Messages.ChangesSinceAsync(account.Id, trash.Id, before, default))!;
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], changes.Expunged.Order());
        var audit = await _store.Services.GetRequiredService<IAuditLog>().QueryAsync("retention.run", 0, 10, default);
        Assert.Equal("deleted 7 from Trash and 1 from Junk after 30 days; archived 0 read messages older than 0 days", Assert.Single(audit.Items).Detail);

        _clock.Advance(TimeSpan.FromDays(20));
        Assert.Equal(1, Assert.Single(await Retention.RunOnceAsync(default)).TrashDeleted);
    }

    [Fact]
    public async Task AccountChoicesOverrideTheServerDefault()
    {
        var never = await _store.CreateAccountAsync("never@local.example");
        var archiver = await _store.CreateAccountAsync("archiver@local.example");
        await _store.DirectoryService.SaveSettingsAsync(never.Id, new AccountSettings { TrashRetentionDays = 0 }, default);
        await _store.DirectoryService.SaveSettingsAsync(archiver.Id, new AccountSettings { TrashRetentionDays = 7, ArchiveReadAfterDays = 60 }, default);
        var neverTrash = await _store.Messages.GetSpecialFolderAsync(never.Id, SpecialFolder.Trash, default);
        await AddAsync(never.Id, neverTrash.Id, "kept forever", MessageFlags.Seen);
        var inbox = await _store.Messages.GetSpecialFolderAsync(archiver.Id, SpecialFolder.Inbox, default);
        var now = _clock.GetUtcNow();
        await AddAsync(archiver.Id, inbox.Id, "old read", MessageFlags.Seen, now.AddDays(-61));
        await AddAsync(archiver.Id, inbox.Id, "old read 2", MessageFlags.Seen | MessageFlags.Answered, now.AddDays(-90));
        await AddAsync(archiver.Id, inbox.Id, "old unread", MessageFlags.None, now.AddDays(-61));
        await AddAsync(archiver.Id, inbox.Id, "old flagged", MessageFlags.Seen | MessageFlags.Flagged, now.AddDays(-61));
        await AddAsync(archiver.Id, inbox.Id, "recent read", MessageFlags.Seen, now.AddDays(-59));
        var archiverTrash = await _store.Messages.GetSpecialFolderAsync(archiver.Id, SpecialFolder.Trash, default);
        await AddAsync(archiver.Id, archiverTrash.Id, "week old", MessageFlags.Seen);

        await Retention.RunOnceAsync(default);
        _clock.Advance(TimeSpan.FromDays(400));
        var counts = await Retention.RunOnceAsync(default);

        Assert.Equal(1, (await _store.Messages.GetFolderAsync(never.Id, neverTrash.Id, default))!.MessageCount);
        var archive = await _store.Messages.GetSpecialFolderAsync(archiver.Id, SpecialFolder.Archive, default);
        // The first pass archived the two old read messages; after 400 days the recent one too.
        Assert.Equal(["old read 2", "old read", "recent read"], (await _store.Messages.ListAsync(archiver.Id, archive.Id, 0, 10, MessageSort.DateAscending, default)).Items.Select(m => m.Subject));
        Assert.Equal(["old unread", "old flagged"], (await _store.Messages.ListAsync(archiver.Id, inbox.Id, 0, 10, MessageSort.DateAscending, default)).Items.Select(m => m.Subject));
        Assert.Equal(0, (await _store.Messages.GetFolderAsync(archiver.Id, archiverTrash.Id, default))!.MessageCount);
        Assert.Equal(archiver.Id, Assert.Single(counts).AccountId);
    }

    [Fact]
    public async Task RetentionDaysOutOfRangeAreRefused()
    {
        var account = await _store.CreateAccountAsync("range@local.example");
        var error = await Assert.ThrowsAsync<Core.Accounts.DirectoryException>(() => _store.DirectoryService.SaveSettingsAsync(account.Id, new AccountSettings { TrashRetentionDays = -1 }, default));
        Assert.Equal("Retention is a number of days from 0 (never) to 3,650.", error.Message);
    }

    public async ValueTask DisposeAsync() => await _store.DisposeAsync();

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}

public sealed class RetentionTestsOnSqlite() : RetentionTests(StoreProvider.Sqlite);

public sealed class RetentionTestsOnPostgres() : RetentionTests(StoreProvider.Postgres);
