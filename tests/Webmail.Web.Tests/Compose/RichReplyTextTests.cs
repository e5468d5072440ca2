using Webmail.Compose;
using Webmail.Core.Model;

namespace Webmail.Web.Tests.Compose;

/// <summary>The text/plain alternative of a rich message: the quoted original keeps its "> " markers (RFC 3676 §4.5).</summary>
public sealed class RichReplyTextTests
{
    [Fact]
    public void BlockquotesArePrefixedPerLevelAndTheReplyAboveIsNot()
    {
        var text = MessageText.RichToText(
            "<p>Two pairs, please.</p><p>-- <br>Lucy</p><p>On Tue, 1 Dec 2026, Boot Shop wrote:</p>"
            + "<blockquote><h1>Winter sale</h1><p>Big sale on <b>boots</b><br>until Sunday.</p>"
            + "<blockquote><p>Earlier: socks.</p></blockquote><p>Bye</p></blockquote>");

        Assert.Equal(
            "Two pairs, please.\n-- \nLucy\nOn Tue, 1 Dec 2026, Boot Shop wrote:\n"
            + "> Winter sale\n> Big sale on boots\n> until Sunday.\n>> Earlier: socks.\n> Bye",
            text);
    }

    [Fact]
    public void ListsTablesAndEmptyParagraphsReadAsText()
    {
        var text = MessageText.RichToText("<p><br></p><ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table><p></p><p></p><p>end</p>");

        Assert.Equal("- one\n- two\na\tb\nend", text);
    }

    [Fact]
    public void ARichMessagesTextPartIsMadeFromItsHtmlNotTheEditorsText()
    {
        var model = new ComposeModel
        {
            To = "betty@local.example",
            Subject = "Re: Winter sale",
            Rich = true,
            Html = "<p>Yes</p><p>On Monday, Betty wrote:</p><blockquote><p>Lunch?</p></blockquote>",
            Body = "Yes\nOn Monday, Betty wrote:\nLunch?", // what innerText gave: no markers
        };
        var account = new Account(1, "lucy@local.example", 1, "Lucy", false, false, 0, 0, Pop3DeletePolicy.Delete, DateTimeOffset.UnixEpoch, null, 0, "");

        using var message = MessageComposer.Build(account, model, asDraft: false, "local.example");

        Assert.Equal("Yes\nOn Monday, Betty wrote:\n> Lunch?", message.TextBody!.ReplaceLineEndings("\n"));
    }
}
