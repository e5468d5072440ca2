using MimeKit;
using Webmail.Reading;

namespace Webmail.Web.Tests;

/// <summary>Quoted history and signatures fold behind "•••": plain text by blocks, HTML inside the sanitized document.</summary>
public sealed class QuoteFoldingTests
{
    [Fact]
    public void PlainTextFoldsTheQuoteWithItsAttributionAndTheSignature()
    {
        var blocks = QuotedText.Split("Sounds good, see you there.\n\nOn Tue, 1 Dec 2026 at 10:00, Carol <carol@x.example> wrote:\n> Lunch at noon?\n> > Earlier\n\nAnd one more thing.\n-- \nBob\nbob.example");

        Assert.Equal(
            [
                ("Sounds good, see you there.\n", false),
                ("On Tue, 1 Dec 2026 at 10:00, Carol <carol@x.example> wrote:\n> Lunch at noon?\n> > Earlier", true),
                ("\nAnd one more thing.", false),
                ("-- \nBob\nbob.example", true),
            ],
            blocks.Select(b => (b.Text, b.Folded)));
    }

    [Fact]
    public void PlainTextWithoutQuotesIsOneBlockAndOutlooksSeparatorFoldsTheRest()
    {
        Assert.Equal([("Just text.\nNo quotes: here.", false)], QuotedText.Split("Just text.\nNo quotes: here.").Select(b => (b.Text, b.Folded)));
        Assert.Equal(
            [("Yes.", false), ("-----Original Message-----\nFrom: Carol\nLunch?", true)],
            QuotedText.Split("Yes.\n-----Original Message-----\nFrom: Carol\nLunch?").Select(b => (b.Text, b.Folded)));
    }

    private static string Render(string html)
    {
        var message = new MimeMessage { Subject = "t", Body = new TextPart("html") { Text = html } };
        message.From.Add(new MailboxAddress("A", "a@x.example"));
        return MessageReader.RenderHtmlDocument(1, message, allowRemote: false);
    }

    [Fact]
    public void HtmlFoldsGmailQuotesBlockquotesOutlookHistoryAndSignaturesWithoutScript()
    {
        var gmail = Render("<div>Reply text</div><div class=\"gmail_quote\"><div class=\"gmail_attr\">On Tue, Carol wrote:</div><blockquote class=\"gmail_quote\">Lunch?<blockquote>older</blockquote></blockquote></div>");
        // The sanitizer keeps no class or id; the marks were noted while it removed them.
        Assert.Contains("<div>Reply text</div><details class=\"quoted\"><summary title=\"Show quoted text\" aria-label=\"Show quoted text\">•••</summary><div><div>On Tue, Carol wrote:</div><blockquote>", gmail, StringComparison.Ordinal);
        // Nested quotes fold with the outer one: one toggle.
        Assert.Equal(1, Count(gmail, "<details"));

        var outlook = Render("<p>Agreed.</p><hr style=\"display:inline-block;width:98%\"><div id=\"divRplyFwdMsg\"><b>From:</b> Carol</div><div>Lunch?</div>");
        Assert.Contains("<p>Agreed.</p><details class=\"quoted\"><summary title=\"Show quoted text\" aria-label=\"Show quoted text\">•••</summary><hr", outlook, StringComparison.Ordinal);
        Assert.EndsWith("<div>Lunch?</div></details></body></html>", outlook, StringComparison.Ordinal);

        var desktop = Render("<p>Fine.</p><div style=\"border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in\"><p><b>From:</b> Carol</p></div><p>Old text</p>");
        Assert.Contains("<p>Fine.</p><details class=\"quoted\">", desktop, StringComparison.Ordinal);

        var signature = Render("<p>Hi</p><div class=\"gmail_signature\">Bob | Example Corp</div>");
        Assert.Contains("<p>Hi</p><details class=\"quoted\"><summary title=\"Show quoted text\" aria-label=\"Show quoted text\">•••</summary><div>Bob | Example Corp</div></details>", signature, StringComparison.Ordinal);

        Assert.DoesNotContain("<details", Render("<p>No quotes here.</p>"), StringComparison.Ordinal);
        Assert.DoesNotContain("<script", gmail + outlook + desktop + signature, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AMailsOwnDetailsCannotHideScriptOrForgeAFold()
    {
        var html = Render("<details class=\"quoted\" open ontoggle=\"alert(1)\"><summary onclick=\"alert(2)\">x</summary><script>alert(3)</script>y</details><blockquote>q</blockquote>");

        Assert.DoesNotContain("alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        // The mail's own details (class removed) is no fold of ours; the blockquote beside it folds.
        Assert.Contains("<details class=\"quoted\"><summary title=\"Show quoted text\" aria-label=\"Show quoted text\">•••</summary><blockquote>q</blockquote></details>", html, StringComparison.Ordinal);
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
