using System.Text;
using MimeKit;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Imap.Tests;

/// <summary>
/// SEARCH BODY and TEXT are substring searches (RFC 9051 §6.4.4) answered through the word index:
/// the index narrows, each candidate is checked, and the answer is the exact one.
/// </summary>
public abstract class SearchIndexTests(ImapServerFixture fixture)
{
    private static readonly string[] Bodies =
    [
        "The quarterly report is attached.",
        "Biquarterly numbers, see the spreadsheet.",
        "Hello world, hello again",
        "Mon résumé est joint.",
        "Prices: 1234-5678 and x-ray vision",
        "Nothing special here",
        "REPORTING LINE: quarterly",
        "tail end of a sentence with report",
    ];

    private static string Message(int i, string body, string attachmentName) =>
        $"From: Sender {i} <s{i}@example.org>\r\nTo: reader@local.example\r\nSubject: Note {i}\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n" +
        $"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{attachmentName}\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n";

    [Fact]
    public async Task TextAndBodyFindSubstringsInsideWordsAcrossWordsAndInPartHeadersExactly()
    {
        var account = await fixture.NewAccountAsync();
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        var raws = new List<byte[]>();
        for (var i = 0; i < Bodies.Length; i++)
        {
            var raw = Encoding.UTF8.GetBytes(Message(i, Bodies[i], i == 5 ? "budget-2027.xlsx" : $"file{i}.bin"));
            raws.Add(raw);
            await fixture.Server.Messages.AppendAsync(account.Id, inbox.Id, raw, MessageFlags.None, enforceQuota: false);
        }
        await using var imap = await ImapTranscript.LoginAsync(fixture.Server.ImapPort, account.Address);
        await imap.CommandAsync("SELECT INBOX");

        // Hand-checked answers (UIDs are 1..8 in order).
        Assert.Equal("* SEARCH 1 2 7", await Search("TEXT quarterly"));
        Assert.Equal("* SEARCH 1 2 7", await Search("BODY QUARTERLY"));
        Assert.Equal("* SEARCH 2", await Search("BODY biquart"));
        Assert.Equal("* SEARCH 3", await Search("BODY \"ello wor\""));
        Assert.Equal("* SEARCH 4", await Search("BODY sum"));
        Assert.Equal("* SEARCH 5", await Search("BODY \"34-56\""));
        Assert.Equal("* SEARCH 1 7 8", await Search("BODY report"));
        Assert.Equal("* SEARCH 6", await Search("TEXT budget-2027"));
        Assert.Equal("* SEARCH", await Search("BODY budget-2027"));
        Assert.Equal("* SEARCH", await Search("TEXT zebra"));
        Assert.Equal("* SEARCH 4", await Search("TEXT \"s3@example\""));

        // Any string: the narrowed answer equals the brute-force one.
        var terms = new[] { "e", "rt", "port", "report is", "quarterly report", "a", "x-r", "-ray", "1234", "5678 and", "é", "jo", "line: q", "Note 1", "ttachment", "octet", "zz" };
        foreach (var term in terms)
        {
            foreach (var field in new[] { "TEXT", "BODY" })
            {
                var expected = Enumerable.Range(0, raws.Count).Where(i => Matches(raws[i], field, term)).Select(i => (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.True(string.Join(' ', new[] { "* SEARCH" }.Concat(expected)) == await Search($"{field} \"{term}\""), $"{field} \"{term}\"");
            }
        }

        async Task<string> Search(string criteria) => Assert.Single((await imap.CommandAsync("UID SEARCH " + criteria)).Untagged);
    }

    [Fact]
    public async Task OneWordIsProvenByTheIndexOnlyInAsciiTextAndTheVocabularyFollowsNewMail()
    {
        var account = await fixture.NewAccountAsync();
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        string[] bodies = ["An ASCII CAFE menu", "Un café noir", "Cafeteria hours", "Zeppelin rides"];
        foreach (var (body, i) in bodies.Select((b, i) => (b, i)))
            await fixture.Server.Messages.AppendAsync(account.Id, inbox.Id, Encoding.UTF8.GetBytes(Message(i, body, "a.bin")), MessageFlags.None, enforceQuota: false);
        IImapStore store = fixture.Server.Messages;

        var cafe = await store.TextCandidatesAsync(account.Id, inbox.Id, SearchTextField.Body, "cafe", default);
        if (fixture.Server.Provider == Webmail.Testing.StoreProvider.Postgres)
        {
            // PostgreSQL keeps no word index for IMAP's substring search: no candidates, the server checks every message.
            Assert.Null(cafe);
        }
        else
        {
            // "café" folds to the token "cafe" (remove_diacritics): a candidate, but only ASCII text is proven by its tokens.
            Assert.NotNull(cafe);
            Assert.Equal([1L, 2, 3], cafe.Uids);
            Assert.Equal([1L, 3], cafe.Proven.Order());
            // Two words are never proven by tokens (they need not be adjacent), whatever the text.
            var twoWords = await store.TextCandidatesAsync(account.Id, inbox.Id, SearchTextField.Body, "cafe menu", default);
            Assert.Empty(twoWords!.Proven);
        }

        await using var imap = await ImapTranscript.LoginAsync(fixture.Server.ImapPort, account.Address);
        await imap.CommandAsync("SELECT INBOX");
        Assert.Equal("* SEARCH 1 3", await Search("BODY cafe"));
        Assert.Equal("* SEARCH 4", await Search("TEXT eppelin"));

        // New mail changes the index; the vocabulary held in memory must follow it.
        await fixture.Server.Messages.AppendAsync(account.Id, inbox.Id, Encoding.UTF8.GetBytes(Message(9, "Two zeppelins overhead", "b.bin")), MessageFlags.None, enforceQuota: false);
        await imap.CommandAsync("NOOP");
        Assert.Equal("* SEARCH 4 5", await Search("TEXT eppelin"));
        Assert.Equal("* SEARCH 5", await Search("TEXT eppelins"));

        async Task<string> Search(string criteria) => Assert.Single((await imap.CommandAsync("UID SEARCH " + criteria)).Untagged);
    }

    /// <summary>The RFC's definition, by brute force: the decoded body, or any header field of the message or its parts.</summary>
    private static bool Matches(byte[] raw, string field, string term)
    {
        var message = MimeMessage.Load(new MemoryStream(raw));
        bool Has(string text) => text.Contains(term, StringComparison.OrdinalIgnoreCase);
        var body = Has(MessageParser.ExtractText(message));
        if (field == "BODY")
            return body;
        var headers = message.Headers.Concat(message.BodyParts.SelectMany(p => p.Headers)).Concat(message.Body is Multipart m ? m.Headers : []);
        return body || headers.Any(h => Has($"{h.Field}: {h.Value}"));
    }
}

public sealed class SearchIndexTestsOnSqlite(ImapServerFixture fixture) : SearchIndexTests(fixture), IClassFixture<ImapServerFixture>;
public sealed class SearchIndexTestsOnPostgres(ImapServerFixtureOnPostgres fixture) : SearchIndexTests(fixture), IClassFixture<ImapServerFixtureOnPostgres>;
