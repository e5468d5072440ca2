using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>The <see cref="IMtaStsStore"/> half of the directory: table <c>mta_sts_policies</c>.</summary>
public sealed partial class PostgresDirectoryStore : IMtaStsStore
{
    public async Task<MtaStsSetting?> GetMtaStsAsync(string domain, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            "SELECT p.mode, p.policy_id FROM domains d LEFT JOIN mta_sts_policies p ON p.domain_id = d.id WHERE d.name = @n",
            r => r.IsDBNull(0) ? new MtaStsSetting(MtaStsMode.None, "") : new MtaStsSetting(Enum.Parse<MtaStsMode>(r.GetString(0)), r.GetString(1)),
            cancellationToken, ("n", domain.Trim())).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task SetMtaStsAsync(string domain, MtaStsSetting setting, AuditRecord audit, CancellationToken cancellationToken) =>
        AuditedAsync(audit, async unit =>
        {
            var id = await unit.Sql("SELECT id FROM domains WHERE name = @n").With("n", domain).ScalarAsync().ConfigureAwait(false)
                ?? throw new StoreException($"The domain {domain} does not exist.");
            return await unit.Sql("INSERT INTO mta_sts_policies (domain_id, mode, policy_id, changed_at) VALUES (@d, @m, @p, @t) " +
                    "ON CONFLICT (domain_id) DO UPDATE SET mode = excluded.mode, policy_id = excluded.policy_id, changed_at = excluded.changed_at")
                .With("d", id).With("m", setting.Mode.ToString()).With("p", setting.PolicyId).With("t", time.GetUtcNow().ToUnixTimeMilliseconds()).ExecuteAsync().ConfigureAwait(false);
        }, cancellationToken);
}
