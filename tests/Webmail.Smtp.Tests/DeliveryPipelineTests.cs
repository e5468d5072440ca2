using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Mail.Delivery;
using Webmail.Testing;

namespace Webmail.Smtp.Tests;

/// <summary>The delivery pipeline called directly, as web compose will call it.</summary>
public abstract class DeliveryPipelineTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly TestStore _store = new(provider);
    private Account _user = null!;
    private Account _other = null!;

    public async Task InitializeAsync()
    {
        _user = await _store.CreateAccountAsync("user@local.example");
        _other = await _store.CreateAccountAsync("other@local.example");
        await _store.DirectoryService.SetAliasAsync("alias@local.example", ["user@local.example"], "test", default);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private DeliveryPipeline Pipeline() => new(
        _store.Messages, _store.Directory,
        _store.Services.GetRequiredService<Webmail.Mail.Outbound.OutboundQueueService>(),
        _store.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>(), TimeProvider.System, NullLogger<DeliveryPipeline>.Instance);

    private async Task<string> OnlyRawAsync(Account account, SpecialFolder folder)
    {
        var box = await _store.Messages.GetSpecialFolderAsync(account.Id, folder, default);
        var page = await _store.Messages.ListAsync(account.Id, box.Id, 0, 10, MessageSort.DateDescending, default);
        var summary = Assert.Single(page.Items);
        return Encoding.UTF8.GetString((await _store.Messages.GetRawAsync(account.Id, summary.Id, default))!);
    }

    [Fact]
    public async Task WebSubmissionTakesSenderFromHeaderAndFilesSeenSentCopy()
    {
        var raw = TestMessages.Simple(from: "alias@local.example", to: "other@local.example", subject: "web send");
        var outcome = await Pipeline().SubmitAsync(new SubmissionEnvelope(_user.Id, null, ["other@local.example"], DeliveryOrigin.Web), raw.AsMemory(), default);

        Assert.Equal(DeliveryStatus.Delivered, outcome.Status);
        Assert.StartsWith("Received: from webmail (web compose)", await OnlyRawAsync(_other, SpecialFolder.Inbox));
        var sentBox = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Sent, default);
        var sent = Assert.Single((await _store.Messages.ListAsync(_user.Id, sentBox.Id, 0, 10, MessageSort.DateDescending, default)).Items);
        Assert.True(sent.Flags.HasFlag(MessageFlags.Seen));
    }

    [Fact]
    public async Task SubmissionAsSomeoneElseIsRefusedAndStoresNothing()
    {
        var raw = TestMessages.Simple(from: "other@local.example", to: "other@local.example");
        var outcome = await Pipeline().SubmitAsync(new SubmissionEnvelope(_user.Id, null, ["other@local.example"], DeliveryOrigin.Web), raw.AsMemory(), default);

        Assert.Equal(DeliveryStatus.SenderNotAllowed, outcome.Status);
        var inbox = await _store.Messages.GetSpecialFolderAsync(_other.Id, SpecialFolder.Inbox, default);
        Assert.Equal(0, (await _store.Messages.ListAsync(_other.Id, inbox.Id, 0, 10, MessageSort.DateDescending, default)).Total);
    }

    [Fact]
    public async Task InboundMailGetsOurReceivedLineOnTopWithoutItsRecipients()
    {
        var outcome = await Pipeline().ReceiveAsync(
            new InboundEnvelope("a@remote.example", ["alias@local.example", "user@local.example"], new DeliveryOrigin("smtp", System.Net.IPAddress.Loopback, "remote.example")),
            TestMessages.Simple().AsMemory(), default);

        Assert.Equal(DeliveryStatus.Delivered, outcome.Status);
        var raw = await OnlyRawAsync(_user, SpecialFolder.Inbox);
        Assert.StartsWith("Received: from remote.example ([127.0.0.1])", raw);
        Assert.DoesNotContain("\tfor <", raw);
    }

    /// <summary>Other's question in User's INBOX, and User's draft of the answer in Drafts.</summary>
    private async Task<(long Original, long Draft)> ReplyInProgressAsync()
    {
        var question = TestMessages.Simple(from: "other@local.example", to: "user@local.example", subject: "Question");
        var original = (await _store.Messages.DeliverAsync(new DeliveryRequest(question, [new MailboxDelivery(_user.Id, SpecialFolder.Inbox)]), default)).Mailboxes[0].Message!.Id;
        var drafts = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Drafts, default);
        var answer = TestMessages.Simple(from: "user@local.example", to: "other@local.example", subject: "Re: Question");
        var draft = (await _store.Messages.AppendAsync(_user.Id, drafts.Id, answer, MessageFlags.Draft | MessageFlags.Seen, enforceQuota: false)).Id;
        return (original, draft);
    }

    /// <summary>Sends the answer to a local and a remote recipient, with the draft's removal and \Answered as the rest of the Send.</summary>
    private Task<DeliveryOutcome> SendAnswerAsync(long original, long draft) =>
        Pipeline().SubmitAsync(
            new SubmissionEnvelope(_user.Id, null, ["other@local.example", "far@remote.example"], DeliveryOrigin.Web,
                SenderChanges: new SenderMailboxChanges(_user.Id, draft, [new FlagAddition(original, MessageFlags.Answered)])),
            TestMessages.Simple(from: "user@local.example", to: "other@local.example", subject: "Re: Question").AsMemory(), default);

    private async Task<long> CountAsync(Account account, SpecialFolder folder)
    {
        var box = await _store.Messages.GetSpecialFolderAsync(account.Id, folder, default);
        return (await _store.Messages.ListAsync(account.Id, box.Id, 0, 10, MessageSort.DateDescending, default)).Total;
    }

    private async Task<long> EventsAsync(MailEventKind kind) =>
        (await _store.Services.GetRequiredService<IServerStateStore>().GetMailEventsAsync(DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromHours(1), default))
            .Where(e => e.Kind == kind).Sum(e => e.Count);

    [Fact]
    public async Task SubmissionWithSenderChangesDeliversRemovesTheDraftMarksTheOriginalAndCountsTogether()
    {
        var (original, draft) = await ReplyInProgressAsync();

        var outcome = await SendAnswerAsync(original, draft);

        Assert.Equal(DeliveryStatus.Delivered, outcome.Status);
        Assert.Equal(1, await CountAsync(_other, SpecialFolder.Inbox));
        Assert.Equal(1, await CountAsync(_user, SpecialFolder.Sent));
        Assert.Equal(1, await _store.Services.GetRequiredService<IOutboundQueueStore>().CountAsync(default));
        Assert.Null(await _store.Messages.GetSummaryAsync(_user.Id, draft, default));
        Assert.True((await _store.Messages.GetSummaryAsync(_user.Id, original, default))!.Flags.HasFlag(MessageFlags.Answered));
        Assert.Equal(1, await EventsAsync(MailEventKind.Sent));
        Assert.Equal(1, await EventsAsync(MailEventKind.Received));
    }

    [Theory]
    [InlineData("draft removal")]
    [InlineData("answered flag")]
    [InlineData("event count")]
    public async Task WhenAnyPartOfTheSendFailsNothingOfItIsCommitted(string failingPart)
    {
        var (original, draft) = await ReplyInProgressAsync();
        using var refusal = failingPart switch
        {
            "draft removal" => RefusingTrigger.On(_store, "DELETE", "messages", $"OLD.id = {draft}"),
            "answered flag" => RefusingTrigger.On(_store, "UPDATE", "messages", $"OLD.id = {original}"),
            _ => RefusingTrigger.On(_store, "INSERT", "mail_events", $"NEW.kind = {(int)MailEventKind.Sent}"),
        };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => SendAnswerAsync(original, draft));

        Assert.Contains(RefusingTrigger.Reason, error.Message);
        Assert.Equal(0, await CountAsync(_other, SpecialFolder.Inbox));
        Assert.Equal(0, await CountAsync(_user, SpecialFolder.Sent));
        Assert.Equal(0, await _store.Services.GetRequiredService<IOutboundQueueStore>().CountAsync(default));
        Assert.NotNull(await _store.Messages.GetSummaryAsync(_user.Id, draft, default));
        Assert.False((await _store.Messages.GetSummaryAsync(_user.Id, original, default))!.Flags.HasFlag(MessageFlags.Answered));
        Assert.Equal(0, await EventsAsync(MailEventKind.Sent));
        Assert.Equal(0, await EventsAsync(MailEventKind.Received));
    }

    [Fact]
    public async Task ARefusedSubmissionLeavesTheDraftAndTheOriginalAlone()
    {
        var (original, draft) = await ReplyInProgressAsync();

        var outcome = await Pipeline().SubmitAsync(
            new SubmissionEnvelope(_user.Id, null, ["other@local.example"], DeliveryOrigin.Web,
                SenderChanges: new SenderMailboxChanges(_user.Id, draft, [new FlagAddition(original, MessageFlags.Answered)])),
            TestMessages.Simple(from: "other@local.example", to: "other@local.example").AsMemory(), default);

        Assert.Equal(DeliveryStatus.SenderNotAllowed, outcome.Status);
        Assert.NotNull(await _store.Messages.GetSummaryAsync(_user.Id, draft, default));
        Assert.False((await _store.Messages.GetSummaryAsync(_user.Id, original, default))!.Flags.HasFlag(MessageFlags.Answered));
    }

    [Fact]
    public async Task SenderChangesForAnotherAccountAreRejected()
    {
        var (_, draft) = await ReplyInProgressAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => Pipeline().SubmitAsync(
            new SubmissionEnvelope(_other.Id, null, ["user@local.example"], DeliveryOrigin.Web, SenderChanges: new SenderMailboxChanges(_user.Id, draft)),
            TestMessages.Simple(from: "other@local.example", to: "user@local.example").AsMemory(), default));

        Assert.NotNull(await _store.Messages.GetSummaryAsync(_user.Id, draft, default));
        Assert.Equal(1, await CountAsync(_user, SpecialFolder.Inbox));
    }
}

public sealed class DeliveryPipelineTestsOnSqlite() : DeliveryPipelineTests(StoreProvider.Sqlite);
public sealed class DeliveryPipelineTestsOnPostgres() : DeliveryPipelineTests(StoreProvider.Postgres);
