using System.Net;
using System.Text.RegularExpressions;

namespace Webmail.Sieve.Execution;

/// <summary>
/// The readable text of an HTML part for body :text (RFC 5173 §5.2 leaves the conversion to the
/// implementation): scripts, styles and comments dropped, tags removed, entities decoded.
/// </summary>
internal static partial class HtmlText
{
    [GeneratedRegex(@"<(script|style)\b.*?</\1\s*>|<!--.*?-->", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Hidden();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Tag();

    public static string ToPlainText(string html)
    {
        try
        {
            return WebUtility.HtmlDecode(Tag().Replace(Hidden().Replace(html, " "), ""));
        }
        catch (RegexMatchTimeoutException)
        {
            return html;
        }
    }
}
