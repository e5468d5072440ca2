namespace Webmail.Core.Storage;

/// <summary>The MTA-STS mode of a served domain (RFC 8461 §5): what sending servers do when TLS to us fails.</summary>
public enum MtaStsMode
{
    /// <summary>No policy in force (the default, and how a domain leaves MTA-STS: §8.3).</summary>
    None,
    /// <summary>Senders deliver anyway and report the failure (TLS-RPT).</summary>
    Testing,
    /// <summary>Senders deliver only over TLS to a listed MX with a valid certificate.</summary>
    Enforce,
}

/// <summary>A domain's MTA-STS mode and its policy id (RFC 8461 §3.1: 1–32 letters and digits, new with each change).</summary>
public sealed record MtaStsSetting(MtaStsMode Mode, string PolicyId);

/// <summary>The MTA-STS policies of served domains (table <c>mta_sts_policies</c>).</summary>
public interface IMtaStsStore
{
    /// <summary>The domain's setting; <c>null</c> when the domain is not served. A domain never set is <see cref="MtaStsMode.None"/> with an empty id.</summary>
    Task<MtaStsSetting?> GetMtaStsAsync(string domain, CancellationToken cancellationToken);

    /// <summary>Sets the mode with a new policy id, and the audit row in the same unit.</summary>
    /// <exception cref="StoreException">The domain does not exist.</exception>
    Task SetMtaStsAsync(string domain, MtaStsSetting setting, AuditRecord audit, CancellationToken cancellationToken);
}
