using System.Text;
using MimeKit;
using Webmail.Core.Filters;

namespace Webmail.Core.Tests.Filters;

public sealed class FilterSuggestionTests
{
    private static HeaderList Headers(string text) =>
        MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n") + "\r\nbody\r\n"))).Headers;

    [Fact]
    public void AListMessageSuggestsItsListId()
    {
        var suggestion = FilterSuggestion.FromMessage(Headers("From: Alice <alice@a.example>\nSubject: [dev] Build\nList-Id: Developers <dev.lists.example>\n"));

        var condition = Assert.Single(suggestion.Rule.Conditions);
        Assert.Equal((RuleField.Header, "List-Id", "dev.lists.example"), (condition.Field, condition.Header, condition.Value));
        Assert.Equal("List dev.lists.example", suggestion.Rule.Name);
        Assert.Equal("[dev] Build", suggestion.Subject);
        Assert.Equal(RuleActionKind.MoveTo, Assert.Single(suggestion.Rule.Actions).Kind);
    }

    [Fact]
    public void OtherMailSuggestsItsSender()
    {
        var suggestion = FilterSuggestion.FromMessage(Headers("From: =?utf-8?q?B=C3=A9a?= <bea@b.example>\nSubject: =?utf-8?q?Caf=C3=A9?=\n"));

        var condition = Assert.Single(suggestion.Rule.Conditions);
        Assert.Equal((RuleField.From, RuleOperator.Is, "bea@b.example"), (condition.Field, condition.Operator, condition.Value));
        Assert.Equal("From bea@b.example", suggestion.Rule.Name);
        Assert.Equal("Café", suggestion.Subject);
    }
}
