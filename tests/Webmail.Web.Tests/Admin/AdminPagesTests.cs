using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Admin;

/// <summary>An admin opens every admin page and sees its content (screenshots land in WEBMAIL_SCREENSHOTS when it names a folder).</summary>
public sealed class AdminPagesTests(AdminServerFixture fixture) : IClassFixture<AdminServerFixture>
{
    [Fact]
    public async Task AdminSeesEveryAdminPage()
    {
        await fixture.Server.CreateAccountAsync("ann@pages.example", quota: 10 * 1024);
        var ann = (await fixture.Server.Directory.FindAccountAsync("ann@pages.example", default))!;
        await fixture.Server.Messages.DeliverAsync(new DeliveryRequest(TestMessages.OfSize(9500, to: "ann@pages.example"), [new MailboxDelivery(ann.Id, SpecialFolder.Inbox)]), default);
        await fixture.Server.Services.GetRequiredService<Core.Accounts.DirectoryService>().SetAliasAsync("team@pages.example", ["ann@pages.example", AdminServerFixture.AdminAddress], "test", default);
        await fixture.Server.Services.GetRequiredService<IServerStateStore>().RecordMailEventAsync(MailEventKind.Received, 4, default);

        var page = await fixture.SignedInPageAsync();
        var expectations = new (string Path, string Heading, string Shows)[]
        {
            ("/admin", "Dashboard", "Listeners"),
            ("/admin/domains", "Domains", "pages.example"),
            ("/admin/accounts", "Accounts", "ann@pages.example"),
            ("/admin/aliases", "Aliases", "team@pages.example"),
            ("/admin/queue", "Outbound queue", "The queue is empty"),
            ("/admin/audit", "Audit log", "alias.set"),
            ("/admin/settings", "Server settings", "Save settings"),
        };
        foreach (var (path, heading, shows) in expectations)
        {
            await fixture.GoAsync(page, path);
            await page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 }).WaitForAsync();
            await page.GetByText(shows).First.WaitForAsync();
            await AdminServerFixture.ScreenshotAsync(page, "admin" + path.Replace('/', '-').TrimEnd('-'));
        }
        // Ann is at 95 % of her quota: the accounts table warns.
        await fixture.GoAsync(page, "/admin/accounts");
        await page.GetByText("almost full").First.WaitForAsync();
    }
}
