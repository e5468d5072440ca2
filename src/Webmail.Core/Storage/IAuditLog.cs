using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>Who did what and when: admin actions, sign-ins, failed logins, lockouts.</summary>
public interface IAuditLog
{
    /// <summary>Records one entry; every field is bounded first (addresses and targets to 254 characters, the detail to 1,000).</summary>
    Task WriteAsync(string actor, string action, string target, string detail, string? remoteIp, CancellationToken cancellationToken);
    Task<Page<AuditEntry>> QueryAsync(string? filter, int pageIndex, int pageSize, CancellationToken cancellationToken);
    Task<long> CountSinceAsync(string action, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="limit"/> of the oldest entries recorded before <paramref name="before"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// One audit entry to record. The directory's changes take one and commit it in the same transaction
/// as the change (<see cref="IDirectoryStore"/>): a change is never made unaudited, nor audited unmade.
/// </summary>
/// <param name="Actor">Who did it: an account's address, <c>cli</c>, <c>setup</c>.</param>
/// <param name="Action">What was done, e.g. <c>account.add</c>.</param>
/// <param name="Target">What it was done to: a domain, an address.</param>
public sealed record AuditRecord(string Actor, string Action, string Target, string Detail = "", string? RemoteIp = null);
