using System.Globalization;

namespace Webmail.Core;

/// <summary>
/// Sizes as people read and type them, in binary units (1 KB = 1,024 bytes), the same in every
/// culture: "1.5 MB" for the web UI, "1.5M" for the operator CLI; "500 MB", "2G", "1048576" in.
/// </summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KB", "MB", "GB", "TB"];

    /// <summary>"512 B", "1.5 KB", "12 MB": one decimal below 10, none above.</summary>
    public static string Format(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes.ToString(CultureInfo.InvariantCulture) + " B" : value.ToString(value < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + " " + Units[unit];
    }

    /// <summary>The CLI's compact form, which <see cref="TryParse"/> reads back: "0B", "512K", "1.5M", "2G" (at most one decimal).</summary>
    public static string FormatCompact(long bytes) => bytes switch
    {
        >= 1L << 30 => Compact(bytes, 1L << 30, "G"),
        >= 1L << 20 => Compact(bytes, 1L << 20, "M"),
        >= 1L << 10 => Compact(bytes, 1L << 10, "K"),
        _ => bytes.ToString(CultureInfo.InvariantCulture) + "B",
    };

    private static string Compact(long bytes, long unit, string suffix) =>
        (bytes / (double)unit).ToString("0.#", CultureInfo.InvariantCulture) + suffix;

    /// <summary>Parses a size: a number with an optional K/M/G/T unit (with or without "B", spaces allowed); an empty text parses as 0.</summary>
    /// <returns><c>false</c> for anything else, a negative number, or a size beyond <see cref="long.MaxValue"/>.</returns>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        var s = (text ?? "").Trim().ToUpperInvariant().Replace(" ", "", StringComparison.Ordinal);
        if (s.Length == 0)
            return true;
        if (s.EndsWith('B') && s.Length > 1 && !char.IsDigit(s[^2]))
            s = s[..^1];
        long multiplier = 1;
        var index = "KMGT".IndexOf(s[^1], StringComparison.Ordinal);
        if (index >= 0)
        {
            multiplier = 1L << (10 * (index + 1));
            s = s[..^1];
        }
        else if (s.EndsWith('B'))
        {
            s = s[..^1];
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || value * multiplier > long.MaxValue)
            return false;
        bytes = (long)Math.Round(value * multiplier);
        return true;
    }
}
