using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Mail.Dkim;
using Webmail.Mail.Outbound;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// Outbound queue throughput: N queued messages delivered by <see cref="OutboundQueueService"/> to a
/// minimal SMTP sink on loopback, without and with DKIM signing.
/// Usage: <c>outbound [messages=500] [size=4096]</c>.
/// </summary>
public static class OutboundBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 500;
        var size = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 4096;
        foreach (var sign in new[] { false, true })
            await RunOnceAsync(count, size, sign);
    }

    private static async Task RunOnceAsync(int count, int size, bool sign)
    {
        // The remote MX: takes everything, one connection per transaction, as the queue opens them.
        await using var sink = new SinkSmtpServer();
        await using var store = new TestStore(new Dictionary<string, string?>
        {
            ["Webmail:Hostname"] = "mail.a.example",
            ["Webmail:Delivery:Routes:b.example"] = sink.Endpoint,
            ["Webmail:Delivery:MaxConcurrentDeliveries"] = "8",
        });
        var lucy = await store.CreateAccountAsync("lucy@a.example");
        if (sign)
            await store.Services.GetRequiredService<DkimKeyService>().GenerateAsync("a.example", "bench", default);
        var raw = TestMessages.OfSize(size, to: "betty@b.example");
        raw = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(raw).Replace("From: sender@remote.example", "From: lucy@a.example"));
        for (var i = 0; i < count; i++)
            await store.Messages.DeliverAsync(new DeliveryRequest(raw, [], new OutboundEnvelope("lucy@a.example", ["betty@b.example"], lucy.Id)), default);

        var queue = store.Services.GetRequiredService<OutboundQueueService>();
        var queueStore = store.Services.GetRequiredService<IOutboundQueueStore>();
        var clock = Stopwatch.StartNew();
        while (await queueStore.CountAsync(default) > 0)
            await queue.ProcessDueAsync(default);
        clock.Stop();
        Console.WriteLine($"outbound {(sign ? "dkim" : "plain"),5}: {count} messages of {raw.Length} bytes in {clock.Elapsed.TotalSeconds:0.00} s = {count / clock.Elapsed.TotalSeconds:0} msg/s");
    }
}
