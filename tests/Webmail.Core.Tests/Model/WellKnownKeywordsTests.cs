using Webmail.Core.Model;

namespace Webmail.Core.Tests.Model;

public sealed class WellKnownKeywordsTests
{
    [Theory]
    [InlineData(SpecialFolder.Inbox, SpecialFolder.Junk, "$Junk", "$NotJunk")]
    [InlineData(SpecialFolder.None, SpecialFolder.Junk, "$Junk", "$NotJunk")]
    [InlineData(SpecialFolder.Trash, SpecialFolder.Junk, "$Junk", "$NotJunk")]
    [InlineData(SpecialFolder.Junk, SpecialFolder.Inbox, "$NotJunk", "$Junk")]
    [InlineData(SpecialFolder.Junk, SpecialFolder.Archive, "$NotJunk", "$Junk")]
    [InlineData(SpecialFolder.Junk, SpecialFolder.None, "$NotJunk", "$Junk")]
    public void AMoveInOrOutOfJunkIsAVerdict(SpecialFolder from, SpecialFolder to, string added, string removed)
    {
        var edit = WellKnownKeywords.ForMove(from, to);

        Assert.NotNull(edit);
        Assert.Equal([added], edit.Add);
        Assert.Equal([removed], edit.Remove);
    }

    [Theory]
    [InlineData(SpecialFolder.Junk, SpecialFolder.Trash)]
    [InlineData(SpecialFolder.Junk, SpecialFolder.Junk)]
    [InlineData(SpecialFolder.Inbox, SpecialFolder.Archive)]
    [InlineData(SpecialFolder.Inbox, SpecialFolder.Trash)]
    public void OtherMovesAreNoVerdict(SpecialFolder from, SpecialFolder to) =>
        Assert.Null(WellKnownKeywords.ForMove(from, to));

    [Fact]
    public void AnEditRemovesFirstKeepsSpellingAndIgnoresCase()
    {
        var edit = new KeywordEdit(["$junk", "$Junk"], ["$NOTJUNK"]);

        Assert.Equal("Work $junk", edit.ApplyTo("$NotJunk Work"));
        Assert.Equal("$JUNK", edit.ApplyTo("$JUNK"));
    }

    [Fact]
    public void AnEditLeavesOutAnAdditionPastTheLimit()
    {
        var full = string.Join(' ', Enumerable.Range(0, Keywords.MaxPerMessage).Select(i => $"k{i}"));

        Assert.Equal(full, new KeywordEdit(["$Junk"], []).ApplyTo(full));
        Assert.EndsWith(" $Junk", new KeywordEdit(["$Junk"], ["k0"]).ApplyTo(full));
    }
}
