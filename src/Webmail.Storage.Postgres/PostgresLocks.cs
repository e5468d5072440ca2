namespace Webmail.Storage.Postgres;

/// <summary>
/// Transaction-level advisory locks (<c>pg_advisory_xact_lock</c>, released at commit or rollback) where a unit of work
/// checks and then writes, so two writers (two threads, later two nodes) cannot both pass the check. The two-key form
/// keeps these apart from the migrator's lock: the first key names the kind of lock.
/// </summary>
internal static class PostgresLocks
{
    /// <summary>Domain names and addresses (accounts and aliases share one namespace), by their lower-cased text.</summary>
    private const int NameSpace = 0x4E414D45; // "NAME"

    /// <summary>Per-account limits and rules (app passwords, passkeys, API tokens, Sieve scripts, sender lists).</summary>
    private const int AccountSpace = 0x41434354; // "ACCT"

    /// <summary>Serialises the units that claim <paramref name="name"/>; different names rarely wait for each other (a 32-bit hash).</summary>
    public static Task ClaimNameAsync(PostgresUnit unit, string name) =>
        unit.Sql("SELECT pg_advisory_xact_lock(@k, hashtext(lower(@n)))").With("k", NameSpace).With("n", name).ExecuteAsync();

    /// <summary>Serialises the units that check and change one account's limited lists.</summary>
    public static Task LockAccountAsync(PostgresUnit unit, long accountId) =>
        unit.Sql("SELECT pg_advisory_xact_lock(@k, (@a % 2147483647)::integer)").With("k", AccountSpace).With("a", accountId).ExecuteAsync();
}
