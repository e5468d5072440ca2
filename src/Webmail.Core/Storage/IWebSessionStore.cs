namespace Webmail.Core.Storage;

/// <summary>
/// One signed-in browser session, kept on the server so that signing out ends it everywhere: the
/// cookie only names the session (<see cref="IdHash"/> is the SHA-256 of the secret it carries).
/// </summary>
public sealed record WebSessionRecord(
    string IdHash, long AccountId, DateTimeOffset Created, DateTimeOffset LastSeen, DateTimeOffset Expires,
    bool Persistent, string? RemoteIp, string UserAgent);

/// <summary>The server-side records of web sign-ins.</summary>
public interface IWebSessionStore
{
    Task CreateAsync(WebSessionRecord session, CancellationToken cancellationToken);

    /// <summary>The session, or null when it never existed, was ended, or has expired by <paramref name="now"/>.</summary>
    Task<WebSessionRecord?> FindActiveAsync(string idHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records use: <paramref name="lastSeen"/>, and the new end of a sliding session.</summary>
    Task TouchAsync(string idHash, DateTimeOffset lastSeen, DateTimeOffset expires, CancellationToken cancellationToken);

    /// <summary>Ends one session (sign-out). Ending a session that is gone is not an error.</summary>
    Task EndAsync(string idHash, CancellationToken cancellationToken);

    /// <summary>The account's sessions that have not expired by <paramref name="now"/>, most recently seen first.</summary>
    Task<IReadOnlyList<WebSessionRecord>> ListActiveAsync(long accountId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Ends the account's sessions: the one named, or all but <paramref name="keepIdHash"/> when <paramref name="idHash"/> is null; returns how many ended.</summary>
    Task<int> EndAccountSessionsAsync(long accountId, string? idHash, string? keepIdHash, CancellationToken cancellationToken);

    /// <summary>Removes sessions that expired before <paramref name="now"/>; returns how many.</summary>
    Task<int> PruneExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
