using System.Globalization;
using Webmail.Core.Configuration;

namespace Webmail.Admin;

/// <summary>
/// One server setting an admin may change while the server runs. Its value is stored as an
/// invariant string under <see cref="Key"/> in the server state table and laid over the
/// configured <see cref="WebmailOptions"/>.
/// </summary>
public sealed record LiveSetting(string Key, string Label, string Unit, long Min, long Max, Func<WebmailOptions, long> Read, Action<WebmailOptions, long> Apply)
{
    public const string Prefix = "live.";

    public static readonly LiveSetting MaxMessageSize = new(Prefix + "limits.maxMessageSize", "Message size limit", "bytes", 1024, 2L * 1024 * 1024 * 1024,
        o => o.Limits.MaxMessageSize, (o, v) => o.Limits.MaxMessageSize = v);

    public static readonly LiveSetting DefaultQuota = new(Prefix + "limits.defaultQuota", "Default quota for new accounts (0 = unlimited)", "bytes", 0, long.MaxValue,
        o => o.Limits.DefaultQuota, (o, v) => o.Limits.DefaultQuota = v);

    public static readonly LiveSetting MaxFailedLogins = new(Prefix + "security.maxFailedLogins", "Failed logins before a temporary ban", "attempts", 1, 10_000,
        o => o.Security.MaxFailedLogins, (o, v) => o.Security.MaxFailedLogins = (int)v);

    public static readonly LiveSetting LoginBanMinutes = new(Prefix + "security.loginBanMinutes", "Ban length and counting window", "minutes", 1, 7 * 24 * 60,
        o => (long)o.Security.LoginBanDuration.TotalMinutes, (o, v) => o.Security.LoginBanDuration = TimeSpan.FromMinutes(v));

    public static readonly LiveSetting LoginDelayStepMs = new(Prefix + "security.loginDelayStepMs", "Delay added per failed login", "ms", 0, 10_000,
        o => (long)o.Security.LoginDelayStep.TotalMilliseconds, (o, v) => o.Security.LoginDelayStep = TimeSpan.FromMilliseconds(v));

    public static readonly LiveSetting MaxLoginDelayMs = new(Prefix + "security.maxLoginDelayMs", "Longest delay before answering a login", "ms", 0, 60_000,
        o => (long)o.Security.MaxLoginDelay.TotalMilliseconds, (o, v) => o.Security.MaxLoginDelay = TimeSpan.FromMilliseconds(v));

    public static readonly LiveSetting RequireTwoFactor = new(Prefix + "security.requireTwoFactor", "Require two-factor sign-in", "", 0, 2,
        o => (long)o.Security.RequireTwoFactor, (o, v) => o.Security.RequireTwoFactor = (TwoFactorRequirement)v)
    {
        Choices = [(0, "No one"), (1, "Admins"), (2, "Everyone")],
    };

    public static readonly LiveSetting RetentionTrashDays = new(Prefix + "retention.trashDays", "Empty Trash and Junk after (default for accounts; 0 = never)", "days", 0, 3650,
        o => o.Retention.TrashDays, (o, v) => o.Retention.TrashDays = (int)v);

    public static readonly LiveSetting RetentionArchiveDays = new(Prefix + "retention.archiveReadAfterDays", "Archive read inbox mail after (default for accounts; 0 = off)", "days", 0, 3650,
        o => o.Retention.ArchiveReadAfterDays, (o, v) => o.Retention.ArchiveReadAfterDays = (int)v);

    public static IReadOnlyList<LiveSetting> All { get; } =
        [MaxMessageSize, DefaultQuota, MaxFailedLogins, LoginBanMinutes, LoginDelayStepMs, MaxLoginDelayMs, RequireTwoFactor, RetentionTrashDays, RetentionArchiveDays];

    /// <summary>The values a setting chosen from a list may take, with what each means; null for a number.</summary>
    public IReadOnlyList<(long Value, string Label)>? Choices { get; init; }

    /// <summary>How <paramref name="value"/> reads for people: its choice's label, else the number.</summary>
    public string Describe(long value) => Choices?.FirstOrDefault(c => c.Value == value).Label ?? Format(value);

    public static LiveSetting? Find(string key) => All.FirstOrDefault(s => s.Key == key);

    public static bool TryParse(string? text, out long value) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
