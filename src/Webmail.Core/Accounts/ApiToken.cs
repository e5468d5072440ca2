namespace Webmail.Core.Accounts;

/// <summary>What an admin API token may do.</summary>
public enum ApiTokenScope
{
    /// <summary>GET requests only; any change answers 403.</summary>
    ReadOnly = 0,
    /// <summary>Every admin action of the API.</summary>
    ReadWrite = 1,
}

/// <summary>
/// A token for the admin API (<c>/api/v1</c>), made by an admin on the admin page; the secret itself is
/// never stored (only its SHA-256).
/// </summary>
/// <param name="Owner">The address of the admin who made it: the API acts, and audits, as them.</param>
public sealed record ApiToken(long Id, long AccountId, string Owner, string Name, ApiTokenScope Scope, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, string? LastIp);
