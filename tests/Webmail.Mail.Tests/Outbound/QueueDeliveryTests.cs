using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Outbound;

/// <summary>The queue worker against a scripted SMTP server on loopback: bytes, envelopes, retries, crash safety.</summary>
public abstract class QueueDeliveryTests(StoreProvider provider) : IAsyncLifetime
{
    /// <summary>A harness on this class's store provider.</summary>
    private Task<OutboundHarness> StartHarnessAsync(IDictionary<string, string?>? settings = null) => OutboundHarness.StartAsync(settings, provider: provider);

    private OutboundHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartHarnessAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task DeliversTheExactBytesWithCrlfLineEnds()
    {
        // Bare LF line ends and a line starting with a dot (dot-stuffed on the wire, unstuffed by the server).
        var raw = Encoding.UTF8.GetBytes(
            "From: Lucy <lucy@a.example>\nTo: betty@b.example\nSubject: Bytes\nDate: Sat, 28 Nov 2026 10:00:00 +0000\n" +
            "Message-ID: <bytes@a.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" +
            "Line one\n.leading dot\n\tTabbed   spaces  \nLast\n");
        var expected = Encoding.UTF8.GetString(raw).Replace("\n", "\r\n");
        var ids = await _h.SendAsync(raw, "betty@b.example");

        Assert.Equal(1, await _h.Queue.ProcessDueAsync(default));

        var sent = Assert.Single(_h.Remote.Accepted);
        Assert.Equal("lucy@a.example", sent.MailFrom);
        Assert.Equal(["betty@b.example"], sent.Recipients);
        Assert.Equal(expected, Encoding.UTF8.GetString(sent.Data));
        Assert.Null(await _h.QueueStore.GetAsync(ids[0], default));
    }

    [Fact]
    public async Task GroupsOneDomainsRecipientsInOneTransaction()
    {
        await _h.SendAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example, bob@b.example"), "betty@b.example", "bob@b.example");

        await _h.Queue.ProcessDueAsync(default);

        var sent = Assert.Single(_h.Remote.Accepted);
        Assert.Equal(["betty@b.example", "bob@b.example"], sent.Recipients.Order());
        Assert.Equal(1, _h.Remote.Connections);
    }

    [Fact]
    public async Task DeliveredRecipientsAreCountedAsSent()
    {
        await _h.SendAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example"), "betty@b.example", "bob@b.example");

        await _h.Queue.ProcessDueAsync(default);

        var events = await _h.Services.GetRequiredService<Webmail.Core.Storage.IServerStateStore>()
            .GetMailEventsAsync(DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromDays(1), default);
        Assert.Equal(2, events.Where(e => e.Kind == MailEventKind.Sent).Sum(e => e.Count));
    }

    [Fact]
    public async Task RetriesAfter451AndDeliversOn250()
    {
        _h.Remote.DataReply = n => n == 0 ? "451 4.3.0 Try again later" : "250 2.0.0 Ok: queued";
        var ids = await _h.SendAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example"), "betty@b.example");

        await _h.Queue.ProcessDueAsync(default);

        var waiting = await _h.QueueStore.GetAsync(ids[0], default);
        Assert.NotNull(waiting);
        Assert.Equal(1, waiting.Attempts);
        Assert.Contains("451 4.3.0 Try again later", waiting.LastError);
        Assert.Empty(_h.Remote.Accepted);

        await _h.Queue.ProcessDueAsync(default);

        Assert.Single(_h.Remote.Accepted);
        Assert.Null(await _h.QueueStore.GetAsync(ids[0], default));
        Assert.Empty(await _h.InboxAsync(_h.Lucy));
    }

    [Fact]
    public async Task ConnectionRefusedIsRetriedOnTheScheduleWithAttemptsRecorded()
    {
        await using var h = await StartHarnessAsync(new Dictionary<string, string?>
        {
            ["Webmail:Delivery:Routes:b.example"] = $"127.0.0.1:{FreePort.Next()}",
            ["Webmail:Delivery:RetrySchedule:0"] = "00:10:00",
        });
        var ids = await h.SendAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example"), "betty@b.example");
        var before = DateTimeOffset.UtcNow;

        await h.Queue.ProcessDueAsync(default);

        var entry = await h.QueueStore.GetAsync(ids[0], default);
        Assert.NotNull(entry);
        Assert.Equal(1, entry.Attempts);
        Assert.Contains("127.0.0.1", entry.LastError);
        Assert.InRange(entry.NextAttemptAt, before.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(11));
        Assert.Equal(0, await h.Queue.ProcessDueAsync(default));
        Assert.Empty(await h.InboxAsync(h.Lucy));
    }

    [Fact]
    public async Task EntryStaysQueuedWhenTheConnectionDropsBeforeTheFinalReply()
    {
        // The remote may or may not have taken the message: keeping it means at worst a duplicate, never a loss.
        _h.Remote.DataReply = n => n == 0 ? null : "250 2.0.0 Ok: queued";
        var ids = await _h.SendAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example"), "betty@b.example");

        await _h.Queue.ProcessDueAsync(default);

        var entry = await _h.QueueStore.GetAsync(ids[0], default);
        Assert.NotNull(entry);
        Assert.Equal(1, entry.Attempts);
        Assert.Equal(["betty@b.example"], entry.Recipients);

        await _h.Queue.ProcessDueAsync(default);

        Assert.Equal(2, _h.Remote.Transactions.Count);
        Assert.Single(_h.Remote.Accepted);
        Assert.Null(await _h.QueueStore.GetAsync(ids[0], default));
    }

    [Fact]
    public async Task EntryIsUntouchedWhenDeliveryIsInterruptedMidTransaction()
    {
        var release = new TaskCompletionSource();
        _h.Remote.HoldDataReply = release.Task;
        var ids = await _h.SendAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example"), "betty@b.example");
        using var stop = new CancellationTokenSource();

        var pass = _h.Queue.ProcessDueAsync(stop.Token);
        await _h.Remote.DataReceived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pass);
        release.SetResult();

        var entry = await _h.QueueStore.GetAsync(ids[0], default);
        Assert.NotNull(entry);
        Assert.Equal(0, entry.Attempts);
        Assert.NotNull(await _h.QueueStore.GetMessageAsync(entry.MessageId, default));
    }
}

public sealed class QueueDeliveryTestsOnSqlite() : QueueDeliveryTests(StoreProvider.Sqlite);
public sealed class QueueDeliveryTestsOnPostgres() : QueueDeliveryTests(StoreProvider.Postgres);
