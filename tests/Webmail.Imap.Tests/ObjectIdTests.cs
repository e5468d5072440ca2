using System.Text;
using System.Text.RegularExpressions;
using Webmail.Core.Model;

namespace Webmail.Imap.Tests;

/// <summary>OBJECTID (RFC 8474): MAILBOXID kept by a rename, EMAILID kept by a move, THREADID shared by a conversation.</summary>
public abstract class ObjectIdTests(ImapServerFixture fixture)
{
    [Fact]
    public async Task IdentifiersSurviveRenamesAndMovesAndNameConversations()
    {
        var account = await fixture.NewAccountAsync();
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        async Task<long> AppendAsync(string id, string? parent, string subject) =>
            (await fixture.Server.Messages.AppendAsync(account.Id, inbox.Id, Encoding.UTF8.GetBytes(
                $"From: a@example.org\r\nTo: {account.Address}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n" +
                (parent is null ? "" : $"In-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\n") + "\r\nBody.\r\n"), MessageFlags.None, enforceQuota: false)).Id;
        var root = await AppendAsync("root@t.example", null, "Plans");
        var reply = await AppendAsync("reply@t.example", "root@t.example", "Re: Plans");
        var other = await AppendAsync("other@t.example", null, "Other");

        await using var imap = await ImapTranscript.LoginAsync(fixture.Server.ImapPort, account.Address);
        Assert.Contains(" OBJECTID", (await imap.CommandAsync("CAPABILITY")).Untagged[0]);
        var create = await imap.CommandAsync("CREATE Projects");
        var projects = Assert.Single(await fixture.Server.Messages.GetFoldersAsync(account.Id, default), f => f.Name == "Projects");
        Assert.Equal($"OK [MAILBOXID (F{projects.Id})] CREATE completed", create.Status);
        await imap.CommandAsync("RENAME Projects Work");
        Assert.Equal([$"* STATUS \"Work\" (MAILBOXID (F{projects.Id}) MESSAGES 0)"], (await imap.CommandAsync("STATUS Work (MAILBOXID MESSAGES)")).Untagged);

        var select = await imap.CommandAsync("SELECT INBOX");
        Assert.Contains($"* OK [MAILBOXID (F{inbox.Id})] Ok", select.Untagged);
        var fetch = (await imap.CommandAsync("FETCH 1:3 (EMAILID THREADID)")).Untagged;
        var threads = fetch.Select(l => Regex.Match(l, @"THREADID \((T[0-9a-f]{24})\)").Groups[1].Value).ToList();
        Assert.Equal($"* 1 FETCH (EMAILID (M{root}) THREADID ({threads[0]}))", fetch[0]);
        Assert.Equal($"* 2 FETCH (EMAILID (M{reply}) THREADID ({threads[0]}))", fetch[1]);
        Assert.Equal($"* 3 FETCH (EMAILID (M{other}) THREADID ({threads[2]}))", fetch[2]);
        Assert.NotEqual(threads[0], threads[2]);

        Assert.Equal(["* SEARCH 1 2"], (await imap.CommandAsync($"SEARCH THREADID {threads[0]}")).Untagged);
        Assert.Equal(["* SEARCH 3"], (await imap.CommandAsync($"SEARCH EMAILID M{other}")).Untagged);

        // A moved message keeps its EMAILID.
        await imap.CommandAsync("MOVE 1 Work");
        await imap.CommandAsync("SELECT Work");
        Assert.Equal([$"* 1 FETCH (EMAILID (M{root}))"], (await imap.CommandAsync("FETCH 1 (EMAILID)")).Untagged);
    }
}

public sealed class ObjectIdTestsOnSqlite(ImapServerFixture fixture) : ObjectIdTests(fixture), IClassFixture<ImapServerFixture>;
public sealed class ObjectIdTestsOnPostgres(ImapServerFixtureOnPostgres fixture) : ObjectIdTests(fixture), IClassFixture<ImapServerFixtureOnPostgres>;
