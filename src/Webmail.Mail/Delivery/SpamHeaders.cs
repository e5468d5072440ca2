using System.Globalization;
using System.Text;

namespace Webmail.Mail.Delivery;

/// <summary>
/// The content scanner's verdict as header fields on the stored message, in SpamAssassin's well-known form (mail
/// programs and Sieve scripts test them): <c>X-Spam-Status: Yes, score=7.5 required=6.0</c> and
/// <c>X-Spam-Symbols: NAME(score), ...</c>. "Why is this in Junk?" reads them back.
/// </summary>
public static class SpamHeaders
{
    /// <summary>Symbols written; the rest are left out (rspamd can fire dozens).</summary>
    public const int MaxSymbols = 50;

    public static string Of(ScanVerdict verdict)
    {
        var text = new StringBuilder("X-Spam-Status: ")
            .Append(verdict.Action is ScanAction.Junk or ScanAction.Reject ? "Yes" : "No")
            .Append(", score=").Append(Number(verdict.Score))
            .Append(" required=").Append(Number(verdict.RequiredScore)).Append("\r\n");
        var symbols = verdict.Symbols.Take(MaxSymbols).Select(s => $"{Name(s.Name)}({Number(s.Score)})").Where(s => s.Length > 2).ToList();
        if (symbols.Count > 0)
        {
            // Folded after each symbol (RFC 5322 §2.2.3) so no line grows past the 78-character guideline.
            text.Append("X-Spam-Symbols: ").Append(string.Join(",\r\n\t", symbols)).Append("\r\n");
        }
        return text.ToString();
    }

    private static string Number(double value) =>
        double.IsFinite(value) ? Math.Round(value, 2).ToString("0.0#", CultureInfo.InvariantCulture) : "0.0";

    /// <summary>A symbol name as a token: what the scanner sends cannot break the header.</summary>
    private static string Name(string name) =>
        new(name.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.').Take(64).ToArray());
}
