using AngleSharp.Dom;

namespace Webmail.Reading;

/// <summary>
/// Folds the quoted history and the signature of an HTML mail behind a "•••" toggle, on the server,
/// inside the sanitized document: each becomes a closed <c>&lt;details class="quoted"&gt;</c>, which
/// the browser opens and closes without any script (the message frame runs none).
/// </summary>
/// <remarks>
/// What counts as quoted: a top-level <c>blockquote</c>; Gmail's <c>div.gmail_quote</c> (its "On … wrote:"
/// line included); Outlook's reply header (<c>#divRplyFwdMsg</c>, <c>.OutlookMessageHeader</c>, or the
/// desktop client's <c>border-top</c> divider before "From:"), together with everything after it, which is
/// the earlier message; signatures are <c>.gmail_signature</c> and <c>.moz-signature</c>.
/// </remarks>
public static class QuoteFolding
{
    public const string ToggleLabel = "Show quoted text";

    public static void Fold(IDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Body is not { } body)
            return;
        // Outlook: the header divider and all that follows it in its parent is the quoted message.
        foreach (var divider in OutlookDividers(body).ToList())
        {
            if (Folded(divider))
                continue;
            var start = divider.PreviousElementSibling is { LocalName: "hr" } rule ? rule : divider;
            var nodes = new List<INode>();
            for (INode? node = start; node is not null; node = node.NextSibling)
                nodes.Add(node);
            Wrap(document, nodes);
        }
        foreach (var element in body.QuerySelectorAll("div.gmail_quote, blockquote, div.gmail_signature, div.moz-signature, pre.moz-signature").ToList())
        {
            if (!Folded(element))
                Wrap(document, [element]);
        }
    }

    private static IEnumerable<IElement> OutlookDividers(IElement body)
    {
        foreach (var element in body.QuerySelectorAll("#divRplyFwdMsg, div.OutlookMessageHeader"))
            yield return element;
        foreach (var div in body.QuerySelectorAll("div[style]"))
        {
            var style = div.GetAttribute("style")!.Replace(" ", "", StringComparison.Ordinal);
            if (style.Contains("border-top:solid", StringComparison.OrdinalIgnoreCase) && style.Contains("border:none", StringComparison.OrdinalIgnoreCase)
                && div.TextContent.TrimStart().StartsWith("From:", StringComparison.OrdinalIgnoreCase))
                yield return div;
        }
    }

    /// <summary>Already inside a fold: quotes nested in a quote fold with it.</summary>
    private static bool Folded(IElement element)
    {
        for (var parent = element.ParentElement; parent is not null; parent = parent.ParentElement)
        {
            if (parent.LocalName == "details" && parent.ClassList.Contains("quoted"))
                return true;
        }
        return false;
    }

    private static void Wrap(IDocument document, IReadOnlyList<INode> nodes)
    {
        if (nodes.Count == 0 || nodes[0].Parent is not { } parent)
            return;
        var details = document.CreateElement("details");
        details.ClassList.Add("quoted");
        var summary = document.CreateElement("summary");
        summary.SetAttribute("title", ToggleLabel);
        summary.SetAttribute("aria-label", ToggleLabel);
        summary.TextContent = "•••";
        details.AppendChild(summary);
        parent.InsertBefore(details, nodes[0]);
        foreach (var node in nodes)
            details.AppendChild(node);
    }
}
