using System.Globalization;

namespace Webmail.Reading;

/// <summary>How the mailbox writes a time: always in the user's zone (<see cref="Core.Accounts.UserTimeZone"/>), never the server's.</summary>
public static class MailDates
{
    /// <summary>The list's date: today the time, this year day and month, older the full date (as mail clients show it).</summary>
    public static string Short(DateTimeOffset instant, TimeZoneInfo zone, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var today = TimeZoneInfo.ConvertTime(now, zone);
        if (local.Date == today.Date)
            return local.ToString("HH:mm", CultureInfo.CurrentCulture);
        return local.Year == today.Year
            ? local.ToString("d MMM", CultureInfo.CurrentCulture)
            : local.ToString("d MMM yyyy", CultureInfo.CurrentCulture);
    }

    /// <summary>The reading pane's date: weekday, date and time, in the user's zone.</summary>
    public static string Full(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("ddd, d MMM yyyy HH:mm", CultureInfo.CurrentCulture);
}
