using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// POP3 figures against the goals in docs/benchmarks-pop3.md: a full download (LIST + RETR of
/// every message) of 5,000 × 10 KB, and login + STAT + UIDL on 50,000 messages, over a real
/// loopback socket with a minimal client. Entry: <c>Pop3Benchmark.RunAsync(args)</c>;
/// args: <c>[downloadCount] [bigCount]</c> (defaults 5000 and 50000).
/// </summary>
public static class Pop3Benchmark
{
    internal const string Password = "correct horse";

    public static async Task<int> RunAsync(string[] args)
    {
        var downloadCount = args.Length > 0 && int.TryParse(args[0], out var d) ? d : 5_000;
        var bigCount = args.Length > 1 && int.TryParse(args[1], out var b) ? b : 50_000;
        Console.WriteLine($"POP3 benchmark: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");

        await using (var setup = await Setup.CreateAsync("download@bench.example", downloadCount, 10 * 1024))
        {
            Console.WriteLine($"Filled {downloadCount} x 10 KB in {setup.FillTime.TotalSeconds:F1} s");
            for (var run = 1; run <= 6; run++)
            {
                foreach (var pipelined in new[] { false, true })
                {
                    var cpu = ProcessMemory.CpuTime(setup.ProcessId);
                    var (elapsed, bytes) = await FullDownloadAsync(setup.Port, setup.Address, downloadCount, pipelined);
                    cpu = ProcessMemory.CpuTime(setup.ProcessId) - cpu;
                    Console.WriteLine($"download run {run} {(pipelined ? "pipelined " : "sequential")}: {elapsed.TotalSeconds:F3} s, {downloadCount / elapsed.TotalSeconds:F0} msg/s, {bytes / elapsed.TotalSeconds / 1e6:F0} MB/s, server CPU {cpu.TotalMicroseconds / downloadCount:F0} µs per message");
                }
            }
        }

        await using (var setup = await Setup.CreateAsync("big@bench.example", bigCount, 600))
        {
            Console.WriteLine($"Filled {bigCount} x 600 B in {setup.FillTime.TotalSeconds:F1} s");
            // Run 1 is a client's first login: it pays the Argon2id hash. The later runs are
            // the same client polling again within VerifiedPasswordCache.Lifetime, as fetchmail or a
            // phone does every few minutes.
            for (var run = 1; run <= 6; run++)
            {
                var (total, login) = await LoginStatUidlAsync(setup.Port, setup.Address, bigCount);
                Console.WriteLine($"login+STAT+UIDL run {run} ({(run == 1 ? "first login, KDF paid" : "password remembered")}): {total.TotalMilliseconds:F1} ms, of which PASS {login.TotalMilliseconds:F1} ms");
            }
            var verifier = setup.Store.Services.GetRequiredService<CredentialVerifier>();
            for (var run = 1; run <= 3; run++)
            {
                var watch = Stopwatch.StartNew();
                await verifier.VerifyAsync(setup.Address, Password, IPAddress.Loopback, "pop3", default);
                var verify = watch.Elapsed;
                watch.Restart();
                var maildrop = await setup.Store.Messages.GetMaildropAsync(setup.AccountId, default);
                Console.WriteLine($"parts run {run}: CredentialVerifier (remembered; login + audit writes) {verify.TotalMilliseconds:F1} ms, GetMaildropAsync({maildrop.Count}) {watch.Elapsed.TotalMilliseconds:F1} ms");
            }
        }
        return 0;
    }

    internal static async Task<(TimeSpan Elapsed, long Bytes)> FullDownloadAsync(int port, string address, int count, bool pipelined)
    {
        var watch = Stopwatch.StartNew();
        await using var client = await Pop3LoadClient.ConnectAsync(port);
        await client.ExpectOkAsync("USER " + address);
        await client.ExpectOkAsync("PASS " + Password);
        await client.ExpectOkAsync("LIST");
        await client.SkipMultilineAsync();
        long bytes = 0;
        const int window = 64;
        for (var first = 1; first <= count; first += pipelined ? window : 1)
        {
            var last = pipelined ? Math.Min(count, first + window - 1) : first;
            var batch = new StringBuilder();
            for (var n = first; n <= last; n++)
                batch.Append("RETR ").Append(n).Append("\r\n");
            await client.SendAsync(batch.ToString());
            for (var n = first; n <= last; n++)
            {
                await client.ReadOkAsync();
                bytes += await client.SkipMultilineAsync();
            }
        }
        await client.ExpectOkAsync("QUIT");
        return (watch.Elapsed, bytes);
    }

    internal static async Task<(TimeSpan Total, TimeSpan Login)> LoginStatUidlAsync(int port, string address, int count)
    {
        var watch = Stopwatch.StartNew();
        await using var client = await Pop3LoadClient.ConnectAsync(port);
        await client.ExpectOkAsync("USER " + address);
        var beforePass = watch.Elapsed;
        await client.ExpectOkAsync("PASS " + Password);
        var login = watch.Elapsed - beforePass;
        var stat = await client.ExpectOkAsync("STAT");
        if (!stat.StartsWith($"+OK {count} ", StringComparison.Ordinal))
            throw new InvalidOperationException("Unexpected STAT: " + stat);
        await client.ExpectOkAsync("UIDL");
        await client.SkipMultilineAsync();
        await client.ExpectOkAsync("QUIT");
        return (watch.Elapsed, login);
    }

    /// <summary>
    /// One filled INBOX served by the real server process (<c>dotnet Webmail.dll</c>), so the client in
    /// this process measures it the way it measures Dovecot: across a process boundary, sharing nothing.
    /// The store stays open here too, for the in-process parts figures.
    /// </summary>
    internal sealed class Setup : IAsyncDisposable
    {
        private TempDirectory _directory = null!;
        private TestStoreAt _store = null!;
        private ServerProcess _server = null!;

        public TestStoreAt Store => _store;
        public string Address { get; private set; } = "";
        public long AccountId { get; private set; }
        public int Port => _server.Pop3Port;
        public int ProcessId => _server.ProcessId;
        public TimeSpan FillTime { get; private set; }

        public static async Task<Setup> CreateAsync(string address, int count, int size)
        {
            var setup = new Setup { _directory = new TempDirectory("webmail-pop3-bench"), Address = address };
            setup._store = new TestStoreAt(setup._directory.Path);
            var account = await setup._store.CreateAccountAsync(address, Password);
            setup.AccountId = account.Id;
            var inbox = await setup._store.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
            var raw = TestMessages.OfSize(size);
            var watch = Stopwatch.StartNew();
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, 128).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= count)
                    await setup._store.Messages.AppendAsync(account.Id, inbox.Id, raw, MessageFlags.None, enforceQuota: false);
            }));
            setup.FillTime = watch.Elapsed;
            setup._server = await ServerProcess.StartAsync(setup._directory.Path);
            return setup;
        }

        public async ValueTask DisposeAsync()
        {
            await _server.DisposeAsync();
            await _store.DisposeAsync();
            _directory.Dispose();
        }
    }
}
