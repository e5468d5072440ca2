using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Webmail.Web.Tests;

/// <summary>The app's script policy (script-src 'self' plus a nonce) breaks nothing a person does in Chromium.</summary>
public sealed class ContentSecurityPolicyTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task MailboxReadingAndComposingRunUnderThePolicyWithoutAViolation()
    {
        var account = await web.NewAccountAsync("csp");
        await web.DeliverAsync(account, "Policy check", body: "Body under the policy.");
        var page = await web.Browser.NewPageAsync();
        var violations = new ConcurrentQueue<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                violations.Enqueue(message.Text);
        };
        // Init scripts run outside the page's policy: they can watch every violation it reports.
        await page.AddInitScriptAsync("document.addEventListener('securitypolicyviolation', e => (window.__violations ||= []).push(e.violatedDirective + ' ' + e.blockedURI))");

        await Webmail.Testing.Browser.SignInAsync(page, web.Server, account.Address);
        await page.GetByRole(AriaRole.Link, new() { Name = "Policy check" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Reading pane" })).ToContainTextAsync("Body under the policy.");
        await page.GotoAsync(web.Server.BaseUrl + "/compose");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await page.GetByLabel("Subject").FillAsync("Typed under the policy");
        // The rich editor is a JavaScript module loaded through the import map (the one inline script).
        await page.GetByLabel("Rich text").CheckAsync();
        await page.Locator("#compose-body-rich").WaitForAsync();

        var reported = await page.EvaluateAsync<string[]>("() => window.__violations || []");
        Assert.Empty(reported);
        Assert.Empty(violations);
    }
}
