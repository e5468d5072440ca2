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
/// desktop client's <c>border-top</c> box that starts with "From:"), together with everything after it, which is
/// the earlier message; signatures are <c>.gmail_signature</c> and <c>.moz-signature</c>.
/// </remarks>
public static class QuoteFolding
{
    public const string ToggleLabel = "Show quoted text";

    /// <summary>
    /// Whether an attribute the sanitizer removes marks a quote or signature: the sanitizer keeps no
    /// <c>class</c> or <c>id</c>, so <see cref="SafeHtml"/> notes the elements while it removes them.
    /// </summary>
    public static bool IsMarker(string name, string value) => name.ToLowerInvariant() switch
    {
        "class" => value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(c => c is "gmail_quote" or "gmail_signature" or "moz-signature" or "OutlookMessageHeader"),
        "id" => value == "divRplyFwdMsg",
        _ => false,
    };

    /// <summary>Folds the quotes and signatures of the sanitized <paramref name="document"/>; <paramref name="marked"/> are the elements <see cref="IsMarker"/> noted.</summary>
    public static void Fold(IDocument document, IReadOnlySet<IElement> marked)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(marked);
        if (document.Body is not { } body)
            return;
        // Document order: an outer quote folds first, and what it holds folds with it.
        foreach (var element in body.QuerySelectorAll("*").ToList())
        {
            if (Folded(element))
                continue;
            if (IsOutlookDivider(element, marked))
            {
                // Outlook: the header divider and all that follows it in its parent is the quoted message.
                var start = element.PreviousElementSibling is { LocalName: "hr" } rule ? rule : element;
                var nodes = new List<INode>();
                for (INode? node = start; node is not null; node = node.NextSibling)
                    nodes.Add(node);
                Wrap(document, nodes);
            }
            else if (element.LocalName == "blockquote" || marked.Contains(element))
            {
                Wrap(document, [element]);
            }
        }
    }

    private static bool IsOutlookDivider(IElement element, IReadOnlySet<IElement> marked)
    {
        if (element.LocalName != "div")
            return false;
        if (marked.Contains(element) && element.ParentElement is not null && IsOutlookHeaderMark(element))
            return true;
        // Outlook on the desktop: a top-bordered box that starts with "From:" (the sanitizer rewrites
        // its "border:none;border-top:solid #E1E1E1 1.0pt" in its own order).
        var style = element.GetAttribute("style") ?? "";
        return style.Contains("border-top", StringComparison.OrdinalIgnoreCase) && element.TextContent.TrimStart().StartsWith("From:", StringComparison.OrdinalIgnoreCase);
    }

    // The marks are gone from the element by now; Outlook's header is the one marked element whose text starts with "From:".
    private static bool IsOutlookHeaderMark(IElement element) => element.TextContent.TrimStart().StartsWith("From:", StringComparison.OrdinalIgnoreCase);

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
