using AngleSharp.Dom;
using Ganss.Xss;

namespace Webmail.Reading;

/// <summary>
/// Sanitizes a mail's HTML body for the sandboxed iframe: no script, SVG, MathML, style
/// elements, forms, frames, event handlers, <c>javascript:</c> / <c>data:</c> links or
/// position / z-index CSS; <c>cid:</c> images point at our attachment URL; remote images and
/// CSS <c>url()</c> are dropped unless the user allowed remote content.
/// HTML over <see cref="MaxLength"/> or nested deeper than <see cref="MaxDepth"/> is not parsed at
/// all (AngleSharp's tree building is quadratic in nesting depth: 20,000 nested divs take seconds,
/// 200,000 minutes); its text is shown instead, escaped, under <see cref="TooLargeNotice"/>.
/// </summary>
public sealed class SafeHtml
{
    private static readonly string[] ForbiddenTags =
    [
        "script", "noscript", "style", "link", "meta", "base", "svg", "math", "form", "input", "button", "select", "option", "optgroup",
        "textarea", "label", "fieldset", "legend", "datalist", "output", "iframe", "frame", "frameset", "object", "embed", "applet",
        "audio", "video", "source", "track", "picture", "canvas", "template", "dialog", "portal",
    ];

    /// <summary>Longest HTML body sanitized (characters); larger bodies are shown as text.</summary>
    public const int MaxLength = 512 * 1024;

    /// <summary>Deepest element nesting sanitized, estimated as start tags minus end tags (an over-estimate on sloppy HTML).</summary>
    public const int MaxDepth = 1000;

    public const string TooLargeNotice = "The formatted version of this message is too large or too deeply nested to display safely; its text is shown instead. Download the original message to see all of it.";

    private static readonly HashSet<string> VoidElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param", "keygen",
    };

    private readonly Func<string, string?> _resolveContentId;
    private readonly bool _allowRemote;
    private readonly bool _foldQuotes;

    /// <param name="resolveContentId">Maps a <c>cid:</c> reference to our URL for that part, or null when there is no such part.</param>
    /// <param name="foldQuotes">Fold quoted history and signatures behind "•••" (<see cref="QuoteFolding"/>), after sanitizing.</param>
    public SafeHtml(Func<string, string?> resolveContentId, bool allowRemote, bool foldQuotes = false)
    {
        _resolveContentId = resolveContentId;
        _allowRemote = allowRemote;
        _foldQuotes = foldQuotes;
    }

    /// <summary>True once <see cref="Sanitize"/> met a remote image or CSS <c>url()</c> (blocked or not).</summary>
    public bool HasRemoteContent { get; private set; }

    /// <summary>True when <see cref="Sanitize"/> showed text instead of the HTML because it was over the limits.</summary>
    public bool ShowedText { get; private set; }

    /// <summary>
    /// Whether <paramref name="html"/> is small and shallow enough to parse in bounded time. One linear pass.
    /// An end tag lowers the depth estimate only when an element of that name is open: the parser ignores
    /// stray end tags, so <c>&lt;div&gt;&lt;/x&gt;</c> repeated 55,000 times nests 55,000 divs (25 s in
    /// AngleSharp) although its start and end tags balance.
    /// </summary>
    public static bool IsWithinLimits(string html)
    {
        if (html.Length > MaxLength)
            return false;
        var depth = 0;
        // Open elements by name; at most MaxDepth + 1 names, since every new one is a start tag.
        var open = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
        var i = html.IndexOf('<');
        while (i >= 0 && i < html.Length - 1)
        {
            var next = html[i + 1];
            if (next == '/')
            {
                var name = TagName(html, i + 2);
                if (open.TryGetValue(name, out var count) && count > 0)
                {
                    open[name] = count - 1;
                    depth--;
                }
            }
            else if (char.IsAsciiLetter(next))
            {
                // Jump to the tag's end, so the pass stays linear.
                var close = html.IndexOf('>', i);
                if (close < 0)
                    break;
                var name = TagName(html, i + 1);
                var isVoid = html[close - 1] == '/' || VoidElements.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name);
                if (!isVoid)
                {
                    if (++depth > MaxDepth)
                        return false;
                    open[name] = open.TryGetValue(name, out var count) ? count + 1 : 1;
                }
                i = close;
            }
            i = html.IndexOf('<', i + 1);
        }
        return true;
    }

    private static ReadOnlySpan<char> TagName(string html, int start)
    {
        var end = start;
        while (end < html.Length && char.IsAsciiLetterOrDigit(html[end]))
            end++;
        return html.AsSpan(start, end - start);
    }

    public string Sanitize(string html)
    {
        if (!IsWithinLimits(html))
        {
            ShowedText = true;
            return "<p><em>" + System.Net.WebUtility.HtmlEncode(TooLargeNotice) + "</em></p><pre style=\"white-space:pre-wrap;font:inherit\">"
                + System.Net.WebUtility.HtmlEncode(Webmail.Core.Messages.MessageParser.HtmlToText(html)) + "</pre>";
        }
        var sanitizer = new HtmlSanitizer();
        foreach (var tag in ForbiddenTags)
            sanitizer.AllowedTags.Remove(tag);
        sanitizer.AllowedCssProperties.Remove("position");
        sanitizer.AllowedCssProperties.Remove("z-index");
        sanitizer.AllowedAtRules.Clear();
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.Add("http");
        sanitizer.AllowedSchemes.Add("https");
        sanitizer.AllowedSchemes.Add("mailto");
        sanitizer.AllowDataAttributes = false;
        sanitizer.AllowedAttributes.Remove("srcset");
        sanitizer.UriAttributes.Add("background");
        sanitizer.FilterUrl += OnFilterUrl;
        sanitizer.PostProcessNode += (_, e) =>
        {
            // Links leave the sandbox in a new tab, without telling the site where they came from.
            if (e.Node is IElement { LocalName: "a" } link && link.HasAttribute("href"))
            {
                link.SetAttribute("target", "_blank");
                link.SetAttribute("rel", "noopener noreferrer");
            }
        };
        // After sanitizing, so the folds are ours and nothing of the mail's own can pass as one. The
        // quote and signature marks (class, id) are attributes the sanitizer removes: noted as it does.
        if (_foldQuotes)
        {
            var marked = new HashSet<IElement>();
            sanitizer.RemovingAttribute += (_, e) =>
            {
                if (QuoteFolding.IsMarker(e.Attribute.Name, e.Attribute.Value))
                    marked.Add(e.Tag);
            };
            sanitizer.PostProcessDom += (_, e) => QuoteFolding.Fold(e.Document, marked);
        }
        // No base URL: relative references stay relative and are dropped in OnFilterUrl.
        return sanitizer.Sanitize(html);
    }

    private void OnFilterUrl(object? sender, FilterUrlEventArgs e)
    {
        var original = e.OriginalUrl.Trim();
        var isLink = e.Tag.LocalName is "a" or "area" && string.Equals(e.Tag.GetAttribute("href")?.Trim(), original, StringComparison.Ordinal);
        if (isLink)
        {
            // Only absolute http(s) and mailto links; javascript:, data:, relative paths are removed.
            e.SanitizedUrl = IsScheme(original, "http") || IsScheme(original, "https") || IsScheme(original, "mailto") ? e.SanitizedUrl : null;
            return;
        }
        if (IsScheme(original, "cid"))
        {
            e.SanitizedUrl = _resolveContentId(Uri.UnescapeDataString(original[4..]).Trim('<', '>'));
            return;
        }
        if (IsScheme(original, "http") || IsScheme(original, "https") || original.StartsWith("//", StringComparison.Ordinal))
        {
            HasRemoteContent = true;
            e.SanitizedUrl = _allowRemote && e.SanitizedUrl is not null ? e.SanitizedUrl : null;
            return;
        }
        // data:, relative paths and any other scheme: nothing is loaded.
        e.SanitizedUrl = null;
    }

    private static bool IsScheme(string url, string scheme) =>
        url.Length > scheme.Length && url[scheme.Length] == ':' && url.StartsWith(scheme, StringComparison.OrdinalIgnoreCase);
}
