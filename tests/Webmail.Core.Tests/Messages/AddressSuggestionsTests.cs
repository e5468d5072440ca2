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

        Assert.Equal(["b@x.example", "a@x.example", "C <c@x.example>"], suggestions.Rank("", 10));
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

    [Theory]
    [InlineData("Петр")]
    [InlineData("петр")]
    [InlineData("ПЕТР")]
    [InlineData("иван")]
    public void DisplayNamesMatchInAnyScriptWithCaseAndAccentsFolded(string typed)
    {
        var suggestions = new AddressSuggestions();
        suggestions.AddSender("petr@remote.example", 1, "Пётр Иванов");
        suggestions.AddSender("other@remote.example", 5, "Someone Else");

        Assert.Equal(["Пётр Иванов <petr@remote.example>"], suggestions.Rank(typed, 10));
    }

    [Fact]
    public void LatinAccentsFoldToo()
    {
        var suggestions = new AddressSuggestions();
        suggestions.AddRecipients("José Núñez <jn@remote.example>");

        Assert.Equal(["José Núñez <jn@remote.example>"], suggestions.Rank("nunez", 10));
        Assert.Equal(["José Núñez <jn@remote.example>"], suggestions.Rank("JOSE", 10));
    }
}
