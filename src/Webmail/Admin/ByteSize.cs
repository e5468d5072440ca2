using System.Globalization;

namespace Webmail.Admin;

/// <summary>Human sizes for the admin UI: "1.5 MB" out, "500 MB" / "2G" / "1048576" in (binary units, as the CLI).</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KB", "MB", "GB", "TB"];

    public static string Format(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : value.ToString(value < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + " " + Units[unit];
    }

    /// <summary>Parses a size; an empty text parses as 0.</summary>
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
