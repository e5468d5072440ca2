using System.Text;
using Webmail.Core.Messages;
using Webmail.Reading;

namespace Webmail.Fuzz;

/// <summary>
/// Bytes as UTF-8 → <see cref="SafeHtml.Sanitize"/> (the limits check, then HtmlSanitizer/AngleSharp, or the
/// escaped-text fallback over the limits) and <see cref="MessageParser.HtmlToText"/> (the text indexed for an
/// HTML-only message). Neither may throw; the sanitized output may carry none of the elements SafeHtml removes.
/// </summary>
internal sealed class HtmlSanitizerTarget : IFuzzTarget
{
    // As tags (a '<' the sanitizer left unescaped), not as text: text comes out as "&lt;script".
    private static readonly string[] NeverInOutput = ["<script", "<iframe", "<object", "<embed", "<svg", "<math", "<form", "<base", "<meta", "<link", "<style"];

    public void Run(byte[] input)
    {
        var html = Encoding.UTF8.GetString(input);
        var sanitizer = new SafeHtml(cid => "/fuzz/cid/" + Uri.EscapeDataString(cid), allowRemote: false);

        var safe = sanitizer.Sanitize(html);
        var text = MessageParser.HtmlToText(html);

        foreach (var tag in NeverInOutput)
            if (safe.Contains(tag, StringComparison.OrdinalIgnoreCase))
                throw new FuzzInvariantException($"The sanitized HTML contains {tag}.");
        if (text.Length > MessageParser.MaxIndexedText)
            throw new FuzzInvariantException($"HtmlToText made {text.Length} characters, over the indexed-text cap.");
    }

    public void Dispose()
    {
    }
}
