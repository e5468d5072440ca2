using System.Text;
using Webmail.Core.Messages.Imap;

namespace Webmail.Core.Tests.Imap;

public sealed class ImapTextTests
{
    [Theory]
    [InlineData("hello", "\"hello\"")]
    [InlineData("", "\"\"")]
    [InlineData("say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\"")]
    [InlineData("two\r\nlines", "{10}\r\ntwo\r\nlines")]
    [InlineData("bare\nlf", "{7}\r\nbare\nlf")]
    [InlineData("nul\0", "{4}\r\nnul\0")]
    [InlineData("Grüße", "{7}\r\nGrüße")]
    public void StringIsQuotedWhenItCanBeElseALiteralCountedInOctets(string value, string expected)
    {
        var sb = new StringBuilder();

        ImapText.AppendString(sb, value);

        Assert.Equal(expected, sb.ToString());
    }

    [Fact]
    public void Utf8AcceptKeepsEightBitTextQuoted()
    {
        var sb = new StringBuilder();

        ImapText.AppendString(sb, "Grüße", utf8: true);

        Assert.Equal("\"Grüße\"", sb.ToString());
    }

    [Fact]
    public void LongStringBecomesALiteral()
    {
        var sb = new StringBuilder();
        var value = new string('a', ImapText.MaxQuoted + 1);

        ImapText.AppendString(sb, value);

        Assert.Equal("{1025}\r\n" + value, sb.ToString());
    }

    [Fact]
    public void StringOfMaxQuotedLengthStaysQuoted()
    {
        var sb = new StringBuilder();

        ImapText.AppendString(sb, new string('a', ImapText.MaxQuoted));

        Assert.StartsWith("\"", sb.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void NullNStringIsNil()
    {
        var sb = new StringBuilder();

        ImapText.AppendNString(sb, null);
        sb.Append(' ');
        ImapText.AppendNString(sb, "NIL");

        Assert.Equal("NIL \"NIL\"", sb.ToString());
    }
}
