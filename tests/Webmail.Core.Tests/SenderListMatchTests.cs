using Webmail.Core.Accounts;

namespace Webmail.Core.Tests;

/// <summary>What may go on an account's sender lists, and which entry a message's senders match.</summary>
public sealed class SenderListMatchTests
{
    private static SenderListEntry Entry(SenderListKind kind, string pattern) => new(1, 1, kind, pattern, DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData("Friend@Example.COM", "friend@example.com")]
    [InlineData(" example.com. ", "example.com")]
    [InlineData("@example.com", "example.com")]
    [InlineData("*.example.com", "example.com")]
    [InlineData("example", null)]
    [InlineData("not an address", null)]
    [InlineData("a@b@example.com", null)]
    [InlineData("192.168.0.1", null)]
    [InlineData("-bad.example", null)]
    [InlineData("", null)]
    public void EntriesAreAddressesOrDomains(string text, string? expected) => Assert.Equal(expected, SenderListService.Normalize(text));

    [Fact]
    public void OverlongEntriesAreRefused() =>
        Assert.Null(SenderListService.Normalize(new string('a', 250) + ".example"));

    [Fact]
    public void TheMostSpecificEntryWins()
    {
        SenderListEntry[] entries = [Entry(SenderListKind.Block, "example.com"), Entry(SenderListKind.Allow, "boss@example.com"), Entry(SenderListKind.Allow, "news.example.com")];

        Assert.Equal(SenderListKind.Allow, SenderListService.Match(entries, ["boss@example.com"]));
        Assert.Equal(SenderListKind.Block, SenderListService.Match(entries, ["other@example.com"]));
        Assert.Equal(SenderListKind.Allow, SenderListService.Match(entries, ["x@mail.news.example.com"]));
        Assert.Equal(SenderListKind.Block, SenderListService.Match(entries, ["x@mail.example.com"]));
        Assert.Null(SenderListService.Match(entries, ["x@notexample.com"]));
    }

    [Fact]
    public void BlockWinsBetweenEquallySpecificEntriesOfSeveralSenders()
    {
        SenderListEntry[] entries = [Entry(SenderListKind.Allow, "good.example"), Entry(SenderListKind.Block, "evil.example")];

        // The envelope sender is allowed, the From: blocked: block.
        Assert.Equal(SenderListKind.Block, SenderListService.Match(entries, ["a@good.example", "b@evil.example"]));
    }
}
