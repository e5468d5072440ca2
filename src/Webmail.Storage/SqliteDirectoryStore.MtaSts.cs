using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The <see cref="IMtaStsStore"/> half of the directory: table <c>mta_sts_policies</c>.</summary>
public sealed partial class SqliteDirectoryStore : IMtaStsStore
{
    public async Task<MtaStsSetting?> GetMtaStsAsync(string domain, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            "SELECT p.mode, p.policy_id FROM domains d LEFT JOIN mta_sts_policies p ON p.domain_id = d.id WHERE d.name = $n",
            r => r.IsDBNull(0) ? new MtaStsSetting(MtaStsMode.None, "") : new MtaStsSetting(Enum.Parse<MtaStsMode>(r.GetString(0)), r.GetString(1)),
            cancellationToken, ("$n", domain.Trim().ToLowerInvariant())).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task SetMtaStsAsync(string domain, MtaStsSetting setting, AuditRecord audit, CancellationToken cancellationToken) =>
        AuditedAsync(audit, context =>
        {
            var id = context.Command("SELECT id FROM domains WHERE name = $n").With("$n", domain).ExecuteScalar()
                ?? throw new StoreException($"The domain {domain} does not exist.");
            return context.Command("INSERT INTO mta_sts_policies (domain_id, mode, policy_id, changed_at) VALUES ($d, $m, $p, $t) " +
                    "ON CONFLICT (domain_id) DO UPDATE SET mode = excluded.mode, policy_id = excluded.policy_id, changed_at = excluded.changed_at")
                .With("$d", id).With("$m", setting.Mode.ToString()).With("$p", setting.PolicyId).With("$t", time.GetUtcNow().ToUnixMs()).ExecuteNonQuery();
        }, cancellationToken);
}
