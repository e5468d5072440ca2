using Webmail.Compose;

namespace Webmail.Web.Tests.Ux;

public sealed class SendChecksTests
{
    [Theory]
    [InlineData("Please see the attached report.", "attached")]
    [InlineData("The attachment has the numbers.", "attachment")]
    [InlineData("Die Datei ist angehängt.", "angehängt")]
    [InlineData("Voici la pièce jointe.", "pièce jointe")]
    [InlineData("Te envío el archivo adjunto.", "adjunto")]
    public void TextThatSpeaksOfAFileWithoutOneIsQuestioned(string body, string word)
    {
        var warning = Assert.Single(SendChecks.Warnings(new ComposeModel { Subject = "Numbers", Body = body }));
        Assert.Equal($"The text says “{word}”, but no file is attached.", warning);
    }

    [Fact]
    public void QuotedTextSignatureAndForwardedMessageDoNotCount()
    {
        var reply = new ComposeModel { Subject = "Re: Numbers", Body = "Thanks!\n\n-- \nSee attached CV\n\nOn Fri, Betty wrote:\n> Please see the attached report." };
        Assert.Empty(SendChecks.Warnings(reply));
        var quotedHtml = new ComposeModel { Subject = "Re: x", Rich = true, Html = "<p>Thanks!</p><p>On Fri, Betty wrote:</p><blockquote><p>See the attached file.</p></blockquote>" };
        Assert.Empty(SendChecks.Warnings(quotedHtml));
        var forward = new ComposeModel { Subject = "Fwd: x", Body = "FYI\n\n---------- Forwarded message ----------\nSee the attachment." };
        Assert.Empty(SendChecks.Warnings(forward));
    }

    [Fact]
    public void AnEmptySubjectIsQuestionedAndAFileSilencesTheAttachmentQuestion()
    {
        var model = new ComposeModel { Subject = "  ", Body = "Attached." };
        Assert.Equal(["This message has no subject.", "The text says “Attached”, but no file is attached."], SendChecks.Warnings(model));
        model.Attachments.Add(new ComposeAttachment("1", "a.pdf", "application/pdf", 10, "/nowhere"));
        Assert.Equal(["This message has no subject."], SendChecks.Warnings(model));
    }
}
