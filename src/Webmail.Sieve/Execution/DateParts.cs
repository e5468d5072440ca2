using System.Globalization;

namespace Webmail.Sieve.Execution;

/// <summary>The date parts of RFC 5260 §4.2, as the strings the date tests compare.</summary>
internal static class DateParts
{
    private static readonly DateTime JulianEpoch = new(1858, 11, 17);

    /// <summary>
    /// The part of an instant seen in a zone. The zone is any "+hhmm" up to ±23:59, wider than
    /// <see cref="DateTimeOffset"/> allows, so the wall clock is computed here.
    /// </summary>
    public static string? Format(DateTimeOffset instant, TimeSpan zone, string part)
    {
        var clock = instant.UtcDateTime + zone;
        if (clock < DateTime.MinValue.AddDays(1) || clock > DateTime.MaxValue.AddDays(-1))
            return null;
        return Format(new Clock(clock, zone), part);
    }

    private readonly record struct Clock(DateTime DateTime, TimeSpan Offset)
    {
        public int Year => DateTime.Year;
        public int Month => DateTime.Month;
        public int Day => DateTime.Day;
        public int Hour => DateTime.Hour;
        public int Minute => DateTime.Minute;
        public int Second => DateTime.Second;
        public DayOfWeek DayOfWeek => DateTime.DayOfWeek;

        public string ToString(string format, IFormatProvider provider) => DateTime.ToString(format, provider);
    }

    private static string? Format(Clock date, string part)
    {
        var c = CultureInfo.InvariantCulture;
        return part.ToLowerInvariant() switch
        {
            "year" => date.Year.ToString("0000", c),
            "month" => date.Month.ToString("00", c),
            "day" => date.Day.ToString("00", c),
            "date" => date.ToString("yyyy'-'MM'-'dd", c),
            // RFC 5260: the Modified Julian Day, days since 1858-11-17.
            "julian" => ((long)Math.Floor((date.DateTime.Date - JulianEpoch).TotalDays)).ToString(c),
            "hour" => date.Hour.ToString("00", c),
            "minute" => date.Minute.ToString("00", c),
            "second" => date.Second.ToString("00", c),
            "time" => date.ToString("HH':'mm':'ss", c),
            // RFC 3339 §5.6, which writes a zero offset as "Z" (as Pigeonhole does).
            "iso8601" => date.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", c) + (date.Offset == TimeSpan.Zero ? "Z" : Zone(date, colon: true)),
            "std11" => date.ToString("ddd', 'dd' 'MMM' 'yyyy' 'HH':'mm':'ss' '", c) + Zone(date, colon: false),
            "zone" => Zone(date, colon: false),
            "weekday" => ((int)date.DayOfWeek).ToString(c),
            _ => null,
        };
    }

    private static string Zone(Clock date, bool colon)
    {
        var offset = date.Offset;
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        offset = offset.Duration();
        return $"{sign}{offset.Hours:00}{(colon ? ":" : "")}{offset.Minutes:00}";
    }
}
