using System.Globalization;
using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Cryptography;

namespace Webmail.Reading;

/// <summary>
/// "Why is this in Junk?": what the delivery pipeline wrote on a message it filed in Junk — rspamd's score and the
/// rules that fired (<c>X-Spam-Status: Yes, score=S required=R</c>, <c>X-Spam-Symbols: NAME(score), ...</c>) — and the
/// DMARC and SPF results of our own <c>Authentication-Results</c> field (RFC 8601; fields of other authserv-ids are a
/// sender's claims and are not shown).
/// </summary>
public sealed partial record JunkExplanation(double? Score, double? RequiredScore, IReadOnlyList<JunkSymbol> Symbols, string? Dmarc, string? Spf)
{
    /// <summary>Most symbols shown; the pipeline writes them heaviest first.</summary>
    public const int MaxSymbols = 64;

    /// <summary>Longest header value read; anything longer is cut (a field from outside could be any size).</summary>
    private const int MaxHeaderLength = 8192;

    /// <summary>Nothing was written at delivery: the user (or a mail client) put it there.</summary>
    public bool HasFilterVerdict => Score is not null || Symbols.Count > 0;

    public static JunkExplanation From(MimeMessage message, string authservId)
    {
        ArgumentNullException.ThrowIfNull(message);
        double? score = null, required = null;
        // The topmost field is the one our pipeline added last.
        if (Value(message, "X-Spam-Status") is { } status)
        {
            score = Number(ScorePattern().Match(status));
            required = Number(RequiredPattern().Match(status));
        }
        var symbols = new List<JunkSymbol>();
        if (Value(message, "X-Spam-Symbols") is { } list)
        {
            foreach (Match m in SymbolPattern().Matches(list))
            {
                if (symbols.Count == MaxSymbols)
                    break;
                if (Number(m) is { } s)
                    symbols.Add(new JunkSymbol(m.Groups[1].Value, s));
            }
        }
        string? dmarc = null, spf = null;
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.AuthenticationResults))
        {
            if (!AuthenticationResults.TryParse(header.RawValue, out var results) || !string.Equals(results.AuthenticationServiceIdentifier, authservId, StringComparison.OrdinalIgnoreCase))
                continue;
            foreach (var result in results.Results)
            {
                if (result.Method.Equals("dmarc", StringComparison.OrdinalIgnoreCase))
                    dmarc ??= Bound(result.Result);
                else if (result.Method.Equals("spf", StringComparison.OrdinalIgnoreCase))
                    spf ??= Bound(result.Result);
            }
            break;
        }
        return new JunkExplanation(score, required, symbols, dmarc, spf);
    }

    private static string? Value(MimeMessage message, string field) =>
        message.Headers.FirstOrDefault(h => h.Field.Equals(field, StringComparison.OrdinalIgnoreCase)) is { } header
            ? header.Value.Length > MaxHeaderLength ? header.Value[..MaxHeaderLength] : header.Value
            : null;

    private static double? Number(Match match) =>
        match.Success && double.TryParse(match.Groups[^1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null;

    private static string Bound(string value) => value.Length > 32 ? value[..32] : value;

    [GeneratedRegex(@"\bscore=(-?\d+(?:\.\d+)?)")]
    private static partial Regex ScorePattern();

    [GeneratedRegex(@"\brequired=(-?\d+(?:\.\d+)?)")]
    private static partial Regex RequiredPattern();

    [GeneratedRegex(@"([A-Za-z0-9_.\-]{1,64})\((-?\d+(?:\.\d+)?)\)")]
    private static partial Regex SymbolPattern();
}

/// <summary>One rule that fired, with its score.</summary>
public sealed record JunkSymbol(string Name, double Score);
