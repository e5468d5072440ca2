using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>Accounts written into a data directory before the server first starts (as the resilience harness does).</summary>
internal static class BenchmarkAccounts
{
    public const string Password = "correct horse";

    public static async Task CreateAsync(string dataDirectory, IReadOnlyList<string> users)
    {
        await using var store = new TestStoreAt(dataDirectory);
        // The first creates the domain; the password KDF is deliberately slow, so the rest go two at a time.
        await store.CreateAccountAsync(users[0], Password);
        await Parallel.ForEachAsync(users.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (user, _) => await store.CreateAccountAsync(user, Password));
    }

    /// <summary>
    /// Delivers <paramref name="perAccount"/> messages of the web benchmark's corpus to each account's
    /// INBOX through the store's delivery commit (as inbound SMTP stores them), before the server starts.
    /// </summary>
    public static async Task PrefillAsync(string dataDirectory, IReadOnlyList<string> users, int perAccount)
    {
        await using var store = new TestStoreAt(dataDirectory);
        var accounts = new List<long>();
        foreach (var user in users)
            accounts.Add((await store.Directory.FindAccountAsync(user, default))!.Id);
        var next = -1;
        var total = perAccount * users.Count;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                var account = i % users.Count;
                var flags = i % 4 == 0 ? MessageFlags.None : MessageFlags.Seen;
                await store.Messages.DeliverAsync(new DeliveryRequest(WebBenchmark.Corpus(i / users.Count, users[account]), [new MailboxDelivery(accounts[account], SpecialFolder.Inbox, flags)]), default);
            }
        }));
    }
}
