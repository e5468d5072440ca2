using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Invites;
using Webmail.Web.Tests.Compose;
using Webmail.Web.Tests.Ux;

namespace Webmail.Web.Tests.Invites;

/// <summary>An invitation in a real Chromium: the event card in the reader's zone, and Accept / Tentative / Decline sending the iTIP REPLY through the delivery pipeline.</summary>
[Collection(ComposeCollection.Name)]
public sealed class InviteFlowTests(ComposeFixture fixture)
{
    private async Task<IPage> OpenAsync(Account account, long id, string subject, int width = 1280, int height = 900)
    {
        var page = await fixture.SignInAsync(account, width, height);
        await page.Locator(".message-row", new() { HasText = subject }).Locator("a.message-link").ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url.EndsWith($"/message/{id}", StringComparison.Ordinal));
        return page;
    }

    private async Task InZoneAsync(Account account, string zone)
    {
        var settings = await fixture.Server.Directory.GetSettingsAsync(account.Id, default);
        await fixture.Server.Directory.SaveSettingsAsync(account.Id, settings with { TimeZone = zone }, default);
    }

    [Fact]
    public async Task AcceptingALocalOrganizersInvitationDeliversTheReplyToThem()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        await InZoneAsync(lucy, "America/New_York");
        var id = await fixture.DeliverAsync(lucy, InviteSamples.Message(betty.Address, lucy.Address, "Invitation: design review",
            InviteSamples.Review("REQUEST", betty.Address, lucy.Address)));
        var page = await OpenAsync(lucy, id, "Invitation: design review");

        var card = page.GetByRole(AriaRole.Region, new() { Name = "Design review, second round: the invoice screens and the new onboarding flow" });
        await Assertions.Expect(card).ToBeVisibleAsync();
        // 10:00 in Berlin is 04:00 in Lucy's zone.
        await Assertions.Expect(card).ToContainTextAsync("Thu, 10 Dec 2026 04:00 – 05:00 (America/New_York)");
        await Assertions.Expect(card).ToContainTextAsync("Room 4, Main building");
        await Assertions.Expect(card).ToContainTextAsync($"Betty Organizer <{betty.Address}>");
        await Screens.TakeAsync(page, "invite-card");

        await card.GetByRole(AriaRole.Button, new() { Name = "Accept", Exact = true }).ClickAsync();
        await Assertions.Expect(card.GetByRole(AriaRole.Status)).ToHaveTextAsync("You accepted. Betty Organizer has been told.");
        await Assertions.Expect(card.GetByRole(AriaRole.Button, new() { Name = "Accept", Exact = true })).ToHaveAttributeAsync("aria-pressed", "true");

        // The reply reached Betty's INBOX through the pipeline (and Lucy's Sent copy with it).
        var received = Assert.Single(await fixture.WaitForAsync(betty, SpecialFolder.Inbox)).Message;
        Assert.Equal("Accepted: Design review, second round: the invoice screens and the new onboarding flow", received.Subject);
        Assert.Equal(lucy.Address, received.From.Mailboxes.Single().Address);
        var ics = Assert.Single(received.BodyParts.OfType<TextPart>(), p => p.ContentType.IsMimeType("text", "calendar"));
        Assert.Equal("REPLY", ics.ContentType.Parameters["method"]);
        var lines = InviteReplyTests.Lines(ics.Text);
        Assert.Contains("METHOD:REPLY", lines);
        Assert.Contains("UID:review-42@b.example", lines);
        Assert.Contains("SEQUENCE:3", lines);
        Assert.Contains($"ORGANIZER;CN=Betty Organizer:mailto:{betty.Address}", lines);
        Assert.Equal([$"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{lucy.Address}"], lines.Where(l => l.StartsWith("ATTENDEE", StringComparison.Ordinal)));
        var sent = Assert.Single(await fixture.WaitForAsync(lucy, SpecialFolder.Sent)).Message;
        Assert.Equal(received.MessageId, sent.MessageId);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DecliningARemoteOrganizersInvitationQueuesTheReplyForThem()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var id = await fixture.DeliverAsync(lucy, InviteSamples.Message("organizer@b.example", lucy.Address, "Quarterly planning",
            InviteSamples.Review("REQUEST", "organizer@b.example", lucy.Address, uid: "planning-7@b.example")));
        var page = await OpenAsync(lucy, id, "Quarterly planning", 390, 844);

        var card = page.Locator(".invite-card");
        await Assertions.Expect(card).ToBeVisibleAsync();
        await Screens.TakeAsync(page, "invite-card-phone");
        await card.GetByRole(AriaRole.Button, new() { Name = "Decline", Exact = true }).ClickAsync();
        await Assertions.Expect(card.GetByRole(AriaRole.Status)).ToHaveTextAsync("You declined. Betty Organizer has been told.");

        var queue = fixture.Server.Services.GetRequiredService<IOutboundQueueStore>();
        var entry = Assert.Single((await queue.ListAsync(0, 500, default)).Items, e => e.SenderAccountId == lucy.Id);
        Assert.Equal(["organizer@b.example"], entry.Recipients);
        Assert.Equal(lucy.Address, entry.MailFrom);
        var sent = Assert.Single(await fixture.WaitForAsync(lucy, SpecialFolder.Sent)).Message;
        var lines = InviteReplyTests.Lines(sent.BodyParts.OfType<TextPart>().Single(p => p.ContentType.IsMimeType("text", "calendar")).Text);
        Assert.Contains("UID:planning-7@b.example", lines);
        Assert.Contains($"ATTENDEE;PARTSTAT=DECLINED:mailto:{lucy.Address}", lines);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ACancelledEventShowsAsCancelledWithoutButtons()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var id = await fixture.DeliverAsync(lucy, InviteSamples.Message("organizer@b.example", lucy.Address, "Cancelled: design review",
            InviteSamples.Review("CANCEL", "organizer@b.example", lucy.Address), method: "CANCEL"));
        var page = await OpenAsync(lucy, id, "Cancelled: design review");

        var card = page.Locator(".invite-card");
        await Assertions.Expect(card).ToContainTextAsync("This event was cancelled");
        await Assertions.Expect(card.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await Screens.TakeAsync(page, "invite-cancelled");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheResponderAnswersOnlyTheAccountsOwnInvitations()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var mallory = await fixture.NewAccountAsync("mallory");
        var id = await fixture.DeliverAsync(lucy, InviteSamples.Message("organizer@b.example", lucy.Address, "Private meeting",
            InviteSamples.Review("REQUEST", "organizer@b.example", lucy.Address)));
        var plain = await fixture.DeliverAsync(lucy, new MimeMessage(new[] { new MailboxAddress("", "x@b.example") }, new[] { new MailboxAddress("", lucy.Address) }, "Plain", new TextPart("plain") { Text = "hi" }));
        var responder = fixture.Server.Services.GetRequiredService<InviteResponder>();

        var stolen = await responder.RespondAsync(mallory.Id, id, InviteResponse.Accepted, default);
        var nothing = await responder.RespondAsync(lucy.Id, plain, InviteResponse.Accepted, default);

        Assert.Equal("The message does not exist any more.", stolen.Error);
        Assert.Equal("There is no invitation to answer in this message.", nothing.Error);
        Assert.Empty(await fixture.FolderAsync(mallory, SpecialFolder.Sent));
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
    }
}
