using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// Undo send in the store: a held message is claimed at its time (the clock is the caller's: these tests pass it),
/// leaves exactly one way — released by the delivery's commit or taken back into Drafts — and only for its own account.
/// </summary>
public abstract class HeldSubmissionTests(StoreProvider provider) : IAsyncLifetime
{
    // Claims take the caller's clock; Undo compares a lease with the store's own (the real) clock, so each test's
    // times start when it starts (a start shared by the class was minutes old by its last test, its leases over).
    private readonly DateTimeOffset _t0 = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    private readonly TestStore _store = new(provider);
    private Account _lucy = default!;
    private Account _betty = default!;

    private IHeldSubmissionStore Held => _store.Messages;

    public async Task InitializeAsync()
    {
        _lucy = await _store.CreateAccountAsync("lucy@local.example");
        _betty = await _store.CreateAccountAsync("betty@local.example");
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private static byte[] Message(string subject) => TestMessages.Simple(from: "lucy@local.example", to: "betty@local.example", subject: subject);

    private Task<long> HoldAsync(string subject, DateTimeOffset releaseAt, long? draft = null, long? original = null, string mode = "New") =>
        Held.HoldAsync(new NewHeldSubmission(_lucy.Id, Message(subject), releaseAt, original, mode), draft, default);

    [Fact]
    public async Task AHeldMessageIsClaimedAtItsTimeAndNotAgainWhileTheLeaseRuns()
    {
        var id = await HoldAsync("Later", _t0.AddSeconds(10));

        Assert.Empty(await Held.ClaimDueAsync(_t0.AddSeconds(9.999), Lease, 10, default));
        var claimed = Assert.Single(await Held.ClaimDueAsync(_t0.AddSeconds(10), Lease, 10, default));
        Assert.Equal((id, _lucy.Id, "Later"), (claimed.Id, claimed.AccountId, MimeKit.MimeMessage.Load(new MemoryStream(claimed.Raw)).Subject));
        Assert.Empty(await Held.ClaimDueAsync(_t0.AddSeconds(11), Lease, 10, default));
        Assert.Equal(_t0.AddSeconds(10) + Lease, await Held.NextDueAsync(default));

        // A worker that died mid-release: its lease runs out and the message is claimed again.
        Assert.Equal(id, Assert.Single(await Held.ClaimDueAsync(_t0.AddSeconds(10) + Lease, Lease, 10, default)).Id);
    }

    [Fact]
    public async Task DueMessagesAreClaimedSoonestFirstUpToTheLimit()
    {
        var second = await HoldAsync("Second", _t0.AddSeconds(20));
        var first = await HoldAsync("First", _t0.AddSeconds(5));
        await HoldAsync("Third", _t0.AddSeconds(30));
        Assert.Equal(_t0.AddSeconds(5), await Held.NextDueAsync(default));

        Assert.Equal([first, second], (await Held.ClaimDueAsync(_t0.AddSeconds(25), Lease, 2, default)).Select(h => h.Id).ToArray());
        Assert.Equal(_t0.AddSeconds(30), await Held.NextDueAsync(default));
    }

    [Fact]
    public async Task UndoTakesTheMessageBackIntoDraftsOnlyWhileNoWorkerHasIt()
    {
        var id = await HoldAsync("Oops", _t0.AddSeconds(10));
        var draft = await Held.ReturnToDraftsAsync(_lucy.Id, id, Message("Oops"), claimed: false, default);

        Assert.NotNull(draft);
        var summary = (await _store.Messages.GetSummaryAsync(_lucy.Id, draft.Id, default))!;
        Assert.Equal((await _store.Messages.GetSpecialFolderAsync(_lucy.Id, SpecialFolder.Drafts, default)).Id, summary.FolderId);
        Assert.True(summary.Flags.HasFlag(MessageFlags.Draft));
        Assert.Null(await Held.GetAsync(_lucy.Id, id, default));
        Assert.Null(await Held.ReturnToDraftsAsync(_lucy.Id, id, Message("Oops"), claimed: false, default));
        Assert.Empty(await Held.ClaimDueAsync(_t0.AddHours(1), Lease, 10, default));

        // Claimed by the worker: too late for Undo, and the message stays for the worker.
        var sending = await HoldAsync("Going", _t0.AddSeconds(10));
        Assert.Single(await Held.ClaimDueAsync(_t0.AddSeconds(10), Lease, 10, default));
        Assert.Null(await Held.ReturnToDraftsAsync(_lucy.Id, sending, Message("Going"), claimed: false, default));
        Assert.NotNull(await Held.GetAsync(_lucy.Id, sending, default));
        Assert.Single(await Held.ListAsync(_lucy.Id, default), h => h.Id == sending && h.Claimed);
    }

    [Fact]
    public async Task AnotherAccountsHeldMessageIsNotThere()
    {
        var id = await HoldAsync("Mine", _t0.AddSeconds(10));

        Assert.Null(await Held.GetAsync(_betty.Id, id, default));
        Assert.Empty(await Held.ListAsync(_betty.Id, default));
        Assert.Null(await Held.ReturnToDraftsAsync(_betty.Id, id, Message("Mine"), claimed: false, default));
        Assert.NotNull(await Held.GetAsync(_lucy.Id, id, default));
        Assert.Equal(0, (await _store.Messages.GetSpecialFolderAsync(_betty.Id, SpecialFolder.Drafts, default)).MessageCount);
    }

    [Fact]
    public async Task HoldingRemovesTheDraftInTheSameCommit()
    {
        var drafts = await _store.Messages.GetSpecialFolderAsync(_lucy.Id, SpecialFolder.Drafts, default);
        var draft = await _store.Messages.AppendAsync(_lucy.Id, drafts.Id, Message("Draft"), MessageFlags.Draft | MessageFlags.Seen);
        var bettysInbox = await _store.Messages.GetSpecialFolderAsync(_betty.Id, SpecialFolder.Inbox, default);
        var bettys = await _store.Messages.AppendAsync(_betty.Id, bettysInbox.Id, Message("Betty's"), MessageFlags.None);

        // A failing insert leaves the draft where it was.
        using (RefusingTrigger.On(_store, "INSERT", "held_submissions", $"NEW.account_id = {_lucy.Id}"))
            await Assert.ThrowsAnyAsync<Exception>(() => HoldAsync("Draft", _t0, draft.Id));
        Assert.NotNull(await _store.Messages.GetSummaryAsync(_lucy.Id, draft.Id, default));

        var id = await HoldAsync("Draft", _t0, draft.Id, original: bettys.Id, mode: "Reply");
        Assert.Null(await _store.Messages.GetSummaryAsync(_lucy.Id, draft.Id, default));
        // Another account's message is never the original a held reply marks.
        Assert.Null((await Held.GetAsync(_lucy.Id, id, default))!.OriginalId);
    }

    [Fact]
    public async Task ReleasingDeletesTheHoldInTheDeliveryCommitOrNotAtAll()
    {
        var id = await HoldAsync("Out", _t0);
        var claimed = Assert.Single(await Held.ClaimDueAsync(_t0, Lease, 10, default));
        var request = new DeliveryRequest(claimed.Raw, [new MailboxDelivery(_betty.Id, SpecialFolder.Inbox), new MailboxDelivery(_lucy.Id, SpecialFolder.Sent, MessageFlags.Seen, EnforceQuota: false)],
            SenderChanges: new SenderMailboxChanges(_lucy.Id, ReleasedHoldId: id));

        using (RefusingTrigger.On(_store, "INSERT", "messages", $"NEW.account_id = {_betty.Id}"))
            await Assert.ThrowsAnyAsync<Exception>(() => _store.Messages.DeliverAsync(request, default));
        Assert.NotNull(await Held.GetAsync(_lucy.Id, id, default));

        await _store.Messages.DeliverAsync(request, default);
        Assert.Null(await Held.GetAsync(_lucy.Id, id, default));
        Assert.Null(await Held.NextDueAsync(default));
        Assert.Equal(1, (await _store.Messages.GetSpecialFolderAsync(_betty.Id, SpecialFolder.Inbox, default)).MessageCount);
    }

    [Fact]
    public async Task AnAccountCanHoldOnlySoMany()
    {
        for (var i = 0; i < IHeldSubmissionStore.MaxPerAccount; i++)
            await HoldAsync("n" + i, _t0.AddMinutes(1));

        var refused = await Assert.ThrowsAsync<StoreException>(() => HoldAsync("one more", _t0.AddMinutes(1)));
        Assert.Contains("already waiting", refused.Message);
        await Held.HoldAsync(new NewHeldSubmission(_betty.Id, Message("Betty's"), _t0, null, "New"), null, default);
    }
}

public sealed class HeldSubmissionTestsOnSqlite() : HeldSubmissionTests(StoreProvider.Sqlite);

public sealed class HeldSubmissionTestsOnPostgres() : HeldSubmissionTests(StoreProvider.Postgres);
