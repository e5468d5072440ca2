using System.Globalization;
using Webmail.Core.Storage;

namespace Webmail.Mail.Outbound.MtaSts;

/// <summary>
/// A recipient domain's MTA-STS policy (RFC 8461 §3.2), as fetched from <c>https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt</c>.
/// </summary>
/// <param name="Id">The <c>id</c> of the <c>_mta-sts</c> TXT record it was fetched for (§3.1): a new id means a new policy.</param>
/// <param name="Mode">enforce, testing or none.</param>
/// <param name="MxPatterns">The <c>mx</c> lines: host names, or <c>*.</c> and a domain (§4.1).</param>
/// <param name="MaxAge">How long it may be cached, at most <see cref="MaxMaxAge"/>.</param>
public sealed record MtaStsPolicy(string Id, MtaStsMode Mode, IReadOnlyList<string> MxPatterns, TimeSpan MaxAge)
{
    /// <summary>§3.2: max_age is at most 31557600 seconds (about a year).</summary>
    public const long MaxMaxAge = 31_557_600;

    /// <summary>More <c>mx</c> lines than any real policy has; the text is at most 64 KB anyway.</summary>
    public const int MaxPatterns = 100;

    /// <summary>
    /// §4.1: an MX host matches a pattern that names it exactly, or a <c>*.domain</c> pattern when the host is exactly one
    /// label under that domain (<c>*.example.com</c> matches <c>mx.example.com</c>, not <c>a.b.example.com</c> nor
    /// <c>example.com</c>). Case-insensitive, trailing dots ignored.
    /// </summary>
    public bool Allows(string mxHost)
    {
        var host = mxHost.TrimEnd('.');
        foreach (var pattern in MxPatterns)
        {
            if (pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                var dot = host.IndexOf('.');
                if (dot > 0 && host[(dot + 1)..].Equals(pattern[2..], StringComparison.OrdinalIgnoreCase))
                    return true;
            }
            else if (host.Equals(pattern, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>
    /// Parses the policy text (§3.2): <c>key: value</c> lines ended by CRLF or LF; <c>version: STSv1</c>, <c>mode</c>,
    /// <c>max_age</c> and (unless the mode is none) at least one <c>mx</c> are required; unknown keys are ignored.
    /// </summary>
    /// <exception cref="FormatException">The text is not a valid policy: senders then act as if there were none.</exception>
    public static MtaStsPolicy Parse(string text, string id)
    {
        string? version = null, mode = null, maxAge = null;
        var patterns = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
                continue;
            var colon = line.IndexOf(':');
            if (colon <= 0)
                throw new FormatException($"policy line without a key: '{Bounded(line)}'");
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                // The first of a repeated key counts (§3.2 lists each but mx once).
                case "version": version ??= value; break;
                case "mode": mode ??= value; break;
                case "max_age": maxAge ??= value; break;
                case "mx":
                    if (patterns.Count >= MaxPatterns)
                        throw new FormatException($"more than {MaxPatterns} mx lines");
                    patterns.Add(CheckPattern(value));
                    break;
            }
        }
        if (version != "STSv1")
            throw new FormatException("version is not STSv1");
        var parsedMode = mode switch
        {
            "enforce" => MtaStsMode.Enforce,
            "testing" => MtaStsMode.Testing,
            "none" => MtaStsMode.None,
            _ => throw new FormatException($"mode '{Bounded(mode ?? "")}' is not enforce, testing or none"),
        };
        // §3.2: max_age is 1*10DIGIT, up to 31557600.
        if (maxAge is null || maxAge.Length is 0 or > 10 || !maxAge.All(char.IsAsciiDigit)
            || !long.TryParse(maxAge, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxMaxAge)
            throw new FormatException($"max_age '{Bounded(maxAge ?? "")}' is not a number of seconds up to {MaxMaxAge}");
        if (parsedMode != MtaStsMode.None && patterns.Count == 0)
            throw new FormatException("no mx line");
        return new MtaStsPolicy(id, parsedMode, patterns, TimeSpan.FromSeconds(seconds));
    }

    /// <summary>§3.2: an mx value is a host name, optionally with a leading <c>*.</c> wildcard label.</summary>
    private static string CheckPattern(string value)
    {
        var name = value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
        name = name.TrimEnd('.');
        var labels = name.Split('.');
        if (name.Length is 0 or > 253 || labels.Any(l => l.Length is 0 or > 63 || !l.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new FormatException($"mx '{Bounded(value)}' is not a host name pattern");
        return value.StartsWith("*.", StringComparison.Ordinal) ? "*." + name : name;
    }

    private static string Bounded(string text) => Webmail.Core.Security.LogText.Bound(text, 80);
}
