using Webmail.Compose;

namespace Webmail.Web.Tests.Compose;

/// <summary>Splitting an address field by RFC 5322's rules: a comma in a quoted name, a comment or angle brackets ends nothing.</summary>
public sealed class AddressFieldTests
{
    [Fact]
    public void ACommaInsideAQuotedDisplayNameDoesNotSplitTheEntry()
    {
        var entries = AddressField.Split("\"Doe, Jane\" <jane@example.com>, bob@example.com; \"O\\\"Neil, Pat\" <pat@example.com>, x@y.example (Smith, Jr.)");

        Assert.Equal(["\"Doe, Jane\" <jane@example.com>", "bob@example.com", "\"O\\\"Neil, Pat\" <pat@example.com>", "x@y.example (Smith, Jr.)"], entries);
        Assert.All(entries, e => Assert.True(AddressField.IsValid(e), e));
        Assert.Equal("Doe, Jane", AddressField.ChipLabel(entries[0]));
        Assert.Equal("O\"Neil, Pat", AddressField.ChipLabel(entries[2]));
    }

    [Fact]
    public void OnlyASeparatorOutsideQuotesEndsAnEntry()
    {
        // Typing the name's comma ends nothing yet; the comma after the address does.
        Assert.Empty(AddressField.Separators("\"Doe,"));
        Assert.Equal("\"Doe,", AddressField.LastEntry("\"Doe,"));
        Assert.Equal([30], AddressField.Separators("\"Doe, Jane\" <jane@example.com>,"));
        Assert.Equal("", AddressField.LastEntry("\"Doe, Jane\" <jane@example.com>,"));
        Assert.Equal([11], AddressField.Separators("a@b.example, \"Roe, R"));
        Assert.Equal("\"Roe, R", AddressField.LastEntry("a@b.example, \"Roe, R"));
        Assert.Equal("a@b.example, \"Roe, Rich\" <r@b.example>, ", AddressField.Complete("a@b.example, \"Roe, Ri", "\"Roe, Rich\" <r@b.example>"));
    }

    [Fact]
    public void AnUnclosedQuoteKeepsTheRestAsOneEntryThatIsMarkedInvalid()
    {
        var entries = AddressField.Split("\"Doe, Jane <jane@example.com>, bob@example.com");

        var entry = Assert.Single(entries);
        Assert.False(AddressField.IsValid(entry));
    }
}
