using System.Globalization;
using Webmail.Core.Storage;
using Webmail.Settings;

namespace Webmail.Admin;

/// <summary>
/// MTA-STS (RFC 8461) for the domains this server receives mail for: each domain's mode (the admin's Domains page),
/// the policy text served at <c>https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt</c> (<see cref="MtaStsEndpoint"/>)
/// and the <c>_mta-sts</c> record's id (<see cref="DomainDnsRecords"/>).
/// </summary>
public sealed class MtaStsPolicies(IMtaStsStore store, MailClientSetup setup, TimeProvider time)
{
    /// <summary>How long senders may cache the policy: one week (RFC 8461 §3.2 suggests weeks; at most 31557600).</summary>
    public const int MaxAgeSeconds = 604_800;

    /// <summary>The domain's setting, or <c>null</c> when the domain is not served.</summary>
    public Task<MtaStsSetting?> GetAsync(string domain, CancellationToken cancellationToken) => store.GetMtaStsAsync(domain, cancellationToken);

    /// <summary>Sets the mode with a new policy id (a UTC time stamp: senders refetch when it changes, §3.1), audited.</summary>
    public async Task<MtaStsSetting> SetModeAsync(string domain, MtaStsMode mode, string actor, CancellationToken cancellationToken)
    {
        var setting = new MtaStsSetting(mode, time.GetUtcNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
        await store.SetMtaStsAsync(domain, setting, new AuditRecord(actor, "domain.mta-sts", domain, mode.ToString().ToLowerInvariant()), cancellationToken).ConfigureAwait(false);
        return setting;
    }

    /// <summary>
    /// The policy (RFC 8461 §3.2): version, mode, this server as the one mx, max_age; lines end with CRLF. A domain
    /// never set serves <c>mode: none</c>, which announces nothing.
    /// </summary>
    public string PolicyText(MtaStsSetting setting) =>
        $"version: STSv1\r\nmode: {setting.Mode.ToString().ToLowerInvariant()}\r\nmx: {setup.Host.TrimEnd('.')}\r\nmax_age: {MaxAgeSeconds}\r\n";

    /// <summary>The id published in the <c>_mta-sts</c> TXT record: the setting's, or a fixed one before any change.</summary>
    public static string RecordId(MtaStsSetting setting) => setting.PolicyId.Length > 0 ? setting.PolicyId : "1";
}
