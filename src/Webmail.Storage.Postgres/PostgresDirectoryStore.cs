using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>
/// The PostgreSQL implementation of <see cref="IDirectoryStore"/> and its halves (the partial files), the same
/// contracts as <c>SqliteDirectoryStore</c>. Every audited change goes through <see cref="AuditedAsync{T}"/>, which
/// inserts its audit row in the same transaction.
/// </summary>
/// <remarks>
/// Concurrency (several writers, later several nodes), where SQLite's single writer serialised everything:
/// <list type="bullet">
/// <item>Names (domains; account and alias addresses, which share one namespace) are claimed under a transaction-level
/// advisory lock on the lower-cased name (<see cref="PostgresLocks.ClaimNameAsync"/>), so "is it free? then insert" cannot
/// interleave across the two tables; each table's unique index stays the last line (a unique violation is a <see cref="StoreException"/>).</item>
/// <item>Per-account limits (app passwords, passkeys, API tokens, Sieve scripts, sender entries) count and insert under a
/// transaction-level advisory lock on the account (<see cref="PostgresLocks.LockAccountAsync"/>).</item>
/// <item>Compare-and-set updates (TOTP step, recovery codes, passkey sign count) are single conditional UPDATEs.</item>
/// </list>
/// </remarks>
public sealed partial class PostgresDirectoryStore(PostgresDatabase database, TimeProvider time, ILogger<PostgresDirectoryStore> logger) :
    IDirectoryStore, IAppPasswordStore, ITwoFactorStore, IPasskeyStore, ISieveScriptStore, IApiTokenStore, ISenderListStore
{
    private const string AccountColumns =
        "id, address, domain_id, display_name, is_admin, is_disabled, quota_bytes, used_bytes, pop3_delete_policy, created_at, last_login_at, message_count, security_stamp, totp_secret IS NOT NULL, " +
        "EXISTS (SELECT 1 FROM passkeys k WHERE k.account_id = accounts.id)";

    private static Account ReadAccount(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.GetBoolean(4), r.GetBoolean(5),
        r.GetInt64(6), r.GetInt64(7), (Pop3DeletePolicy)r.GetInt64(8), PostgresRows.FromUnixMs(r.GetInt64(9)),
        PostgresRows.FromUnixMsOrNull(r, 10), r.GetInt64(11), r.GetString(12), r.GetBoolean(13), r.GetBoolean(14));

    private const string DomainColumns = "id, name, catch_all, dkim_selector, dkim_key, created_at";

    private static MailDomain ReadDomain(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetStringOrNull(2), r.GetStringOrNull(3), !r.IsDBNull(4), PostgresRows.FromUnixMs(r.GetInt64(5)));

    // Names and addresses are in the schema's case-insensitive `nocase` collation, so "=" ignores case as SQLite's NOCASE does.
    // Lists sort as SQLite's NOCASE does: ASCII letters folded, then byte order (lower(... COLLATE "C")), whatever the cluster's locale.
    public async Task<IReadOnlyList<MailDomain>> ListDomainsAsync(CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {DomainColumns} FROM domains ORDER BY lower(name COLLATE \"C\")", ReadDomain, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A hosted domain by name, from the domains read whole and kept for <see cref="DomainsFresh"/>: the sender checks ask
    /// for a domain two or three times per message, each a round trip here. A change made through this node is seen
    /// at once (every audited change drops the copy); another node's change within <see cref="DomainsFresh"/>.
    /// </summary>
    public async Task<MailDomain?> FindDomainAsync(string name, CancellationToken cancellationToken)
    {
        name = name.Trim();
        if (!System.Text.Ascii.IsValid(name)) // the database's collation decides what matches beyond ASCII
            return (await database.QueryAsync($"SELECT {DomainColumns} FROM domains WHERE name = @n", ReadDomain, cancellationToken, ("n", name)).ConfigureAwait(false)).FirstOrDefault();
        var domains = Volatile.Read(ref _domains);
        var generation = Interlocked.Read(ref _domainsGeneration);
        if (domains is null || domains.Generation != generation || Environment.TickCount64 - domains.ReadAt > DomainsFresh.TotalMilliseconds)
        {
            var byName = new Dictionary<string, MailDomain>(StringComparer.OrdinalIgnoreCase);
            foreach (var domain in await ListDomainsAsync(cancellationToken).ConfigureAwait(false))
                byName.TryAdd(domain.Name, domain);
            // A change committed while this read ran has moved the generation on: the next lookup reads again.
            domains = new HostedDomains(byName, generation, Environment.TickCount64);
            Volatile.Write(ref _domains, domains);
        }
        return domains.ByName.GetValueOrDefault(name);
    }

    private static readonly TimeSpan DomainsFresh = TimeSpan.FromSeconds(2);
    private HostedDomains? _domains;
    private long _domainsGeneration;

    private sealed record HostedDomains(Dictionary<string, MailDomain> ByName, long Generation, long ReadAt);

    public async Task<MailDomain> AddDomainAsync(string name, AuditRecord audit, CancellationToken cancellationToken)
    {
        await AuditedAsync(audit, async unit =>
        {
            await PostgresLocks.ClaimNameAsync(unit, name).ConfigureAwait(false);
            if (await unit.Sql("SELECT 1 FROM domains WHERE name = @n").With("n", name).ScalarAsync().ConfigureAwait(false) is not null)
                throw new StoreException($"The domain {name} already exists.");
            return await unit.Sql("INSERT INTO domains (name, created_at) VALUES (@n, @t)").With("n", name).With("t", time.GetUtcNow().ToUnixTimeMilliseconds()).ExecuteAsync().ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (await FindDomainAsync(name, cancellationToken).ConfigureAwait(false))!;
    }

    public Task RemoveDomainAsync(string name, AuditRecord audit, CancellationToken cancellationToken) =>
        AuditedAsync(audit, async unit =>
        {
            // FOR UPDATE: an account or alias added to the domain meanwhile waits for this (its domain_id foreign key check locks the row too).
            var id = await unit.Sql("SELECT id FROM domains WHERE name = @n FOR UPDATE").With("n", name).ScalarAsync().ConfigureAwait(false)
                ?? throw new StoreException($"The domain {name} does not exist.");
            var accounts = await unit.Sql("SELECT count(*) FROM accounts WHERE domain_id = @d").With("d", id).LongAsync().ConfigureAwait(false);
            var aliases = await unit.Sql("SELECT count(*) FROM aliases WHERE domain_id = @d").With("d", id).LongAsync().ConfigureAwait(false);
            if (accounts > 0 || aliases > 0)
                throw new StoreException($"The domain {name} still has {accounts} account(s) and {aliases} alias(es); remove them first.");
            return await unit.Sql("DELETE FROM domains WHERE id = @d").With("d", id).ExecuteAsync().ConfigureAwait(false);
        }, cancellationToken);

    public Task SetCatchAllAsync(string domain, string? targetAddress, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE domains SET catch_all = @t WHERE name = @n", audit, cancellationToken, ("t", targetAddress), ("n", domain));

    public Task SetDkimKeyAsync(string domain, string selector, string privateKeyPem, AuditRecord audit, CancellationToken cancellationToken) =>
        AuditedAsync(audit, async unit =>
        {
            var updated = await unit.Sql("UPDATE domains SET dkim_selector = @s, dkim_key = @k WHERE name = @n")
                .With("s", selector).With("k", privateKeyPem).With("n", domain).ExecuteAsync().ConfigureAwait(false);
            return updated == 0 ? throw new StoreException($"The domain {domain} does not exist.") : updated;
        }, cancellationToken);

    public async Task<(string Selector, string PrivateKeyPem)?> GetDkimKeyAsync(string domain, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync("SELECT dkim_selector, dkim_key FROM domains WHERE name = @n AND dkim_key IS NOT NULL",
            r => (r.GetString(0), r.GetString(1)), cancellationToken, ("n", domain)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<long> CountAccountsAsync(CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT count(*) FROM accounts", r => r.GetInt64(0), cancellationToken).ConfigureAwait(false))[0];

    public async Task<Account?> GetAccountAsync(long accountId, CancellationToken cancellationToken) =>
        (await database.QueryAsync($"SELECT {AccountColumns} FROM accounts WHERE id = @id", ReadAccount, cancellationToken, ("id", accountId)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<Account?> FindAccountAsync(string address, CancellationToken cancellationToken) =>
        (await database.QueryAsync($"SELECT {AccountColumns} FROM accounts WHERE address = @ad", ReadAccount, cancellationToken, ("ad", address.Trim())).ConfigureAwait(false)).FirstOrDefault();

    public async Task<Page<Account>> ListAccountsAsync(string? search, int pageIndex, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        pageIndex = Math.Max(0, pageIndex);
        var pattern = SqlExtensions.ContainsPattern(search);
        // SQLite's LIKE ignores ASCII case: ILIKE under "C" does the same (and LIKE is refused on the nondeterministic nocase collation).
        const string where = "WHERE address COLLATE \"C\" ILIKE @p ESCAPE '\\' OR display_name ILIKE @p ESCAPE '\\'";
        var total = (await database.QueryAsync($"SELECT count(*) FROM accounts {where}", r => r.GetInt64(0), cancellationToken, ("p", pattern)).ConfigureAwait(false))[0];
        var items = await database.QueryAsync($"SELECT {AccountColumns} FROM accounts {where} ORDER BY lower(address COLLATE \"C\") LIMIT @n OFFSET @o", ReadAccount, cancellationToken,
            ("p", pattern), ("n", pageSize), ("o", (long)pageIndex * pageSize)).ConfigureAwait(false);
        return new Page<Account>(items, total, pageIndex, pageSize);
    }

    public async Task<Account> CreateAccountAsync(string address, string displayName, string passwordHash, bool isAdmin, long quotaBytes, AuditRecord audit, CancellationToken cancellationToken)
    {
        var id = await AuditedAsync(audit, async unit =>
        {
            var domainId = await unit.Sql("SELECT id FROM domains WHERE name = @d").With("d", AddressRules.DomainOf(address)).ScalarAsync().ConfigureAwait(false)
                ?? throw new StoreException($"The domain of {address} is not served here.");
            await PostgresLocks.ClaimNameAsync(unit, address).ConfigureAwait(false);
            if (await unit.Sql("SELECT 1 FROM accounts WHERE address = @ad UNION ALL SELECT 1 FROM aliases WHERE address = @ad").With("ad", address).ScalarAsync().ConfigureAwait(false) is not null)
                throw new StoreException($"The address {address} is already in use.");
            var now = time.GetUtcNow();
            var accountId = await unit.Sql(
                    "INSERT INTO accounts (address, domain_id, display_name, password_hash, is_admin, quota_bytes, security_stamp, created_at) " +
                    "VALUES (@ad, @d, @n, @h, @adm, @q, @st, @t) RETURNING id")
                .With("ad", address).With("d", domainId).With("n", displayName).With("h", passwordHash).With("adm", isAdmin)
                .With("q", quotaBytes).With("st", Guid.NewGuid().ToString("N")).With("t", now.ToUnixTimeMilliseconds()).LongAsync().ConfigureAwait(false);
            var validity = now.ToUnixTimeSeconds();
            foreach (var (use, name) in MessageRows.StandardFolders)
            {
                await unit.Sql("INSERT INTO folders (account_id, name, special_use, uid_validity) VALUES (@a, @n, @s, @v)")
                    .With("a", accountId).With("n", name).With("s", (long)use).With("v", validity).ExecuteAsync().ConfigureAwait(false);
            }
            return accountId;
        }, cancellationToken).ConfigureAwait(false);
        return (await GetAccountAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    public Task UpdateAccountAsync(long accountId, string displayName, bool isAdmin, long quotaBytes, Pop3DeletePolicy pop3DeletePolicy, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET display_name = @n, is_admin = @adm, quota_bytes = @q, pop3_delete_policy = @p WHERE id = @id", audit, cancellationToken,
            ("n", displayName), ("adm", isAdmin), ("q", quotaBytes), ("p", (long)pop3DeletePolicy), ("id", accountId));

    public Task SetProfileAsync(long accountId, string displayName, Pop3DeletePolicy pop3DeletePolicy, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET display_name = @n, pop3_delete_policy = @p WHERE id = @id", audit: null, cancellationToken,
            ("n", displayName), ("p", (long)pop3DeletePolicy), ("id", accountId));

    /// <summary>Changing the password changes the security stamp, which signs out other web sessions.</summary>
    public Task SetPasswordHashAsync(long accountId, string passwordHash, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET password_hash = @h, security_stamp = @st WHERE id = @id", audit, cancellationToken,
            ("h", passwordHash), ("st", Guid.NewGuid().ToString("N")), ("id", accountId));

    public Task UpgradePasswordHashAsync(long accountId, string currentHash, string upgradedHash, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET password_hash = @h WHERE id = @id AND password_hash = @old", audit: null, cancellationToken,
            ("h", upgradedHash), ("id", accountId), ("old", currentHash));

    public Task SetDisabledAsync(long accountId, bool disabled, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET is_disabled = @d, security_stamp = @st WHERE id = @id", audit, cancellationToken,
            ("d", disabled), ("st", Guid.NewGuid().ToString("N")), ("id", accountId));

    public Task RemoveAccountAsync(long accountId, AuditRecord audit, CancellationToken cancellationToken) =>
        AuditedAsync(audit, async unit =>
        {
            // Aliases left without targets go too; folders, messages and raw bytes cascade.
            var address = await unit.Sql("DELETE FROM accounts WHERE id = @id RETURNING address").With("id", accountId).ScalarAsync().ConfigureAwait(false) as string;
            await unit.Sql("DELETE FROM aliases WHERE id NOT IN (SELECT alias_id FROM alias_targets)").ExecuteAsync().ConfigureAwait(false);
            if (address is not null)
                await unit.Sql("UPDATE domains SET catch_all = NULL WHERE catch_all = @ad").With("ad", address).ExecuteAsync().ConfigureAwait(false);
            return address is not null;
        }, cancellationToken);

    public async Task<(long AccountId, string PasswordHash, bool Disabled, bool TwoFactor)?> GetCredentialsAsync(string address, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            "SELECT id, password_hash, is_disabled, totp_secret IS NOT NULL OR EXISTS (SELECT 1 FROM passkeys k WHERE k.account_id = accounts.id) FROM accounts WHERE address = @ad",
            r => (r.GetInt64(0), r.GetString(1), r.GetBoolean(2), r.GetBoolean(3)), cancellationToken, ("ad", address.Trim())).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task RecordLoginAsync(long accountId, DateTimeOffset at, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET last_login_at = @t WHERE id = @id", audit, cancellationToken, ("t", at.ToUnixTimeMilliseconds()), ("id", accountId));

    public async Task<AccountSettings> GetSettingsAsync(long accountId, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync("SELECT settings FROM accounts WHERE id = @id", r => r.GetString(0), cancellationToken, ("id", accountId)).ConfigureAwait(false);
        return rows.Count == 0 ? new AccountSettings() : JsonSerializer.Deserialize<AccountSettings>(rows[0]) ?? new AccountSettings();
    }

    public Task SaveSettingsAsync(long accountId, AccountSettings settings, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET settings = @s WHERE id = @id", audit: null, cancellationToken, ("s", JsonSerializer.Serialize(settings)), ("id", accountId));

    public async Task<IReadOnlyList<Alias>> ListAliasesAsync(CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            "SELECT al.id, al.address, ac.address FROM aliases al JOIN alias_targets t ON t.alias_id = al.id JOIN accounts ac ON ac.id = t.account_id " +
            "ORDER BY lower(al.address COLLATE \"C\"), lower(ac.address COLLATE \"C\")",
            r => (Id: r.GetInt64(0), Alias: r.GetString(1), Target: r.GetString(2)), cancellationToken).ConfigureAwait(false);
        return rows.GroupBy(r => (r.Id, r.Alias)).Select(g => new Alias(g.Key.Id, g.Key.Alias, g.Select(r => r.Target).ToList())).ToList();
    }

    public async Task<Alias> SetAliasAsync(string address, IReadOnlyList<string> targetAddresses, AuditRecord audit, CancellationToken cancellationToken)
    {
        await AuditedAsync(audit, async unit =>
        {
            var domainId = await unit.Sql("SELECT id FROM domains WHERE name = @d").With("d", AddressRules.DomainOf(address)).ScalarAsync().ConfigureAwait(false)
                ?? throw new StoreException($"The domain of {address} is not served here.");
            await PostgresLocks.ClaimNameAsync(unit, address).ConfigureAwait(false);
            if (await unit.Sql("SELECT 1 FROM accounts WHERE address = @ad").With("ad", address).ScalarAsync().ConfigureAwait(false) is not null)
                throw new StoreException($"{address} is an account; an alias needs an address of its own.");
            var targetIds = new List<long>();
            foreach (var target in targetAddresses)
            {
                targetIds.Add((long)(await unit.Sql("SELECT id FROM accounts WHERE address = @ad").With("ad", target).ScalarAsync().ConfigureAwait(false)
                    ?? throw new StoreException($"The target {target} is not a local account.")));
            }
            var aliasId = await unit.Sql("SELECT id FROM aliases WHERE address = @ad").With("ad", address).ScalarAsync().ConfigureAwait(false)
                ?? await unit.Sql("INSERT INTO aliases (address, domain_id, created_at) VALUES (@ad, @d, @t) RETURNING id")
                    .With("ad", address).With("d", domainId).With("t", time.GetUtcNow().ToUnixTimeMilliseconds()).ScalarAsync().ConfigureAwait(false);
            await unit.Sql("DELETE FROM alias_targets WHERE alias_id = @al").With("al", aliasId).ExecuteAsync().ConfigureAwait(false);
            foreach (var targetId in targetIds.Distinct())
                await unit.Sql("INSERT INTO alias_targets (alias_id, account_id) VALUES (@al, @ac)").With("al", aliasId).With("ac", targetId).ExecuteAsync().ConfigureAwait(false);
            return aliasId;
        }, cancellationToken).ConfigureAwait(false);
        return (await ListAliasesAsync(cancellationToken).ConfigureAwait(false)).First(a => a.Address.Equals(address, StringComparison.OrdinalIgnoreCase));
    }

    public Task RemoveAliasAsync(string address, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM aliases WHERE address = @ad", audit, cancellationToken, ("ad", address));

    public async Task<IReadOnlyList<string>> GetSendAsAddressesAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync(
            "SELECT address FROM accounts WHERE id = @id UNION SELECT al.address FROM aliases al JOIN alias_targets t ON t.alias_id = al.id WHERE t.account_id = @id",
            r => r.GetString(0), cancellationToken, ("id", accountId)).ConfigureAwait(false);

    public async Task<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken cancellationToken)
    {
        address = address.Trim().ToLowerInvariant();
        var domain = await FindDomainAsync(AddressRules.DomainOf(address), cancellationToken).ConfigureAwait(false);
        if (domain is null)
            return RecipientResolution.Remote;
        // An address is an account's or an alias's, never both (creating either refuses the other's address), so
        // the aliases are asked only when no account has it: the common case is one indexed lookup.
        if (await FindAccountAsync(address, cancellationToken).ConfigureAwait(false) is { } account)
            return new RecipientResolution(RecipientKind.Local, [account]);
        var targets = await database.QueryAsync(
            $"SELECT {AccountColumns} FROM accounts WHERE id IN (SELECT t.account_id FROM alias_targets t JOIN aliases al ON al.id = t.alias_id WHERE al.address = @ad)",
            ReadAccount, cancellationToken, ("ad", address)).ConfigureAwait(false);
        if (targets.Count > 0)
            return new RecipientResolution(RecipientKind.Local, targets);
        if (domain.CatchAll is { } catchAll && await FindAccountAsync(catchAll, cancellationToken).ConfigureAwait(false) is { } target)
            return new RecipientResolution(RecipientKind.Local, [target]);
        return RecipientResolution.Unknown;
    }

    /// <summary>One statement as a unit of work, with its audit row when <paramref name="audit"/> is given.</summary>
    private Task ExecuteAsync(string sql, AuditRecord? audit, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        Task<int> Change(PostgresUnit unit)
        {
            var command = unit.Sql(sql);
            foreach (var (name, value) in parameters)
                command.With(name, value);
            return command.ExecuteAsync();
        }
        return audit is null ? PostgresUnits.WriteAsync(database, logger, Change, cancellationToken) : AuditedAsync(audit, Change, cancellationToken);
    }

    /// <summary>
    /// The one write path of an operator's change: <paramref name="change"/> and the audit row run in one
    /// transaction, so both commit or neither does. A change that refuses (throws) is not audited.
    /// </summary>
    private async Task<T> AuditedAsync<T>(AuditRecord audit, Func<PostgresUnit, Task<T>> change, CancellationToken cancellationToken)
    {
        try
        {
            return await PostgresUnits.WriteAsync(database, logger, async unit =>
            {
                var result = await change(unit).ConfigureAwait(false);
                await PostgresAuditLog.InsertAsync(unit, audit, time.GetUtcNow()).ConfigureAwait(false);
                return result;
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Domains change only through here: the copy FindDomainAsync keeps is read again.
            Interlocked.Increment(ref _domainsGeneration);
        }
    }
}
