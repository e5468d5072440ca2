using Webmail.Core.Messages;

namespace Webmail.Core.Tests.Messages;

public sealed class AddressSuggestionsTests
{
    [Fact]
    public void AddressesStartingWithTheTextComeBeforeThoseContainingIt()
    {
        var suggestions = new AddressSuggestions();
        suggestions.AddSender("zed.anna@a.example", 10);
        suggestions.AddSender("anna@b.example", 1);

        Assert.Equal(["anna@b.example", "zed.anna@a.example"], suggestions.Rank("Anna", 10));
    }

    [Fact]
    public void MoreFrequentThenAlphabetical()
    {
        var suggestions = new AddressSuggestions();
        suggestions.AddSender("b@x.example", 2);
        suggestions.AddSender("a@x.example", 2);
        suggestions.AddRecipients("C <c@x.example>, b@x.example");
        suggestions.AddRecipients("c@X.example");

        Assert.Equal(["b@x.example", "a@x.example", "c@x.example"], suggestions.Rank("", 10));
    }

    [Fact]
    public void AnUnparsableRecipientListCountsNothing()
    {
        var suggestions = new AddressSuggestions();
        suggestions.AddRecipients("<<<");

        Assert.Empty(suggestions.Rank("", 10));
    }

    [Fact]
    public void TheLimitIsClamped()
    {
        var suggestions = new AddressSuggestions();
        for (var i = 0; i < 60; i++)
            suggestions.AddSender($"user{i:00}@x.example", 1);

        Assert.Single(suggestions.Rank("user", 0));
        Assert.Equal(AddressSuggestions.MaxLimit, suggestions.Rank("user", 1000).Count);
        Assert.Empty(suggestions.Rank("nobody", 10));
    }
}
