using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;
using Webmail.Web.Tests.Compose;

namespace Webmail.Web.Tests.Ux;

/// <summary>
/// Undo send in a real Chromium: the composer holds the message, the snackbar offers Undo for the hold, the server
/// releases it through the delivery pipeline even when the page is gone, and Undo brings it back as a draft.
/// </summary>
[Collection(ComposeCollection.Name)]
public sealed class UndoSendFlowTests(ComposeFixture fixture)
{
    private IHeldSubmissionStore Held => fixture.Server.Services.GetRequiredService<IHeldSubmissionStore>();

    private static async Task WriteAsync(IPage page, string to, string subject, string body)
    {
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(to);
        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync(subject);
        await page.GetByLabel("Body", new() { Exact = true }).FillAsync(body);
    }

    [Fact]
    public async Task AHeldMessageIsSentByTheServerAfterThePageCloses()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        await fixture.SetUndoSendAsync(lucy, 5);
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        await WriteAsync(page, betty.Address, "Held for five", "Sent by the server.");

        // Ctrl+Enter sends from the body.
        await page.GetByLabel("Body", new() { Exact = true }).PressAsync("Control+Enter");

        var notice = page.Locator(".mud-snackbar", new() { HasText = "Sending in" });
        await Assertions.Expect(notice).ToContainTextAsync(new System.Text.RegularExpressions.Regex("Sending in [45] s"));
        await Assertions.Expect(notice.GetByRole(AriaRole.Button, new() { Name = "Undo" })).ToBeVisibleAsync();
        var held = Assert.Single(await Held.ListAsync(lucy.Id, default));
        await Screens.TakeAsync(page, "undo-send");
        await page.Context.CloseAsync();

        // It goes with no page open, through the pipeline (Betty's copy, Lucy's Sent copy), and not before its time.
        var received = Assert.Single(await fixture.WaitForAsync(betty, SpecialFolder.Inbox, timeoutMs: 30_000));
        Assert.True(received.Summary.InternalDate >= held.ReleaseAt.AddMilliseconds(-1), $"delivered at {received.Summary.InternalDate:O}, held until {held.ReleaseAt:O}");
        Assert.Equal("Held for five", received.Message.Subject);
        Assert.Contains("Sent by the server.", received.Message.TextBody);
        Assert.Equal("Held for five", Assert.Single(await fixture.WaitForAsync(lucy, SpecialFolder.Sent)).Message.Subject);
        Assert.Empty(await Held.ListAsync(lucy.Id, default));
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));
    }

    [Fact]
    public async Task UndoBringsTheMessageBackToTheComposerAndNothingIsSent()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        await fixture.SetUndoSendAsync(lucy, 30);
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        await WriteAsync(page, betty.Address, "Second thoughts", "Maybe not.");
        await ComposeFixture.SendAsync(page);

        await page.Locator(".mud-snackbar", new() { HasText = "Sending in" }).GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();

        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url.Contains("/compose?draft=", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByLabel("Subject", new() { Exact = true })).ToHaveValueAsync("Second thoughts");
        await Assertions.Expect(page.GetByLabel("Body", new() { Exact = true })).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^Maybe not\\."));
        Assert.Equal(betty.Address, await ComposeFixture.AddressesAsync(page, "To"));
        Assert.Empty(await Held.ListAsync(lucy.Id, default));
        Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));
        Assert.Empty(await fixture.FolderAsync(betty, SpecialFolder.Inbox));
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Sent));

        // Sent again from the draft (undo send off now): it goes once, and the draft goes with it.
        await fixture.SetUndoSendAsync(lucy, 0);
        await ComposeFixture.SendAsync(page);
        Assert.Single(await fixture.WaitForAsync(betty, SpecialFolder.Inbox));
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SendAsksAboutAnEmptySubjectAndAForgottenAttachment()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        await WriteAsync(page, betty.Address, "", "Please see the attached report.");

        await page.Locator(".compose-form").GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync("This message has no subject.");
        await Assertions.Expect(dialog).ToContainTextAsync("The text says “attached”, but no file is attached.");
        await Screens.TakeAsync(page, "send-prompt");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep editing" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Sent));

        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync("The report");
        await page.Locator(".compose-form").GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("“attached”");
        await Assertions.Expect(dialog).Not.ToContainTextAsync("no subject");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Send anyway" }).ClickAsync();

        Assert.Equal("The report", Assert.Single(await fixture.WaitForAsync(betty, SpecialFolder.Inbox)).Message.Subject);
        await page.Context.CloseAsync();
    }
}
