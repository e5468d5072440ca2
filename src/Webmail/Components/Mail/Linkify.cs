using System.Text.RegularExpressions;

namespace Webmail.Components.Mail;

/// <summary>Splits plain text into runs of text and http(s) links, for rendering without markup.</summary>
public static partial class Linkify
{
    [GeneratedRegex(@"https?://[^\s<>""']+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex UrlPattern();

    public static IEnumerable<(string Text, bool IsLink)> Split(string text)
    {
        var position = 0;
        foreach (Match match in UrlPattern().Matches(text))
        {
            // Trailing punctuation usually ends the sentence, not the URL.
            var url = match.Value.TrimEnd('.', ',', ';', ':', '!', '?', ')', ']');
            if (match.Index > position)
                yield return (text[position..match.Index], false);
            yield return (url, true);
            position = match.Index + url.Length;
        }
        if (position < text.Length)
            yield return (text[position..], false);
    }
}
