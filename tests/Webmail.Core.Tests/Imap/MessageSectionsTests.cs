using System.Text;
using Webmail.Core.Messages.Imap;

namespace Webmail.Core.Tests.Imap;

public sealed class MessageSectionsTests
{
    private const string OuterHeader =
        "From: a@a.example\r\n" +
        "Subject: outer\r\n" +
        "X-Folded: one\r\n two\r\n" +
        "To: b@b.example\r\n" +
        "Content-Type: multipart/mixed; boundary=outer\r\n" +
        "\r\n";
    private const string InnerHeader =
        "From: c@c.example\r\n" +
        "Subject: inner\r\n" +
        "Content-Type: multipart/alternative; boundary=inner\r\n" +
        "\r\n";
    private const string InnerBody =
        "--inner\r\n" +
        "Content-Type: text/plain\r\n" +
        "\r\n" +
        "inner text\r\n" +
        "--inner\r\n" +
        "Content-Type: text/html\r\n" +
        "\r\n" +
        "<p>inner</p>\r\n" +
        "--inner--";
    private const string Message =
        OuterHeader +
        "--outer\r\n" +
        "Content-Type: text/plain\r\n" +
        "\r\n" +
        "first\r\n" +
        "--outer\r\n" +
        "Content-Type: message/rfc822\r\n" +
        "\r\n" +
        InnerHeader +
        InnerBody + "\r\n" +
        "\r\n" +
        "--outer\r\n" +
        "Content-Type: application/octet-stream\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        "aGVsbG8gd29ybGQ=\r\n" +
        "--outer--\r\n";

    private static readonly byte[] Raw = Encoding.ASCII.GetBytes(Message);

    private static string Section(int[] part, SectionText text, params string[] fields) =>
        Encoding.ASCII.GetString(MessageSections.Extract(Raw, new SectionSpec(part, text, fields)));

    [Fact]
    public void WholeMessageIsExactlyTheRawBytes()
    {
        var raw = Encoding.Latin1.GetBytes("Subject: x\n\nbare LF body\r\n\xff");

        var body = MessageSections.Extract(raw, new SectionSpec([], SectionText.Content, []));

        Assert.Equal(raw, body);
    }

    [Fact]
    public void HeaderIncludesTheEmptyLineAndTextIsTheRest()
    {
        Assert.Equal(OuterHeader, Section([], SectionText.Header));
        Assert.Equal(Message[OuterHeader.Length..], Section([], SectionText.Text));
    }

    [Fact]
    public void HeaderFieldsKeepsOriginalOrderAndFoldingThenTheEmptyLine()
    {
        var fields = Section([], SectionText.HeaderFields, "to", "X-FOLDED", "From", "Absent");

        Assert.Equal("From: a@a.example\r\nX-Folded: one\r\n two\r\nTo: b@b.example\r\n\r\n", fields);
    }

    [Fact]
    public void HeaderFieldsNotReturnsTheOtherFields()
    {
        var fields = Section([], SectionText.HeaderFieldsNot, "from", "to", "x-folded");

        Assert.Equal("Subject: outer\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n", fields);
    }

    [Fact]
    public void PartsAreNumberedFromOne()
    {
        Assert.Equal("first", Section([1], SectionText.Content));
        Assert.Equal("Content-Type: text/plain\r\n\r\n", Section([1], SectionText.Mime));
        // RFC 2046 §5.1.1: the line break before a boundary belongs to the boundary.
        Assert.Equal("aGVsbG8gd29ybGQ=", Section([3], SectionText.Content));
    }

    [Fact]
    public void MessagePartContentIsTheWholeAttachedMessage()
    {
        Assert.Equal(InnerHeader + InnerBody + "\r\n", Section([2], SectionText.Content));
        Assert.Equal("Content-Type: message/rfc822\r\n\r\n", Section([2], SectionText.Mime));
    }

    [Fact]
    public void HeaderAndTextOfAMessagePartAreThoseOfTheAttachedMessage()
    {
        Assert.Equal(InnerHeader, Section([2], SectionText.Header));
        Assert.Equal(InnerBody + "\r\n", Section([2], SectionText.Text));
        Assert.Equal("Subject: inner\r\n\r\n", Section([2], SectionText.HeaderFields, "SUBJECT"));
        Assert.Equal("From: c@c.example\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n", Section([2], SectionText.HeaderFieldsNot, "Subject"));
    }

    [Fact]
    public void PartsInsideAnAttachedMessageNestUnderItsNumber()
    {
        Assert.Equal("inner text", Section([2, 1], SectionText.Content));
        Assert.Equal("Content-Type: text/html\r\n\r\n", Section([2, 2], SectionText.Mime));
        Assert.Equal("<p>inner</p>", Section([2, 2], SectionText.Content));
    }

    [Fact]
    public void AbsentPartsAndHeaderOfANonMessagePartAreEmpty()
    {
        Assert.Equal("", Section([4], SectionText.Content));
        Assert.Equal("", Section([1, 2], SectionText.Content));
        Assert.Equal("", Section([2, 3], SectionText.Content));
        Assert.Equal("", Section([1], SectionText.Header));
        Assert.Equal("", Section([3], SectionText.Text));
        Assert.Equal("", Section([], SectionText.Mime));
    }

    [Fact]
    public void PartOneOfANonMultipartPartIsThePartItself()
    {
        // As Dovecot answers: a non-multipart part has exactly one part, itself (RFC 9051 §6.4.5 numbers a
        // non-multipart message's body as part 1).
        Assert.Equal("first", Section([1, 1], SectionText.Content));
    }

    [Fact]
    public void NonMultipartMessageHasItsBodyAsPartOne()
    {
        var raw = Encoding.ASCII.GetBytes("Subject: single\r\nContent-Type: text/plain\r\n\r\nthe body\r\n");

        Assert.Equal("the body\r\n", Encoding.ASCII.GetString(MessageSections.Extract(raw, new SectionSpec([1], SectionText.Content, []))));
        Assert.Equal("Subject: single\r\nContent-Type: text/plain\r\n\r\n", Encoding.ASCII.GetString(MessageSections.Extract(raw, new SectionSpec([1], SectionText.Mime, []))));
        Assert.Empty(MessageSections.Extract(raw, new SectionSpec([2], SectionText.Content, [])));
    }

    [Fact]
    public void DecodeRemovesBase64()
    {
        Assert.Equal("hello world", Encoding.ASCII.GetString(MessageSections.Decode(Raw, [3])!));
    }

    [Fact]
    public void DecodeRemovesQuotedPrintableWithSoftBreaksAndTrailingWhitespace()
    {
        var raw = Encoding.ASCII.GetBytes(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\n" +
            "caf=C3=A9 soft=\r\nbreak   \r\n=3D kept =ZZ\r\n");

        var decoded = MessageSections.Decode(raw, [1]);

        Assert.Equal("café softbreak\r\n= kept =ZZ\r\n", Encoding.UTF8.GetString(decoded!));
    }

    [Fact]
    public void DecodeOfAnUnknownEncodingIsNull()
    {
        var raw = Encoding.ASCII.GetBytes("Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n");

        Assert.Null(MessageSections.Decode(raw, [1]));
    }

    [Fact]
    public void DecodeOfIdentityEncodingsAndAbsentPartsNeedsNoWork()
    {
        Assert.Equal("first", Encoding.ASCII.GetString(MessageSections.Decode(Raw, [1])!));
        Assert.Empty(MessageSections.Decode(Raw, [9])!);
    }
}
