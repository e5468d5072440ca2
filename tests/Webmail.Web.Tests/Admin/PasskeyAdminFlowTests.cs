using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Webmail.Core.Accounts;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Admin;

/// <summary>The admin's view of passkeys: a passkey counts as two factors on, and the reset removes it.</summary>
public sealed class PasskeyAdminFlowTests(AdminServerFixture fixture) : IClassFixture<AdminServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task ResettingTwoFactorSignInRemovesEveryPasskey()
    {
        var account = await Server.CreateAccountAsync("lostkeys@admin.example", "lost keys password");
        // Stored as a registration would store them; the ceremony itself is PasskeyFlowTests' subject.
        var store = Server.Services.GetRequiredService<IPasskeyStore>();
        var handle = RandomNumberGenerator.GetBytes(32);
        foreach (var name in new[] { "Phone", "Security key" })
        {
            await store.AddPasskeyAsync(account.Id, new NewPasskey(RandomNumberGenerator.GetBytes(16), RandomNumberGenerator.GetBytes(77), 0, handle, name),
                PasskeyService.MaxPerAccount, new AuditRecord(account.Address, "passkey.add", account.Address, name), default);
        }
        var credentials = Server.Services.GetRequiredService<CredentialVerifier>();
        Assert.Equal(LoginStatus.AppPasswordRequired, (await credentials.VerifyAsync(account.Address, "lost keys password", null, "pop3", default)).Status);

        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin/accounts");
        await admin.GetByLabel("Search accounts").FillAsync("lostkeys@");
        var row = admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "lostkeys@admin.example" });
        await Assertions.Expect(row).ToContainTextAsync("2FA");
        await Assertions.Expect(row.GetByTitle("Two-factor sign-in is on: passkey")).ToBeVisibleAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Reset two-factor sign-in of lostkeys@admin.example" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Dialog)).ToContainTextAsync("all their passkeys");
        await admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Reset" }).ClickAsync();
        await Assertions.Expect(row).Not.ToContainTextAsync("2FA");

        Assert.Empty(await store.ListPasskeysAsync(account.Id, default));
        Assert.Equal(LoginStatus.Succeeded, (await credentials.VerifyAsync(account.Address, "lost keys password", null, "pop3", default)).Status);
        var audit = await Server.Services.GetRequiredService<IAuditLog>().QueryAsync("passkey.reset", 0, 10, default);
        var entry = Assert.Single(audit.Items, e => e.Target == account.Address);
        Assert.Equal((AdminServerFixture.AdminAddress, "2 passkey(s) removed"), (entry.Actor, entry.Detail));
    }
}
