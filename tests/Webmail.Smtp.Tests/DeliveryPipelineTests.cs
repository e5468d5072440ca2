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
public sealed class DeliveryPipelineTests : IAsyncLifetime
{
    private readonly TestStore _store = new();
    private Account _user = null!;
    private Account _other = null!;

    public async Task InitializeAsync()
    {
        _user = await _store.CreateAccountAsync("user@local.example");
        _other = await _store.CreateAccountAsync("other@local.example");
        await _store.DirectoryService.SetAliasAsync("alias@local.example", ["user@local.example"], "test", default);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private DeliveryPipeline Pipeline(params IInboundHeaderStamp[] stamps) => new(
        _store.Messages, _store.Directory, _store.Services.GetRequiredService<IServerStateStore>(), stamps,
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
    public async Task InboundStampsArePrependedAboveReceived()
    {
        var outcome = await Pipeline(new FixedStamp()).ReceiveAsync(
            new InboundEnvelope("a@remote.example", ["alias@local.example", "user@local.example"], new DeliveryOrigin("smtp", System.Net.IPAddress.Loopback, "remote.example")),
            TestMessages.Simple().AsMemory(), default);

        Assert.Equal(DeliveryStatus.Delivered, outcome.Status);
        var raw = await OnlyRawAsync(_user, SpecialFolder.Inbox);
        Assert.StartsWith("Authentication-Results: mx.local.example; dkim=none\r\nReceived: from remote.example ([127.0.0.1])", raw);
        Assert.DoesNotContain("\tfor <", raw);
    }

    private sealed class FixedStamp : IInboundHeaderStamp
    {
        public Task<string?> StampAsync(ReadOnlyMemory<byte> raw, CancellationToken cancellationToken)
        {
            // The stamp sees the message as it arrived, without our Received line.
            Assert.StartsWith("From: ", Encoding.ASCII.GetString(raw.Span));
            return Task.FromResult<string?>("Authentication-Results: mx.local.example; dkim=none\r\n");
        }
    }
}
