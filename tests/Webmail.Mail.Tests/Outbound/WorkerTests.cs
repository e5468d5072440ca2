using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Webmail.Mail.Outbound;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Outbound;

/// <summary>The hosted worker: woken at once when mail is queued, and polling on its interval otherwise.</summary>
public abstract class WorkerTests(StoreProvider provider)
{
    /// <summary>A harness on this class's store provider.</summary>
    private Task<OutboundHarness> StartHarnessAsync(IDictionary<string, string?>? settings = null) => OutboundHarness.StartAsync(settings, provider: provider);

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "timed out waiting");
            await Task.Delay(20);
        }
    }

    private static IHostedService Worker(OutboundHarness h) =>
        h.Services.GetServices<IHostedService>().OfType<OutboundQueueWorker>().Single();

    [Fact]
    public async Task WorkerDeliversAtOnceWhenWoken()
    {
        await using var h = await StartHarnessAsync(new Dictionary<string, string?> { ["Webmail:Delivery:PollInterval"] = "00:10:00" });
        var worker = Worker(h);
        await worker.StartAsync(default);
        try
        {
            await Task.Delay(200);
            await h.SendAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example"), "betty@b.example");

            h.Queue.Wake();

            await WaitForAsync(() => h.Remote.Accepted.Count == 1, TimeSpan.FromSeconds(10));
        }
        finally
        {
            await worker.StopAsync(default);
        }
    }

    [Fact]
    public async Task WorkerFindsQueuedMailOnItsPollInterval()
    {
        await using var h = await StartHarnessAsync(new Dictionary<string, string?> { ["Webmail:Delivery:PollInterval"] = "00:00:00.100" });
        var worker = Worker(h);
        await worker.StartAsync(default);
        try
        {
            await h.SendAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example"), "betty@b.example");

            await WaitForAsync(() => h.Remote.Accepted.Count == 1, TimeSpan.FromSeconds(10));
            await WaitForAsync(() => h.QueueStore.CountAsync(default).GetAwaiter().GetResult() == 0, TimeSpan.FromSeconds(5));
        }
        finally
        {
            await worker.StopAsync(default);
        }
    }

    [Fact]
    public async Task WorkerStopsPromptlyWhileWaiting()
    {
        await using var h = await StartHarnessAsync(new Dictionary<string, string?> { ["Webmail:Delivery:PollInterval"] = "00:10:00" });
        var worker = Worker(h);
        await worker.StartAsync(default);
        await Task.Delay(100);

        await worker.StopAsync(default).WaitAsync(TimeSpan.FromSeconds(5));
    }
}

public sealed class WorkerTestsOnSqlite() : WorkerTests(StoreProvider.Sqlite);
public sealed class WorkerTestsOnPostgres() : WorkerTests(StoreProvider.Postgres);
