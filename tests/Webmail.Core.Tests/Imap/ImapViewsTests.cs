using System.Text;
using MimeKit;
using Webmail.Core.Messages;
using Webmail.Core.Messages.Imap;

namespace Webmail.Core.Tests.Imap;

public sealed class ImapViewsTests
{
    private static MimeMessage Load(string text) => MimeInput.Load(Encoding.UTF8.GetBytes(text), MimeInput.DefaultMaxMimeDepth);

    [Fact]
    public void EnvelopeKeepsEncodedWordsUnfoldsAndDefaultsSenderAndReplyToToFrom()
    {
        var message = Load(
            "Date: Mon, 30 Nov 2026 09:15:00 +0100\r\n" +
            "Subject: =?utf-8?q?caf=C3=A9?=\r\n and more\r\n" +
            "From: \"Doe, Jane\" <jane@d.example>\r\n" +
            "To: Team: a@t.example, b@t.example;, solo@s.example\r\n" +
            "Message-ID: <m1@d.example>\r\n" +
            "\r\nbody\r\n");

        var envelope = ImapEnvelope.Build(message);

        Assert.Equal(
            "(\"Mon, 30 Nov 2026 09:15:00 +0100\" \"=?utf-8?q?caf=C3=A9?= and more\" " +
            "((\"Doe, Jane\" NIL \"jane\" \"d.example\")) ((\"Doe, Jane\" NIL \"jane\" \"d.example\")) ((\"Doe, Jane\" NIL \"jane\" \"d.example\")) " +
            "((NIL NIL \"Team\" NIL)(NIL NIL \"a\" \"t.example\")(NIL NIL \"b\" \"t.example\")(NIL NIL NIL NIL)(NIL NIL \"solo\" \"s.example\")) " +
            "NIL NIL NIL \"<m1@d.example>\")",
            envelope);
    }

    [Fact]
    public void EnvelopeOfAMessageWithoutHeadersIsAllNil()
    {
        var message = new MimeMessage();
        message.Headers.Clear();

        Assert.Equal(ImapEnvelope.Empty, ImapEnvelope.Build(message));
    }

    [Fact]
    public void BodyStructureMeasuresTheRawBytes()
    {
        // A bare LF counts as the CRLF it is sent as; lines are line feeds in the body.
        var message = Load("Content-Type: text/plain; charset=utf-8\r\n\r\nline1\nline2\r\nend");

        Assert.Equal("(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 17 2 NIL NIL NIL NIL)", ImapBodyStructure.Build(message, extensible: true));
        Assert.Equal("(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 17 2)", ImapBodyStructure.Build(message, extensible: false));
    }

    [Fact]
    public void BodyStructureOfAMultipartCarriesExtensionDataOnlyWhenExtensible()
    {
        var message = Load(
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
            "--b\r\nContent-Type: text/plain\r\nContent-Language: en\r\n\r\nhi\r\n" +
            "--b\r\nContent-Type: image/png; name=a.png\r\nContent-Disposition: attachment; filename=a.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0K\r\n" +
            "--b--\r\n");

        Assert.Equal(
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 2 0 NIL NIL (\"en\") NIL)" +
            "(\"image\" \"png\" (\"name\" \"a.png\") NIL NIL \"base64\" 8 NIL (\"attachment\" (\"filename\" \"a.png\")) NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)",
            ImapBodyStructure.Build(message, extensible: true));
        Assert.Equal(
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 2 0)(\"image\" \"png\" (\"name\" \"a.png\") NIL NIL \"base64\" 8) \"mixed\")",
            ImapBodyStructure.Build(message, extensible: false));
    }

    [Fact]
    public void MessageBuiltInCodeIsMeasuredFromItsSerialisation()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Ann", "ann@a.example"));
        message.Subject = "built";
        message.Body = new TextPart("plain") { Text = "one\r\ntwo\r\n" };

        var structure = ImapBodyStructure.Build(message, extensible: false);

        Assert.Equal("(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 2)", structure);
    }

    [Fact]
    public void NestingBeyondTheDepthLimitIsOpaque()
    {
        var text = "Content-Type: text/plain\r\n\r\ninnermost\r\n";
        for (var i = 0; i < 60; i++)
            text = "Content-Type: message/rfc822\r\n\r\n" + text;

        var structure = MessageParser.Parse(Encoding.ASCII.GetBytes(text), maxMimeDepth: 10).ImapBodyStructure;

        var messages = structure.Split("\"rfc822\"").Length - 1;
        Assert.InRange(messages, 1, 10);
        Assert.Contains("\"application\" \"octet-stream\"", structure, StringComparison.Ordinal);
    }

    [Fact]
    public void ParsedMessageCarriesTheImapViews()
    {
        var raw = Encoding.ASCII.GetBytes("From: a@a.example\r\nSubject: hi\r\n\r\nbody\r\n");

        var parsed = MessageParser.Parse(raw);

        Assert.Equal("(NIL \"hi\" ((NIL NIL \"a\" \"a.example\")) ((NIL NIL \"a\" \"a.example\")) ((NIL NIL \"a\" \"a.example\")) NIL NIL NIL NIL NIL)", parsed.ImapEnvelope);
        Assert.Equal("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1 NIL NIL NIL NIL)", parsed.ImapBodyStructure);
        Assert.Equal("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1)", parsed.ImapBody);
    }
}
