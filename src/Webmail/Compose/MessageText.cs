using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using MimeKit;

namespace Webmail.Compose;

/// <summary>The readable text of a stored message, for quoting in replies and forwards.</summary>
public static partial class MessageText
{
    [GeneratedRegex(@"<(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockEnd();

    [GeneratedRegex(@"<(script|style|head)\b.*?</\1>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Invisible();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    public static string Of(MimeMessage message)
    {
        if (message.TextBody is { } text)
            return text;
        return message.HtmlBody is { } html ? HtmlToText(html) : "";
    }

    public static string HtmlToText(string html)
    {
        var text = Invisible().Replace(html, "");
        text = BlockEnd().Replace(text, "\n");
        text = Tag().Replace(text, "");
        return WebUtility.HtmlDecode(text).Trim();
    }

    /// <summary>
    /// The text/plain alternative of a rich (HTML) message the user wrote: block elements end lines, and the text of
    /// every <c>blockquote</c> is quoted with <c>&gt; </c> per level (RFC 3676 §4.5 quote markers, as the
    /// plain-text editor's reply has them), so a plain-text reader sees which lines are the quoted original.
    /// </summary>
    /// <param name="html">Sanitized HTML (<see cref="MessageComposer.SanitizeHtml"/>: its nesting is already bounded by that parse).</param>
    public static string RichToText(string html)
    {
        var document = new HtmlParser().ParseDocument("<body>" + (html ?? "") + "</body>");
        var lines = new List<(int Depth, StringBuilder Text)> { (0, new StringBuilder()) };
        Walk(document.Body!, 0, lines);
        var result = new StringBuilder();
        var blank = 0;
        foreach (var (depth, text) in lines)
        {
            var line = text.ToString();
            // "-- " keeps its space: it is the signature separator (RFC 3676 §4.3).
            if (line != "-- ")
                line = line.TrimEnd();
            // Runs of empty lines (one per closing block) fold to one, as innerText would show them.
            blank = line.Length == 0 ? blank + 1 : 0;
            if (blank > 1)
                continue;
            var marker = depth == 0 ? "" : string.Concat(Enumerable.Repeat(">", depth)) + (line.Length == 0 ? "" : " ");
            result.Append(marker).Append(line).Append('\n');
        }
        return result.ToString().Trim('\n');
    }

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "P", "DIV", "LI", "TR", "H1", "H2", "H3", "H4", "H5", "H6", "UL", "OL", "TABLE", "PRE", "BLOCKQUOTE",
    };

    private static void Walk(INode node, int depth, List<(int Depth, StringBuilder Text)> lines)
    {
        foreach (var child in node.ChildNodes)
        {
            if (child is IText text)
            {
                var value = child.ParentElement?.LocalName == "pre" ? text.Data : CollapseSpaces(text.Data);
                foreach (var (piece, index) in value.Split('\n').Select((p, i) => (p, i)))
                {
                    if (index > 0)
                        lines.Add((depth, new StringBuilder()));
                    lines[^1].Text.Append(piece);
                }
                continue;
            }
            if (child is not IElement element)
                continue;
            if (element.LocalName == "br")
            {
                lines.Add((depth, new StringBuilder()));
                continue;
            }
            var inner = element.LocalName == "blockquote" ? depth + 1 : depth;
            var block = Blocks.Contains(element.TagName);
            if (block)
                NewLine(lines, inner);
            if (element.LocalName == "li")
                lines[^1].Text.Append("- ");
            if (element.LocalName is "td" or "th" && element.PreviousElementSibling is not null)
                lines[^1].Text.Append('\t');
            Walk(element, inner, lines);
            if (block)
                NewLine(lines, depth);
        }
    }

    // A block starts on a line of its own (at its quote depth), unless the current line is still empty.
    private static void NewLine(List<(int Depth, StringBuilder Text)> lines, int depth)
    {
        if (lines[^1].Text.Length == 0)
            lines[^1] = (depth, lines[^1].Text);
        else
            lines.Add((depth, new StringBuilder()));
    }

    [GeneratedRegex(@"[ \t\r\n]+")]
    private static partial Regex Spaces();

    // A no-break space (the editor writes one for a typed trailing space) is a space in plain text.
    private static string CollapseSpaces(string text) => Spaces().Replace(text, " ").Replace('\u00A0', ' ');
}
