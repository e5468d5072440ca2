using MailKit.Net.Pop3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Admin;

/// <summary>What an admin does in the browser, end to end on the real server.</summary>
public sealed class AdminFlowTests(AdminServerFixture fixture) : IClassFixture<AdminServerFixture>
{
    private TestServer Server => fixture.Server;

    private static async Task CreateAccountInUiAsync(IPage page, string address, string password, string name = "")
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "New account" }).ClickAsync();
        await page.GetByLabel("Email address").FillAsync(address);
        if (name.Length > 0)
            await page.GetByLabel("Display name").FillAsync(name);
        await page.GetByLabel("Initial password").FillAsync(password);
        await AdminServerFixture.ScreenshotAsync(page, "admin-account-dialog");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        try
        {
            await page.GetByRole(AriaRole.Cell, new() { Name = address, Exact = true }).WaitForAsync();
        }
        catch (TimeoutException e)
        {
            // Say what the page shows instead: a refusal in the dialog, the dialog with its fields, or a table without the row.
            var dialog = page.GetByRole(AriaRole.Dialog);
            var shown = await dialog.CountAsync() > 0
                ? $"the dialog is still open: \"{await dialog.First.InnerTextAsync()}\", address field \"{await page.GetByLabel("Email address").InputValueAsync()}\", " +
                  $"password field {(await page.GetByLabel("Initial password").InputValueAsync()).Length} characters"
                : $"no dialog; the table shows \"{await page.GetByRole(AriaRole.Table).First.InnerTextAsync()}\"";
            throw new Xunit.Sdk.XunitException($"{address} did not appear in the accounts table ({e.Message.Split('\n')[0]}); {shown}");
        }
    }

    [Fact]
    public async Task AdminCreatesDomainAndAccountThatCanSignIn()
    {
        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/domains");
        await admin.GetByLabel("New domain").FillAsync("flow.example");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add domain" }).ClickAsync();
        await admin.GetByRole(AriaRole.Cell, new() { Name = "flow.example", Exact = true }).WaitForAsync();
        Assert.NotNull(await Server.Directory.FindDomainAsync("flow.example", default));

        await fixture.GoAsync(admin, "/admin/accounts");
        await CreateAccountInUiAsync(admin, "lucy@flow.example", "lucy password 1", "Lucy");
        var account = await Server.Directory.FindAccountAsync("lucy@flow.example", default);
        Assert.NotNull(account);
        Assert.Equal("Lucy", account.DisplayName);
        Assert.False(account.IsAdmin);

        var lucy = await fixture.Browser.NewPageAsync();
        await Browser.SignInAsync(lucy, Server, "lucy@flow.example", "lucy password 1");
        Assert.Equal(Server.BaseUrl + "/", lucy.Url);
    }

    [Fact]
    public async Task AdminGeneratesADkimKeyAndSeesTheRecordToPublish()
    {
        await Server.Services.GetRequiredService<DirectoryService>().AddDomainAsync("signed.example", "test", default);
        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/domains");

        await admin.GetByRole(AriaRole.Button, new() { Name = "Generate DKIM key for signed.example" }).ClickAsync();
        var dialog = admin.GetByRole(AriaRole.Dialog);
        await dialog.GetByText("DKIM record for signed.example").WaitForAsync();
        await AdminServerFixture.ScreenshotAsync(admin, "admin-dkim-record");

        var published = await Server.Services.GetRequiredService<Webmail.Mail.Dkim.DkimKeyService>().GetRecordAsync("signed.example", default);
        Assert.NotNull(published);
        Assert.Equal(published.Name, await dialog.GetByLabel("Record name").InputValueAsync());
        var value = await dialog.GetByLabel("TXT value").InputValueAsync();
        Assert.Equal(published.Value, value);
        Assert.StartsWith("v=DKIM1; k=rsa; p=", value, StringComparison.Ordinal);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();

        // The domain's row now names the selector, which opens the same record again.
        await admin.GetByRole(AriaRole.Button, new() { Name = "DKIM record for signed.example" }).ClickAsync();
        Assert.Equal(published.Value, await admin.GetByRole(AriaRole.Dialog).GetByLabel("TXT value").InputValueAsync());
    }

    [Fact]
    public async Task AdminSeesEveryDnsRecordTheDomainNeedsFromTheRunningListeners()
    {
        await Server.Services.GetRequiredService<DirectoryService>().AddDomainAsync("published.example", "test", default);
        var dkim = await Server.Services.GetRequiredService<Webmail.Mail.Dkim.DkimKeyService>().GenerateAsync("published.example", "test", default);
        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/domains");
        await admin.GetByRole(AriaRole.Button, new() { Name = "DNS records for published.example" }).ClickAsync();
        var table = admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Table);
        await table.WaitForAsync();
        await AdminServerFixture.ScreenshotAsync(admin, "admin-dns-records");

        var rows = (await table.GetByRole(AriaRole.Row).AllInnerTextsAsync()).Skip(1).Select(r => r.Split('\t').Select(c => c.Trim()).ToArray()).ToList();
        string Value(string name, string type) => Assert.Single(rows, r => r[0] == name && r[1] == type)[2];
        Assert.Equal("10 localhost.", Value("published.example", "MX"));
        Assert.Equal("v=spf1 mx -all", Value("published.example", "TXT"));
        Assert.Equal(dkim.Value, Value(dkim.Name, "TXT"));
        Assert.StartsWith("v=DMARC1; p=quarantine", Value("_dmarc.published.example", "TXT"), StringComparison.Ordinal);
        Assert.Equal("localhost.", Value("autoconfig.published.example", "CNAME"));
        Assert.Equal("localhost.", Value("autodiscover.published.example", "CNAME"));
        // RFC 6186: the running STARTTLS listeners with their ports; implicit TLS is off in the test server, so "." says so.
        Assert.Equal($"10 1 {Server.ImapPort} localhost.", Value("_imap._tcp.published.example", "SRV"));
        Assert.Equal($"10 1 {Server.Pop3Port} localhost.", Value("_pop3._tcp.published.example", "SRV"));
        Assert.Equal($"10 1 {Server.SubmissionPort} localhost.", Value("_submission._tcp.published.example", "SRV"));
        Assert.Equal("0 0 0 .", Value("_imaps._tcp.published.example", "SRV"));
        Assert.Equal("0 0 0 .", Value("_submissions._tcp.published.example", "SRV"));
        // MTA-STS (RFC 8461) and TLS-RPT (RFC 8460); the id is "1" until a mode is chosen.
        Assert.Equal("localhost.", Value("mta-sts.published.example", "CNAME"));
        Assert.Equal("v=STSv1; id=1", Value("_mta-sts.published.example", "TXT"));
        Assert.Equal("v=TLSRPTv1; rua=mailto:postmaster@published.example", Value("_smtp._tls.published.example", "TXT"));
        Assert.Equal(15, rows.Count);

        // The zone lines split the DKIM key into TXT strings of at most 255 octets.
        var records = await Server.Services.GetRequiredService<Webmail.Admin.DomainDnsRecords>().ForAsync("published.example", default);
        var dkimLine = Assert.Single(records, r => r.Name == dkim.Name).ToZoneLine();
        Assert.Equal(dkim.ToZoneLine(), dkimLine);
        await admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
    }

    [Fact]
    public async Task CheckDnsShowsEachRecordAsCorrectMissingOrDifferent()
    {
        await Server.Services.GetRequiredService<DirectoryService>().AddDomainAsync("checked.example", "test", default);
        var records = await Server.Services.GetRequiredService<Webmail.Admin.DomainDnsRecords>().ForAsync("checked.example", default);
        // The zone has the MX and SPF right, an old DMARC policy, and nothing else.
        fixture.Dns.Mx("checked.example", 10, "localhost").Txt("checked.example", "v=spf1 mx -all").Txt("_dmarc.checked.example", "v=DMARC1; p=none");
        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/domains");
        await admin.GetByRole(AriaRole.Button, new() { Name = "DNS records for checked.example" }).ClickAsync();
        var dialog = admin.GetByRole(AriaRole.Dialog);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Check DNS" }).ClickAsync();
        var summary = dialog.GetByRole(AriaRole.Status);
        // MTA-STS's name and record and TLS-RPT are optional: not published rather than missing.
        await Assertions.Expect(summary).ToHaveTextAsync($"2 correct, {records.Count - 6} missing, 1 different, 3 not published. DNS changes can take a while to be seen; check again later.");
        await AdminServerFixture.ScreenshotAsync(admin, "admin-dns-check");

        var rows = (await dialog.GetByRole(AriaRole.Table).GetByRole(AriaRole.Row).AllInnerTextsAsync()).Skip(1).Select(r => r.Split('\t').Select(c => c.Trim()).ToArray()).ToList();
        string Checked(string name, string type) => System.Text.RegularExpressions.Regex.Replace(Assert.Single(rows, r => r[0] == name && r[1] == type)[4], @"\s+", " ");
        Assert.StartsWith("Correct", Checked("checked.example", "MX"), StringComparison.Ordinal);
        Assert.StartsWith("Correct", Checked("checked.example", "TXT"), StringComparison.Ordinal);
        Assert.Equal("Different v=DMARC1; p=none A different DMARC policy: fine if you chose it.", Checked("_dmarc.checked.example", "TXT"));
        Assert.StartsWith("Missing", Checked("autoconfig.checked.example", "CNAME"), StringComparison.Ordinal);
        Assert.Equal("Not published Not published: senders use TLS when offered but do not insist.", Checked("_mta-sts.checked.example", "TXT"));

        // Published since: checked again, the client names are found.
        fixture.Dns.Cname("autoconfig.checked.example", "localhost");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Check DNS" }).ClickAsync();
        await Assertions.Expect(summary).ToHaveTextAsync($"3 correct, {records.Count - 7} missing, 1 different, 3 not published. DNS changes can take a while to be seen; check again later.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
    }

    [Fact]
    public async Task AdminSignsAnAccountOutEverywhere()
    {
        await Server.CreateAccountAsync("roaming@admin.example", "roaming password");
        var user = await fixture.SignedInPageAsync("roaming@admin.example", "roaming password");
        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/accounts");
        await admin.GetByLabel("Search accounts").FillAsync("roaming@");
        // The debounced search reloads the table: click only once it shows the one account (see DisablingAnAccountEndsItsWebSession).
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Sign out .* everywhere$") })).ToHaveCountAsync(1);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Sign out roaming@admin.example everywhere" }).ClickAsync();
        await admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await admin.GetByText("Ended 1 web session(s) of roaming@admin.example.").WaitForAsync();

        await user.GotoAsync(Server.BaseUrl + "/");
        await Browser.WaitForUrlAsync(user, url => url.Contains("/signin", StringComparison.Ordinal));
        var audit = await Server.Services.GetRequiredService<IAuditLog>().QueryAsync("sessions.end", 0, 10, default);
        var entry = Assert.Single(audit.Items, e => e.Target == "roaming@admin.example");
        Assert.Equal(AdminServerFixture.AdminAddress, entry.Actor);
    }

    [Fact]
    public async Task AdminSeesWhoHasTwoFactorsOnAndResetsThem()
    {
        var account = await Server.CreateAccountAsync("lostphone@admin.example", "lost phone password");
        var twoFactor = Server.Services.GetRequiredService<TwoFactorService>();
        var secret = TwoFactorService.NewSecret();
        await twoFactor.EnableAsync(account.Id, account.Address, secret, new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow), default);
        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/accounts");
        await admin.GetByLabel("Search accounts").FillAsync("lostphone@");
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Sign out .* everywhere$") })).ToHaveCountAsync(1);
        var row = admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "lostphone@admin.example" });
        await Assertions.Expect(row).ToContainTextAsync("2FA");
        await row.GetByRole(AriaRole.Button, new() { Name = "Reset two-factor sign-in of lostphone@admin.example" }).ClickAsync();
        await admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Reset" }).ClickAsync();
        await Assertions.Expect(row).Not.ToContainTextAsync("2FA");
        Assert.False((await Server.Directory.GetAccountAsync(account.Id, default))!.TwoFactorEnabled);
        var audit = await Server.Services.GetRequiredService<IAuditLog>().QueryAsync("twofactor.reset", 0, 10, default);
        Assert.Contains(audit.Items, e => e.Target == account.Address && e.Actor == AdminServerFixture.AdminAddress);
    }

    [Fact]
    public async Task WhenTheAdminRequiresTwoFactorsAUserSetsThemUpBeforeReadingMail()
    {
        await Server.CreateAccountAsync("required@admin.example", "required password");
        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/settings");
        await admin.GetByLabel("Require two-factor sign-in").ClickAsync();
        await admin.GetByRole(AriaRole.Option, new() { Name = "Everyone" }).ClickAsync();
        // The list closes once the choice is taken; a Save clicked while it was still open landed on its overlay.
        await Assertions.Expect(admin.GetByRole(AriaRole.Option, new() { Name = "Everyone" })).ToHaveCountAsync(0);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await admin.GetByText("Settings saved; they apply now.").WaitForAsync();
        var live = Server.Services.GetRequiredService<Webmail.Admin.LiveSettings>();
        try
        {
            Assert.Equal(2, live.GetOverride(Webmail.Admin.LiveSetting.RequireTwoFactor));
            var user = await fixture.SignedInPageAsync("required@admin.example", "required password");
            await Assertions.Expect(user.GetByRole(AriaRole.Alert)).ToContainTextAsync("Your administrator requires two-factor sign-in");
            await Assertions.Expect(user.GetByRole(AriaRole.Link, new() { Name = "Inbox" })).ToHaveCountAsync(0);
            await AdminServerFixture.ScreenshotAsync(user, "two-factor-required");

            await user.GetByRole(AriaRole.Button, new() { Name = "Set up two-factor sign-in" }).ClickAsync();
            var secret = (await user.GetByLabel("Authenticator key", new() { Exact = true }).InnerTextAsync()).Replace(" ", "");
            await user.GetByLabel("Code from the authenticator app").FillAsync(new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow));
            await user.GetByRole(AriaRole.Button, new() { Name = "Confirm and turn on" }).ClickAsync();
            await Assertions.Expect(user.GetByRole(AriaRole.List, new() { Name = "Recovery codes" }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(10);
            await user.GetByRole(AriaRole.Button, new() { Name = "Continue to your mail" }).ClickAsync();
            await Assertions.Expect(user.GetByRole(AriaRole.Link, new() { Name = "Inbox" })).ToBeVisibleAsync();
            Assert.True((await Server.Directory.FindAccountAsync("required@admin.example", default))!.TwoFactorEnabled);
        }
        finally
        {
            await live.SetAsync(Webmail.Admin.LiveSetting.RequireTwoFactor, null, "test", default);
        }
    }

    [Fact]
    public async Task RemovingADomainWithAccountsIsRefusedWithAClearMessage()
    {
        await Server.CreateAccountAsync("kept@busy.example");
        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/domains");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Remove busy.example" }).ClickAsync();
        await admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();

        var alert = admin.GetByRole(AriaRole.Alert).Filter(new() { HasText = "busy.example" }).First;
        await alert.WaitForAsync();
        Assert.Contains("still has 1 account", await alert.InnerTextAsync());
        Assert.NotNull(await Server.Directory.FindDomainAsync("busy.example", default));
    }

    [Fact]
    public async Task DisablingAnAccountEndsItsWebSession()
    {
        await Server.CreateAccountAsync("betty@off.example", "betty password");
        var betty = await fixture.SignedInPageAsync("betty@off.example", "betty password");

        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/accounts");
        await admin.GetByLabel("Search accounts").FillAsync("betty@off");
        // The search is debounced (300 ms) and reloads the table: wait for its result before clicking in the
        // table. Under load the click otherwise landed while the search's renders replaced the table's content
        // (or, taking the focus from the field, set the search off itself), and it never reached the Disable
        // handler: the account stayed enabled and no Enable button came.
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Disable ") })).ToHaveCountAsync(1);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Disable betty@off.example" }).ClickAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Enable betty@off.example" }).WaitForAsync();
        Assert.True((await Server.Directory.FindAccountAsync("betty@off.example", default))!.IsDisabled);

        // The cookie is checked against the security stamp on every request: the next page load signs her out.
        await betty.ReloadAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(betty, url => url.Contains("/signin", StringComparison.Ordinal));

        // And she cannot sign in again.
        await betty.GetByLabel("Email address").FillAsync("betty@off.example");
        await betty.GetByLabel("Password").FillAsync("betty password");
        await betty.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await betty.GetByRole(AriaRole.Alert).WaitForAsync();
        Assert.Contains("/signin", betty.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewAccountLogsInOverPop3AndIsRefusedOnceDisabled()
    {
        var admin = await fixture.SignedInPageAsync();
        await Server.Services.GetRequiredService<Core.Accounts.DirectoryService>().AddDomainAsync("pop.example", "test", default);
        await fixture.GoAsync(admin, "/admin/accounts");
        await CreateAccountInUiAsync(admin, "carol@pop.example", "carol password");

        using (var pop = new Pop3Client())
        {
            await pop.ConnectAsync("127.0.0.1", Server.Pop3Port, MailKit.Security.SecureSocketOptions.None);
            await pop.AuthenticateAsync("carol@pop.example", "carol password");
            Assert.Equal(0, pop.Count);
            await pop.DisconnectAsync(true);
        }

        await admin.GetByLabel("Search accounts").FillAsync("carol@pop");
        // The search is debounced (300 ms) and re-renders the table: wait until only carol's row is left.
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Disable ") })).ToHaveCountAsync(1);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Disable carol@pop.example" }).ClickAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Enable carol@pop.example" }).WaitForAsync();

        using var refused = new Pop3Client();
        await refused.ConnectAsync("127.0.0.1", Server.Pop3Port, MailKit.Security.SecureSocketOptions.None);
        await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => refused.AuthenticateAsync("carol@pop.example", "carol password"));
    }

    [Fact]
    public async Task AliasMadeInTheUiDeliversToItsTargetsInbox()
    {
        var target = await Server.CreateAccountAsync("dora@alias.example");
        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/aliases");
        await admin.GetByRole(AriaRole.Button, new() { Name = "New alias" }).ClickAsync();
        await admin.GetByLabel("Alias address").FillAsync("info@alias.example");
        await admin.GetByLabel("Target accounts").FillAsync("dora@alias.example");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save alias" }).ClickAsync();
        await admin.GetByRole(AriaRole.Cell, new() { Name = "info@alias.example", Exact = true }).WaitForAsync();

        // A real SMTP client delivers to the alias over the inbound port.
        using (var smtp = new MailKit.Net.Smtp.SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", Server.SmtpPort, MailKit.Security.SecureSocketOptions.None);
            var message = MimeKit.MimeMessage.Load(new MemoryStream(TestMessages.Simple(to: "info@alias.example", subject: "For the alias")));
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(true);
        }

        var inbox = await Server.Messages.GetSpecialFolderAsync(target.Id, SpecialFolder.Inbox, default);
        var page = await Server.Messages.ListAsync(target.Id, inbox.Id, 0, 10, MessageSort.DateDescending, default);
        Assert.Equal("For the alias", Assert.Single(page.Items).Subject);
    }

    [Fact]
    public async Task AliasToAnUnknownAccountIsRefusedInTheDialog()
    {
        await Server.CreateAccountAsync("erin@alias2.example");
        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/aliases");
        await admin.GetByRole(AriaRole.Button, new() { Name = "New alias" }).ClickAsync();
        await admin.GetByLabel("Alias address").FillAsync("sales@alias2.example");
        await admin.GetByLabel("Target accounts").FillAsync("nobody@alias2.example");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save alias" }).ClickAsync();

        var alert = admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Alert);
        await alert.WaitForAsync();
        Assert.Contains("not a local account", await alert.InnerTextAsync());
        Assert.DoesNotContain(await Server.Directory.ListAliasesAsync(default), a => a.Address == "sales@alias2.example");
    }
}
