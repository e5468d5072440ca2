using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using Webmail.Core.Model;
using MessageFlags = MailKit.MessageFlags;
using Model = Webmail.Core.Model;

namespace Webmail.Imap.Tests;

/// <summary>Whole flows with MailKit's ImapClient over a real socket against a whole server.</summary>
public abstract class MailKitFlowTests(ImapServerFixture fixture)
{
    private async Task<ImapClient> ConnectAsync(Account account, SecureSocketOptions security = SecureSocketOptions.None)
    {
        var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", fixture.Server.ImapPort, security);
        await client.AuthenticateAsync(account.Address, ImapServerFixture.Password);
        return client;
    }

    [Fact]
    public async Task StartTlsAuthenticatePlainListSpecialUseSelectAndFetchSummaries()
    {
        var account = await fixture.NewAccountAsync();
        await fixture.DeliverAsync(account, "first");
        await fixture.DeliverAsync(account, "second", flags: Model.MessageFlags.Seen);

        using var client = await ConnectAsync(account, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Idle));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.UidPlus));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Move));

        var sent = client.GetFolder(MailKit.SpecialFolder.Sent)!;
        Assert.Equal("Sent", sent.FullName);
        Assert.NotNull(client.GetFolder(MailKit.SpecialFolder.Trash));

        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(2, inbox.Count);
        var summaries = await inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.Envelope | MessageSummaryItems.Size);
        Assert.Equal(["first", "second"], summaries.Select(s => s.Envelope!.Subject));
        Assert.False(summaries[0].Flags!.Value.HasFlag(MessageFlags.Seen));
        Assert.True(summaries[1].Flags!.Value.HasFlag(MessageFlags.Seen));

        var message = await inbox.GetMessageAsync(summaries[0].UniqueId);
        Assert.Equal("first", message.Subject);
        var raw = await fixture.Server.Messages.GetRawAsync(account.Id, (await fixture.Server.Messages.ListAsync(account.Id, inbox_id(), 0, 10, MessageSort.DateAscending, default)).Items[0].Id, default);
        Assert.Equal(raw!.Length, (int)summaries[0].Size!.Value);
        await client.DisconnectAsync(true);

        long inbox_id() => fixture.Server.Messages.GetSpecialFolderAsync(account.Id, Model.SpecialFolder.Inbox, default).Result.Id;
    }

    [Fact]
    public async Task StoreMoveAppendAndExpungeReachTheStore()
    {
        var account = await fixture.NewAccountAsync();
        var first = await fixture.DeliverAsync(account, "flag me");
        await fixture.DeliverAsync(account, "move me");

        using var client = await ConnectAsync(account);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        await inbox.AddFlagsAsync(new UniqueId((uint)first.Uid), MessageFlags.Flagged | MessageFlags.Seen, silent: false);
        var stored = await fixture.Server.Messages.GetSummaryAsync(account.Id, first.Id, default);
        Assert.True(stored!.Flags.HasFlag(Model.MessageFlags.Flagged | Model.MessageFlags.Seen));

        var archive = client.GetFolder(MailKit.SpecialFolder.Archive)!;
        var moved = await inbox.MoveToAsync(new UniqueId(first.Uid == 1 ? 2u : 1u), archive);
        Assert.NotNull(moved);
        Assert.Equal(1, inbox.Count);
        var archived = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, Model.SpecialFolder.Archive, default);
        Assert.Equal(1, archived.MessageCount);

        var drafts = client.GetFolder(MailKit.SpecialFolder.Drafts)!;
        var draft = new MimeMessage();
        draft.From.Add(MailboxAddress.Parse(account.Address));
        draft.Subject = "a draft";
        draft.Body = new TextPart("plain") { Text = "draft body" };
        var appended = await drafts.AppendAsync(draft, MessageFlags.Draft | MessageFlags.Seen);
        Assert.NotNull(appended);
        var draftsFolder = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, Model.SpecialFolder.Drafts, default);
        Assert.Equal(1, draftsFolder.MessageCount);

        await inbox.AddFlagsAsync(0, MessageFlags.Deleted, silent: true);
        await inbox.ExpungeAsync();
        Assert.Equal(0, inbox.Count);
        Assert.Equal(0, (await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, Model.SpecialFolder.Inbox, default)).MessageCount);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task SearchFindsBySubjectBodyFlagsAndUid()
    {
        var account = await fixture.NewAccountAsync();
        await fixture.DeliverAsync(account, "Quarterly report", "numbers inside");
        await fixture.DeliverAsync(account, "Lunch?", "pizza at noon", flags: Model.MessageFlags.Seen);
        await fixture.DeliverAsync(account, "Re: Quarterly report", "more numbers");

        using var client = await ConnectAsync(account);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(2, (await inbox.SearchAsync(SearchQuery.SubjectContains("quarterly"))).Count);
        Assert.Single(await inbox.SearchAsync(SearchQuery.BodyContains("PIZZA")));
        Assert.Equal(2, (await inbox.SearchAsync(SearchQuery.NotSeen)).Count);
        Assert.Single(await inbox.SearchAsync(SearchQuery.SubjectContains("report").And(SearchQuery.BodyContains("more"))));
        Assert.Empty(await inbox.SearchAsync(SearchQuery.BodyContains("absent")));
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task IdleSessionHearsOfMailDeliveredAndFlagsChangedElsewhere()
    {
        var account = await fixture.NewAccountAsync();
        var first = await fixture.DeliverAsync(account, "before idle");

        using var client = await ConnectAsync(account);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var arrived = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var flagged = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => arrived.TrySetResult(inbox.Count);
        inbox.MessageFlagsChanged += (_, e) => flagged.TrySetResult(e.Flags.HasFlag(MessageFlags.Flagged));

        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);
        await Task.Delay(200);
        await fixture.DeliverAsync(account, "during idle");
        Assert.Equal(2, await arrived.Task.WaitAsync(TimeSpan.FromSeconds(5)));

        // A change through another door (the web UI's store call).
        await fixture.Server.Messages.SetFlagsAsync(account.Id, [first.Id], Model.MessageFlags.Flagged, true, default);
        Assert.True(await flagged.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        await done.CancelAsync();
        await idle;
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task QuotaIsReportedFromTheAccount()
    {
        var account = await fixture.NewAccountAsync(quota: 10 * 1024 * 1024);
        using var client = await ConnectAsync(account);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Quota));
        var quota = await client.Inbox.GetQuotaAsync();
        Assert.Equal(10u * 1024, quota.StorageLimit);
        await client.DisconnectAsync(true);
    }
}

public sealed class MailKitFlowTestsOnSqlite(ImapServerFixture fixture) : MailKitFlowTests(fixture), IClassFixture<ImapServerFixture>;
public sealed class MailKitFlowTestsOnPostgres(ImapServerFixtureOnPostgres fixture) : MailKitFlowTests(fixture), IClassFixture<ImapServerFixtureOnPostgres>;
