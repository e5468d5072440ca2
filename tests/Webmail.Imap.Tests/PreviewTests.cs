namespace Webmail.Imap.Tests;

/// <summary>PREVIEW (RFC 8970): the preview text stored at delivery, the same the web UI's list shows.</summary>
public abstract class PreviewTests(ImapServerFixture fixture)
{
    [Fact]
    public async Task FetchPreviewAnswersTheStoredPreview()
    {
        var account = await fixture.NewAccountAsync();
        var plain = await fixture.DeliverAsync(account, "plain", "Lunch at noon?\r\nSee you there.");
        var accented = await fixture.DeliverAsync(account, "accented", "Un café à midi ?");
        var previews = new List<string>();
        foreach (var id in new[] { plain.Id, accented.Id })
            previews.Add((await fixture.Server.Messages.GetSummaryAsync(account.Id, id, default))!.Preview);
        Assert.Equal("Lunch at noon? See you there.", previews[0]);

        await using var imap = await ImapTranscript.LoginAsync(fixture.Server.ImapPort, account.Address);
        Assert.Contains(" PREVIEW", (await imap.CommandAsync("CAPABILITY")).Untagged[0]);
        await imap.CommandAsync("SELECT INBOX");
        Assert.Equal([$"* 1 FETCH (PREVIEW \"{previews[0]}\")"], (await imap.CommandAsync("FETCH 1 (PREVIEW)")).Untagged);
        Assert.Equal([$"* 1 FETCH (PREVIEW \"{previews[0]}\" UID {plain.Uid})"], (await imap.CommandAsync("FETCH 1 (PREVIEW (LAZY) UID)")).Untagged);
        // UTF-8 text goes out as UTF-8 once the client accepts it (RFC 6855).
        await imap.CommandAsync("ENABLE UTF8=ACCEPT");
        Assert.Equal([$"* 2 FETCH (UID {accented.Uid} PREVIEW \"{previews[1]}\")"], (await imap.CommandAsync("UID FETCH 2 (PREVIEW)")).Untagged);
    }
}

public sealed class PreviewTestsOnSqlite(ImapServerFixture fixture) : PreviewTests(fixture), IClassFixture<ImapServerFixture>;
public sealed class PreviewTestsOnPostgres(ImapServerFixtureOnPostgres fixture) : PreviewTests(fixture), IClassFixture<ImapServerFixtureOnPostgres>;
