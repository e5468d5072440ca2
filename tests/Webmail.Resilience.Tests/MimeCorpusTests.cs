using System.Diagnostics;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Reading;
using Webmail.Resilience.Tests.Corpus;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>The ingest path (MIME parse → text extraction → store with FTS) and the HTML sanitizer, fed the nasty corpus: bounded time and memory, no exception.</summary>
public sealed class MimeCorpusTests : IAsyncLifetime
{
    private readonly TestStore _store = new();
    private Account _account = null!;

    public static TheoryData<string> Names => new(NastyMessages.All.Keys);

    public async Task InitializeAsync() => _account = await _store.CreateAccountAsync("user@local.example");

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Theory]
    [MemberData(nameof(Names))]
    public async Task NastyMessageIsParsedStoredAndSearchableInBoundedTimeAndMemory(string name)
    {
        var raw = NastyMessages.All[name]();

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var parsed = MessageParser.Parse(raw);
        var parseTime = clock.Elapsed;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.True(parseTime < TimeSpan.FromSeconds(10), $"{name}: parse took {parseTime}");
        Assert.True(allocated < 64L * 1024 * 1024 + 40L * raw.Length, $"{name}: parse allocated {allocated / 1024 / 1024} MB for {raw.Length / 1024} KB");
        Assert.True(parsed.BodyText.Length <= MessageParser.MaxIndexedText + 1024, $"{name}: indexed text {parsed.BodyText.Length} chars");

        var inbox = await _store.Messages.GetSpecialFolderAsync(_account.Id, SpecialFolder.Inbox, default);
        clock.Restart();
        var stored = await _store.Messages.AppendAsync(_account.Id, inbox.Id, raw, MessageFlags.None);
        var found = await _store.Messages.SearchAsync(_account.Id, new SearchQuery { Terms = [NastyMessages.Marker] }, 0, 10, default);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"{name}: store and search took {clock.Elapsed}");

        // Raw bytes are the source of truth: exactly what came in comes out.
        Assert.Equal(raw, await _store.Messages.GetRawAsync(_account.Id, stored.Id, default));
        if (name is not "deep-nesting-1000" and not "unterminated-boundaries" and not "html-bomb" and not "no-headers-at-all")
            Assert.Contains(found.Items, m => m.Id == stored.Id);
    }

    [Fact]
    public void HtmlBombIsShownAsEscapedTextWithoutScriptsOrRemoteContent()
    {
        // 20,000 nested divs: AngleSharp alone would take seconds (quadratic in depth), so the sanitizer
        // must not parse it at all and show its text instead.
        var html = HtmlOf(NastyMessages.HtmlBomb(20_000));
        var sanitizer = new SafeHtml(_ => null, allowRemote: false);

        var safe = sanitizer.Sanitize(html);

        Assert.True(sanitizer.ShowedText);
        Assert.StartsWith("<p><em>" + SafeHtml.TooLargeNotice, safe);
        Assert.Contains(NastyMessages.Marker, safe);
        Assert.DoesNotContain("<script", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<div", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("evil.example", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("alert", safe, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void HtmlBombWithinTheDepthLimitIsSanitizedWithoutScriptsOrRemoteContent()
    {
        var html = HtmlOf(NastyMessages.HtmlBomb(SafeHtml.MaxDepth - 10));
        var sanitizer = new SafeHtml(_ => null, allowRemote: false);

        var safe = sanitizer.Sanitize(html);

        Assert.False(sanitizer.ShowedText);
        Assert.Contains("<div", safe);
        Assert.Contains(NastyMessages.Marker, safe);
        Assert.DoesNotContain("<script", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onerror", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onclick", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("evil.example", safe, StringComparison.OrdinalIgnoreCase);
        Assert.True(sanitizer.HasRemoteContent);
    }

    [Theory]
    [InlineData(200_000)]
    [InlineData(1_000)]
    public void DepthAndLengthCheckIsLinearAndRefusesOnlyWhatIsOverTheLimits(int depth)
    {
        // The check itself must stay linear: unclosed tags without '>' and huge nesting cannot slow it.
        var deep = string.Concat(Enumerable.Repeat("<div>", depth));
        var unclosed = string.Concat(Enumerable.Repeat("<a", SafeHtml.MaxLength / 2));

        Assert.Equal(depth <= SafeHtml.MaxDepth, SafeHtml.IsWithinLimits(deep));
        Assert.True(SafeHtml.IsWithinLimits(unclosed));
        Assert.False(SafeHtml.IsWithinLimits(new string('x', SafeHtml.MaxLength + 1)));
        Assert.True(SafeHtml.IsWithinLimits(string.Concat(Enumerable.Repeat("<p>a<br><img src=x/></p>", 5000))));
    }

    [Fact]
    public void ReadingPaneShowsTheTextOfAnHtmlBombAndKeepsItsAttachments()
    {
        var message = MessageReader.Load(NastyMessages.HtmlBomb(20_000));

        var content = MessageReader.Read(1, message);
        var document = MessageReader.RenderHtmlDocument(1, message!, allowRemote: true);

        Assert.False(content.HasHtmlBody);
        Assert.StartsWith(SafeHtml.TooLargeNotice, content.TextBody);
        Assert.Contains(NastyMessages.Marker, content.TextBody);
        Assert.DoesNotContain("evil.example", document, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", document, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void HugeFoldedHeaderInsideAPartAndManyPartsAreParsedThroughTheBoundedView()
    {
        var folded = string.Concat(Enumerable.Repeat("\r\n " + new string('a', 76), 100_000));
        var raw = System.Text.Encoding.ASCII.GetBytes("Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nX-Folded: x" + folded +
            "\r\nContent-Type: text/plain\r\n\r\n" + NastyMessages.Marker + "\r\n" + string.Concat(Enumerable.Repeat("--b\r\n\r\nx\r\n", 200_000)) + "--b--\r\n");

        var view = MimeInput.Bound(raw, out var reduced);
        var parsed = MessageParser.Parse(raw);

        Assert.True(reduced);
        Assert.True(view.Length < raw.Length, "the view ends before the excess parts");
        Assert.Contains(NastyMessages.Marker, parsed.BodyText);
        Assert.Equal("s", parsed.Subject);
        // Within the bounds nothing is copied or changed.
        var ordinary = NastyMessages.BrokenBase64();
        Assert.True(MimeInput.Bound(ordinary, out var untouched).Span.SequenceEqual(ordinary));
        Assert.False(untouched);
    }

    private static string HtmlOf(byte[] message) => System.Text.Encoding.ASCII.GetString(message).Split("\r\n\r\n", 2)[1];

    [Theory]
    [InlineData("invoice\u202Efdp.exe", "invoicefdp.exe")]
    [InlineData("../../../etc/passwd", "passwd")]
    [InlineData("C:\\Windows\\system32\\x.dll", "x.dll")]
    [InlineData("a\r\nContent-Type: text/html", "html")]
    [InlineData("\0\u0001\u0002", "attachment")]
    public void HostileAttachmentNameIsCleanedForDownload(string name, string expected) =>
        Assert.Equal(expected, DownloadFileName.Clean(name));
}
