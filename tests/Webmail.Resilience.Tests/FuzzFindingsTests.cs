using System.Text;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Reading;
using Webmail.Resilience.Tests.Corpus;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>
/// What the AFL targets in tests/Webmail.Fuzz found (docs/fuzzing.md), kept as regression tests: the
/// minimized inputs in Corpus/Found go through the same steps and checks as the <c>mime</c> target.
/// </summary>
public sealed class FuzzFindingsTests : IAsyncLifetime
{
    private readonly TestStore _store = new();
    private Account _account = null!;

    public static TheoryData<string> Found => new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus", "Found")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    public async Task InitializeAsync() => _account = await _store.CreateAccountAsync("user@local.example");

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Theory]
    [MemberData(nameof(Found))]
    public async Task FoundInputIsDeliveredSearchedAndShownWithinItsPromises(string name)
    {
        var raw = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Corpus", "Found", name));

        var receipt = await _store.Messages.DeliverAsync(new DeliveryRequest(raw, [new MailboxDelivery(_account.Id, SpecialFolder.Inbox)]), default);
        var stored = Assert.IsType<StoredMessage>(receipt.Mailboxes.Single().Message);
        var summary = await _store.Messages.GetSummaryAsync(_account.Id, stored.Id, default);
        await _store.Messages.SearchAsync(_account.Id, SearchQuery.Parse(summary!.Subject), 0, 10, default);
        var message = MessageReader.Load((await _store.Messages.GetRawAsync(_account.Id, stored.Id, default))!);
        MessageReader.Read(stored.Id, message);

        Assert.InRange(summary.Preview.Length, 0, MessageParser.PreviewLength);
        Assert.False(HasLoneSurrogate(summary.Preview), "the preview holds half a surrogate pair");
        Assert.DoesNotContain("<script", MessageReader.RenderHtmlDocument(stored.Id, message!, allowRemote: false), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void PreviewCountsTheSpaceBeforeTheLastWordAgainstItsLength()
    {
        // 199 characters, then a space and a word: the space used to be added past the cap (201 characters).
        var raw = Encoding.ASCII.GetBytes("Subject: s\r\n\r\n" + new string('a', MessageParser.PreviewLength - 1) + " bc\r\n");

        var parsed = MessageParser.Parse(raw);

        Assert.Equal(new string('a', MessageParser.PreviewLength - 1), parsed.Preview);
    }

    [Fact]
    public void PreviewIsNeverCutInsideASurrogatePair()
    {
        var raw = Encoding.UTF8.GetBytes("Subject: s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + new string('a', MessageParser.PreviewLength - 1) + "\U0001F600 x\r\n");

        var parsed = MessageParser.Parse(raw);

        Assert.Equal(new string('a', MessageParser.PreviewLength - 1), parsed.Preview);
    }

    [Fact]
    public void StrayEndTagsDoNotHideDeepNestingFromTheLimitsCheck()
    {
        // 55,000 divs, each "balanced" by an end tag that closes nothing: AngleSharp nests them all (25 s).
        var raw = NastyMessages.StrayEndTags(55_000);
        var html = Encoding.ASCII.GetString(raw).Split("\r\n\r\n", 2)[1];
        var sanitizer = new SafeHtml(_ => null, allowRemote: false);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var safe = sanitizer.Sanitize(html);
        var content = MessageReader.Read(1, MessageReader.Load(raw));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.False(SafeHtml.IsWithinLimits(string.Concat(Enumerable.Repeat("<div></x>", SafeHtml.MaxDepth + 1))));
        Assert.True(sanitizer.ShowedText);
        Assert.Contains(NastyMessages.Marker, safe);
        Assert.False(content.HasHtmlBody);
        // End tags that do close something still count: balanced nesting far over the limit in total is fine.
        Assert.True(SafeHtml.IsWithinLimits(string.Concat(Enumerable.Repeat("<div><P>a</p></DIV>", 20_000))));
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return true;
        }
        return false;
    }
}
