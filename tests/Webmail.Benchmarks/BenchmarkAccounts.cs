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
}
