using Webmail.Core.Messages;

namespace Webmail.Core.Tests.Messages;

public sealed class ConversationKeyTests
{
    [Theory]
    [InlineData("Lunch", "lunch")]
    [InlineData("Re: Lunch", "lunch")]
    [InlineData("RE: re: Fwd: Lunch", "lunch")]
    [InlineData("AW: WG: Lunch", "lunch")]
    [InlineData("Re[2]: Lunch", "lunch")]
    [InlineData("[team] Re: Lunch", "lunch")]
    [InlineData("  Antw:  Lunch  ", "lunch")]
    [InlineData("Lunch re: plans", "lunch re: plans")]
    [InlineData("Re:", "")]
    public void ThreadSubjectDropsReplyAndForwardPrefixes(string subject, string expected) =>
        Assert.Equal(expected, ConversationKey.ThreadSubject(subject));

    [Fact]
    public void ReferencesAreTriedNewestFirstWithInReplyToFirstOfAll()
    {
        var message = Message(messageId: "c@x", inReplyTo: "<b@x>", references: ["<a@x>", "<b0@x>"]);

        Assert.Equal(["b@x", "b0@x", "a@x"], ConversationKey.References(message));
    }

    [Fact]
    public void OnlyTheNewestReferencesAreTried()
    {
        var references = Enumerable.Range(0, 30).Select(i => $"<r{i}@x>").ToList();

        var tried = ConversationKey.References(Message(references: references)).ToList();

        Assert.Equal(ConversationKey.MaxReferences, tried.Count);
        Assert.Equal("r29@x", tried[0]);
    }

    [Fact]
    public void ANewThreadIsKeyedByTheMessageId() =>
        Assert.Equal("c@x", ConversationKey.NewThread(Message(messageId: "c@x")));

    [Fact]
    public void AMessageWithoutIdStartsAThreadOfItsOwn()
    {
        var message = Message(messageId: "");

        var first = ConversationKey.NewThread(message);

        Assert.StartsWith("t", first, StringComparison.Ordinal);
        Assert.NotEqual(first, ConversationKey.NewThread(message));
    }

    private static ParsedMessage Message(string messageId = "m@x", string inReplyTo = "", IReadOnlyList<string>? references = null) =>
        new("a@x", "", "b@x", "", "Subject", null, messageId, inReplyTo, references ?? [], "", "", false);
}
