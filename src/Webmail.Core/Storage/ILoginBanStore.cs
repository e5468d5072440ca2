namespace Webmail.Core.Storage;

/// <summary>
/// The login limiter's bans and pauses once earned (<see cref="Security.LoginLimiter"/>), kept so that every node
/// holds them (issue 19). PostgreSQL keeps them in a table; with one node they stay in the process
/// (<see cref="ProcessLoginBanStore"/>): the limiter's own memory is all the store there is.
/// </summary>
public interface ILoginBanStore
{
    /// <summary>Records that <paramref name="key"/> is banned until <paramref name="until"/> (a later end replaces an earlier one, never the reverse).</summary>
    Task SaveBanAsync(string key, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>The bans still running at <paramref name="now"/>; ended ones are swept.</summary>
    Task<IReadOnlyList<(string Key, DateTimeOffset Until)>> ActiveBansAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
