using System.Text.Json;
using Microsoft.Data.Sqlite;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>
/// The SQLite implementation of <see cref="IDirectoryStore"/>. Every audited change goes through
/// <see cref="AuditedAsync{T}"/>, which inserts its audit row in the same unit of work.
/// </summary>
public sealed partial class SqliteDirectoryStore(SqliteDatabase database, TimeProvider time) : IDirectoryStore, IAppPasswordStore, ITwoFactorStore, IPasskeyStore, ISieveScriptStore, IApiTokenStore, ISenderListStore
{
    private const string AccountColumns =
        "id, address, domain_id, display_name, is_admin, is_disabled, quota_bytes, used_bytes, pop3_delete_policy, created_at, last_login_at, message_count, security_stamp, totp_secret IS NOT NULL, " +
        "EXISTS (SELECT 1 FROM passkeys k WHERE k.account_id = accounts.id)";

    private static Account ReadAccount(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.GetInt64(4) != 0, r.GetInt64(5) != 0,
        r.GetInt64(6), r.GetInt64(7), (Pop3DeletePolicy)r.GetInt32(8), SqlExtensions.FromUnixMs(r.GetInt64(9)),
        r.FromUnixMsOrNull(10), r.GetInt64(11), r.GetString(12), r.GetInt64(13) != 0, r.GetInt64(14) != 0);

    private static MailDomain ReadDomain(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetStringOrNull(2), r.GetStringOrNull(3), !r.IsDBNull(4), SqlExtensions.FromUnixMs(r.GetInt64(5)));

    private const string DomainColumns = "id, name, catch_all, dkim_selector, dkim_key, created_at";

    public async Task<IReadOnlyList<MailDomain>> ListDomainsAsync(CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {DomainColumns} FROM domains ORDER BY name", ReadDomain, cancellationToken).ConfigureAwait(false);

    public async Task<MailDomain?> FindDomainAsync(string name, CancellationToken cancellationToken) =>
        (await database.QueryAsync($"SELECT {DomainColumns} FROM domains WHERE name = $n", ReadDomain, cancellationToken, ("$n", name.Trim().ToLowerInvariant())).ConfigureAwait(false)).FirstOrDefault();

    public async Task<MailDomain> AddDomainAsync(string name, AuditRecord audit, CancellationToken cancellationToken)
    {
        await AuditedAsync(audit, context =>
        {
            if (context.Command("SELECT 1 FROM domains WHERE name = $n").With("$n", name).ExecuteScalar() is not null)
                throw new StoreException($"The domain {name} already exists.");
            return context.Command("INSERT INTO domains (name, created_at) VALUES ($n, $t)").With("$n", name).With("$t", time.GetUtcNow().ToUnixMs()).ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
        return (await FindDomainAsync(name, cancellationToken).ConfigureAwait(false))!;
    }

    public Task RemoveDomainAsync(string name, AuditRecord audit, CancellationToken cancellationToken) =>
        AuditedAsync(audit, context =>
        {
            var id = context.Command("SELECT id FROM domains WHERE name = $n").With("$n", name).ExecuteScalar()
                ?? throw new StoreException($"The domain {name} does not exist.");
            var accounts = context.Command("SELECT count(*) FROM accounts WHERE domain_id = $d").With("$d", id).ScalarLong();
            var aliases = context.Command("SELECT count(*) FROM aliases WHERE domain_id = $d").With("$d", id).ScalarLong();
            if (accounts > 0 || aliases > 0)
                throw new StoreException($"The domain {name} still has {accounts} account(s) and {aliases} alias(es); remove them first.");
            return context.Command("DELETE FROM domains WHERE id = $d").With("$d", id).ExecuteNonQuery();
        }, cancellationToken);

    public Task SetCatchAllAsync(string domain, string? targetAddress, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE domains SET catch_all = $t WHERE name = $n", audit, cancellationToken, ("$t", targetAddress), ("$n", domain));

    public Task SetDkimKeyAsync(string domain, string selector, string privateKeyPem, AuditRecord audit, CancellationToken cancellationToken) =>
        AuditedAsync(audit, context =>
        {
            var updated = context.Command("UPDATE domains SET dkim_selector = $s, dkim_key = $k WHERE name = $n").With("$s", selector).With("$k", privateKeyPem).With("$n", domain).ExecuteNonQuery();
            return updated == 0 ? throw new StoreException($"The domain {domain} does not exist.") : updated;
        }, cancellationToken);

    public async Task<(string Selector, string PrivateKeyPem)?> GetDkimKeyAsync(string domain, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync("SELECT dkim_selector, dkim_key FROM domains WHERE name = $n AND dkim_key IS NOT NULL",
            r => (r.GetString(0), r.GetString(1)), cancellationToken, ("$n", domain.ToLowerInvariant())).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<long> CountAccountsAsync(CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT count(*) FROM accounts", r => r.GetInt64(0), cancellationToken).ConfigureAwait(false))[0];

    public async Task<Account?> GetAccountAsync(long accountId, CancellationToken cancellationToken) =>
        (await database.QueryAsync($"SELECT {AccountColumns} FROM accounts WHERE id = $id", ReadAccount, cancellationToken, ("$id", accountId)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<Account?> FindAccountAsync(string address, CancellationToken cancellationToken) =>
        (await database.QueryAsync($"SELECT {AccountColumns} FROM accounts WHERE address = $ad", ReadAccount, cancellationToken, ("$ad", address.Trim())).ConfigureAwait(false)).FirstOrDefault();

    public async Task<Page<Account>> ListAccountsAsync(string? search, int pageIndex, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        pageIndex = Math.Max(0, pageIndex);
        var pattern = SqlExtensions.ContainsPattern(search);
        const string where = "WHERE address LIKE $p ESCAPE '\\' OR display_name LIKE $p ESCAPE '\\'";
        var total = (await database.QueryAsync($"SELECT count(*) FROM accounts {where}", r => r.GetInt64(0), cancellationToken, ("$p", pattern)).ConfigureAwait(false))[0];
        var items = await database.QueryAsync($"SELECT {AccountColumns} FROM accounts {where} ORDER BY address LIMIT $n OFFSET $o", ReadAccount, cancellationToken,
            ("$p", pattern), ("$n", pageSize), ("$o", (long)pageIndex * pageSize)).ConfigureAwait(false);
        return new Page<Account>(items, total, pageIndex, pageSize);
    }

    public async Task<Account> CreateAccountAsync(string address, string displayName, string passwordHash, bool isAdmin, long quotaBytes, AuditRecord audit, CancellationToken cancellationToken)
    {
        var id = await AuditedAsync(audit, context =>
        {
            var domainId = context.Command("SELECT id FROM domains WHERE name = $d").With("$d", AddressRules.DomainOf(address)).ExecuteScalar()
                ?? throw new StoreException($"The domain of {address} is not served here.");
            if (context.Command("SELECT 1 FROM accounts WHERE address = $ad UNION ALL SELECT 1 FROM aliases WHERE address = $ad").With("$ad", address).ExecuteScalar() is not null)
                throw new StoreException($"The address {address} is already in use.");
            var now = time.GetUtcNow();
            var accountId = context.Command(
                "INSERT INTO accounts (address, domain_id, display_name, password_hash, is_admin, quota_bytes, security_stamp, created_at) " +
                "VALUES ($ad, $d, $n, $h, $adm, $q, $st, $t) RETURNING id")
                .With("$ad", address).With("$d", domainId).With("$n", displayName).With("$h", passwordHash).With("$adm", isAdmin ? 1 : 0)
                .With("$q", quotaBytes).With("$st", Guid.NewGuid().ToString("N")).With("$t", now.ToUnixMs()).ScalarLong();
            var validity = now.ToUnixTimeSeconds();
            foreach (var (use, name) in MessageRows.StandardFolders)
            {
                context.Command("INSERT INTO folders (account_id, name, special_use, uid_validity) VALUES ($a, $n, $s, $v)")
                    .With("$a", accountId).With("$n", name).With("$s", (int)use).With("$v", validity).ExecuteNonQuery();
            }
            return accountId;
        }, cancellationToken).ConfigureAwait(false);
        return (await GetAccountAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    public Task UpdateAccountAsync(long accountId, string displayName, bool isAdmin, long quotaBytes, Pop3DeletePolicy pop3DeletePolicy, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET display_name = $n, is_admin = $adm, quota_bytes = $q, pop3_delete_policy = $p WHERE id = $id", audit, cancellationToken,
            ("$n", displayName), ("$adm", isAdmin ? 1 : 0), ("$q", quotaBytes), ("$p", (int)pop3DeletePolicy), ("$id", accountId));

    public Task SetProfileAsync(long accountId, string displayName, Pop3DeletePolicy pop3DeletePolicy, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET display_name = $n, pop3_delete_policy = $p WHERE id = $id", audit: null, cancellationToken,
            ("$n", displayName), ("$p", (int)pop3DeletePolicy), ("$id", accountId));

    /// <summary>Changing the password changes the security stamp, which signs out other web sessions.</summary>
    public Task SetPasswordHashAsync(long accountId, string passwordHash, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET password_hash = $h, security_stamp = $st WHERE id = $id", audit, cancellationToken,
            ("$h", passwordHash), ("$st", Guid.NewGuid().ToString("N")), ("$id", accountId));

    public Task UpgradePasswordHashAsync(long accountId, string currentHash, string upgradedHash, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET password_hash = $h WHERE id = $id AND password_hash = $old", audit: null, cancellationToken,
            ("$h", upgradedHash), ("$id", accountId), ("$old", currentHash));

    public Task SetDisabledAsync(long accountId, bool disabled, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET is_disabled = $d, security_stamp = $st WHERE id = $id", audit, cancellationToken,
            ("$d", disabled ? 1 : 0), ("$st", Guid.NewGuid().ToString("N")), ("$id", accountId));

    public Task RemoveAccountAsync(long accountId, AuditRecord audit, CancellationToken cancellationToken) =>
        AuditedAsync(audit, context =>
        {
            // Aliases left without targets go too; folders, messages and raw bytes cascade.
            var address = context.Command("SELECT address FROM accounts WHERE id = $id").With("$id", accountId).ExecuteScalar() as string;
            context.Command("DELETE FROM accounts WHERE id = $id").With("$id", accountId).ExecuteNonQuery();
            context.Command("DELETE FROM aliases WHERE id NOT IN (SELECT alias_id FROM alias_targets)").ExecuteNonQuery();
            if (address is not null)
                context.Command("UPDATE domains SET catch_all = NULL WHERE catch_all = $ad").With("$ad", address).ExecuteNonQuery();
            return address is not null;
        }, cancellationToken);

    public async Task<(long AccountId, string PasswordHash, bool Disabled, bool TwoFactor)?> GetCredentialsAsync(string address, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync("SELECT id, password_hash, is_disabled, totp_secret IS NOT NULL OR EXISTS (SELECT 1 FROM passkeys k WHERE k.account_id = accounts.id) FROM accounts WHERE address = $ad",
            r => (r.GetInt64(0), r.GetString(1), r.GetInt64(2) != 0, r.GetInt64(3) != 0), cancellationToken, ("$ad", address.Trim())).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task RecordLoginAsync(long accountId, DateTimeOffset at, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET last_login_at = $t WHERE id = $id", audit, cancellationToken, ("$t", at.ToUnixMs()), ("$id", accountId));

    public async Task<AccountSettings> GetSettingsAsync(long accountId, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync("SELECT settings FROM accounts WHERE id = $id", r => r.GetString(0), cancellationToken, ("$id", accountId)).ConfigureAwait(false);
        return rows.Count == 0 ? new AccountSettings() : JsonSerializer.Deserialize<AccountSettings>(rows[0]) ?? new AccountSettings();
    }

    public Task SaveSettingsAsync(long accountId, AccountSettings settings, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET settings = $s WHERE id = $id", audit: null, cancellationToken, ("$s", JsonSerializer.Serialize(settings)), ("$id", accountId));

    public async Task<IReadOnlyList<Alias>> ListAliasesAsync(CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            "SELECT al.id, al.address, ac.address FROM aliases al JOIN alias_targets t ON t.alias_id = al.id JOIN accounts ac ON ac.id = t.account_id ORDER BY al.address, ac.address",
            r => (Id: r.GetInt64(0), Alias: r.GetString(1), Target: r.GetString(2)), cancellationToken).ConfigureAwait(false);
        return rows.GroupBy(r => (r.Id, r.Alias)).Select(g => new Alias(g.Key.Id, g.Key.Alias, g.Select(r => r.Target).ToList())).ToList();
    }

    public async Task<Alias> SetAliasAsync(string address, IReadOnlyList<string> targetAddresses, AuditRecord audit, CancellationToken cancellationToken)
    {
        await AuditedAsync(audit, context =>
        {
            var domainId = context.Command("SELECT id FROM domains WHERE name = $d").With("$d", AddressRules.DomainOf(address)).ExecuteScalar()
                ?? throw new StoreException($"The domain of {address} is not served here.");
            if (context.Command("SELECT 1 FROM accounts WHERE address = $ad").With("$ad", address).ExecuteScalar() is not null)
                throw new StoreException($"{address} is an account; an alias needs an address of its own.");
            var targetIds = targetAddresses.Select(target =>
                context.Command("SELECT id FROM accounts WHERE address = $ad").With("$ad", target).ExecuteScalar()
                ?? throw new StoreException($"The target {target} is not a local account.")).ToList();
            var aliasId = context.Command("SELECT id FROM aliases WHERE address = $ad").With("$ad", address).ExecuteScalar()
                ?? context.Command("INSERT INTO aliases (address, domain_id, created_at) VALUES ($ad, $d, $t) RETURNING id")
                    .With("$ad", address).With("$d", domainId).With("$t", time.GetUtcNow().ToUnixMs()).ExecuteScalar();
            context.Command("DELETE FROM alias_targets WHERE alias_id = $al").With("$al", aliasId).ExecuteNonQuery();
            foreach (var targetId in targetIds.Distinct())
                context.Command("INSERT INTO alias_targets (alias_id, account_id) VALUES ($al, $ac)").With("$al", aliasId).With("$ac", targetId).ExecuteNonQuery();
            return aliasId;
        }, cancellationToken).ConfigureAwait(false);
        return (await ListAliasesAsync(cancellationToken).ConfigureAwait(false)).First(a => a.Address.Equals(address, StringComparison.OrdinalIgnoreCase));
    }

    public Task RemoveAliasAsync(string address, AuditRecord audit, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM aliases WHERE address = $ad", audit, cancellationToken, ("$ad", address));

    public async Task<IReadOnlyList<string>> GetSendAsAddressesAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync(
            "SELECT address FROM accounts WHERE id = $id UNION SELECT al.address FROM aliases al JOIN alias_targets t ON t.alias_id = al.id WHERE t.account_id = $id",
            r => r.GetString(0), cancellationToken, ("$id", accountId)).ConfigureAwait(false);

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
            $"SELECT {AccountColumns} FROM accounts WHERE id IN (SELECT t.account_id FROM alias_targets t JOIN aliases al ON al.id = t.alias_id WHERE al.address = $ad)",
            ReadAccount, cancellationToken, ("$ad", address)).ConfigureAwait(false);
        if (targets.Count > 0)
            return new RecipientResolution(RecipientKind.Local, targets);
        if (domain.CatchAll is { } catchAll && await FindAccountAsync(catchAll, cancellationToken).ConfigureAwait(false) is { } target)
            return new RecipientResolution(RecipientKind.Local, [target]);
        return RecipientResolution.Unknown;
    }

    /// <summary>One statement as a write unit, with its audit row when <paramref name="audit"/> is given.</summary>
    private Task ExecuteAsync(string sql, AuditRecord? audit, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        int Change(WriteContext context)
        {
            var command = context.Command(sql);
            foreach (var (name, value) in parameters)
                command.With(name, value);
            return command.ExecuteNonQuery();
        }
        return audit is null ? database.Writer.ExecuteAsync(Change, cancellationToken) : AuditedAsync(audit, Change, cancellationToken);
    }

    /// <summary>
    /// The one write path of an operator's change: <paramref name="change"/> and the audit row run in one
    /// unit of work, so both commit or neither does. A change that refuses (throws) is not audited.
    /// </summary>
    private Task<T> AuditedAsync<T>(AuditRecord audit, Func<WriteContext, T> change, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
        {
            var result = change(context);
            SqliteAuditLog.Insert(context, audit, time.GetUtcNow());
            return result;
        }, cancellationToken);
}
