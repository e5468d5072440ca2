using Webmail.Core.Model;

namespace Webmail.Core.Accounts;

/// <summary>
/// The user's time zone, the one rule for it: the zone chosen in Settings, else the one the browser
/// reported at sign-in, else UTC. Every time the web UI shows (list, reading pane, the "On … wrote:"
/// line of a reply) and every day search reads (<c>before:</c>, <c>after:</c>) goes through it.
/// </summary>
public static class UserTimeZone
{
    /// <summary>Longest zone id accepted (IANA ids are at most about 30 characters).</summary>
    public const int MaxIdLength = 64;

    public static TimeZoneInfo Of(AccountSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Find(settings.TimeZone) ?? Find(settings.BrowserTimeZone) ?? TimeZoneInfo.Utc;
    }

    /// <summary>An IANA id this machine knows (browsers report IANA ids: <c>Intl.DateTimeFormat().resolvedOptions().timeZone</c>).</summary>
    public static bool IsKnown(string? id) => Find(id) is not null;

    /// <summary>The zone, or null for an empty, overlong, unknown or non-IANA id.</summary>
    public static TimeZoneInfo? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxIdLength || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '+')))
            return null;
        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.HasIanaId ? zone : null;
    }

    /// <summary>The zones offered in Settings: every IANA zone of this machine, by id.</summary>
    public static IReadOnlyList<string> Choices { get; } =
        TimeZoneInfo.GetSystemTimeZones().Where(z => z.HasIanaId).Select(z => z.Id).Where(id => id.Contains('/') || id == "UTC").Order(StringComparer.Ordinal).ToList();

    /// <summary>The instant as a wall-clock time in <paramref name="zone"/>.</summary>
    public static DateTimeOffset ToZone(DateTimeOffset instant, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(instant, zone);
}
