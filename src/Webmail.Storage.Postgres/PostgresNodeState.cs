using Microsoft.Extensions.Logging;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>
/// What the nodes on one database share beyond the mail (migration 0003): the login limiter's bans and the web's
/// data-protection keys. The key manager calls synchronously, so those two methods wait on their query.
/// </summary>
public sealed class PostgresNodeState(PostgresDatabase database, ILogger<PostgresNodeState> logger) : ILoginBanStore, IDataProtectionKeyStore
{
    public Task SaveBanAsync(string key, DateTimeOffset until, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("INSERT INTO login_bans (key, banned_until) VALUES (@k, @u) ON CONFLICT (key) DO UPDATE SET banned_until = greatest(login_bans.banned_until, excluded.banned_until)")
                .With("k", key).With("u", until.ToUnixTimeMilliseconds()).ExecuteAsync(), cancellationToken);

    public async Task<IReadOnlyList<(string Key, DateTimeOffset Until)>> ActiveBansAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = now.ToUnixTimeMilliseconds();
        await PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("DELETE FROM login_bans WHERE banned_until <= @n").With("n", at).ExecuteAsync(), cancellationToken).ConfigureAwait(false);
        return await database.QueryAsync("SELECT key, banned_until FROM login_bans WHERE banned_until > @n ORDER BY key",
            r => (r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1))), cancellationToken, ("n", at)).ConfigureAwait(false);
    }

    public IReadOnlyList<string> GetAllKeys() =>
        database.QueryAsync("SELECT xml FROM data_protection_keys ORDER BY created, name", r => r.GetString(0), CancellationToken.None)
            .GetAwaiter().GetResult();

    public void SaveKey(string name, string xml) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("INSERT INTO data_protection_keys (name, xml, created) VALUES (@n, @x, @c) ON CONFLICT (name) DO NOTHING")
                .With("n", name).With("x", xml).With("c", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).ExecuteAsync(), CancellationToken.None)
            .GetAwaiter().GetResult();
}
