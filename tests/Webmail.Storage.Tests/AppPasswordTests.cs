using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>App passwords through the one credential check, on the real store.</summary>
public abstract class AppPasswordTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly TestStore _store = new(provider, new Dictionary<string, string?> { ["Webmail:Security:LoginDelayStep"] = "00:00:00.010" });

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _store.DisposeAsync();

    private AppPasswordService Service => _store.Services.GetRequiredService<AppPasswordService>();

    private Task<LoginStatus> LoginAsync(string address, string password, string door) =>
        _store.Services.GetRequiredService<CredentialVerifier>().VerifyAsync(address, password, IPAddress.Parse("192.0.2.5"), door, default).ContinueWith(t => t.Result.Status);

    [Fact]
    public async Task AnAppPasswordSignsInToTheProtocolsItAllowsOnlyAndOnlyForItsOwnAccount()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example", "lucy's own password");
        await _store.CreateAccountAsync("betty@a.example", "betty's own password");
        var (created, secret) = await Service.CreateAsync(lucy.Id, lucy.Address, "  Phone ", AppPasswordProtocols.Imap | AppPasswordProtocols.Smtp, default);
        Assert.Equal("Phone", created.Name);
        Assert.Matches("^[a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4}$", secret);

        Assert.Equal(LoginStatus.Succeeded, await LoginAsync("lucy@a.example", secret, "imap"));
        // Typed without the spaces, or in capitals, as phones like to.
        Assert.Equal(LoginStatus.Succeeded, await LoginAsync("Lucy@A.example", secret.Replace(" ", "").ToUpperInvariant(), "smtp"));
        Assert.Equal(LoginStatus.Failed, await LoginAsync("lucy@a.example", secret, "pop3"));
        Assert.Equal(LoginStatus.Failed, await LoginAsync("lucy@a.example", secret, "web"));
        Assert.Equal(LoginStatus.Failed, await LoginAsync("betty@a.example", secret, "imap"));
        // Without two factors the account password keeps working beside it.
        Assert.Equal(LoginStatus.Succeeded, await LoginAsync("lucy@a.example", "lucy's own password", "imap"));

        var listed = Assert.Single(await Service.ListAsync(lucy.Id, default));
        Assert.Equal("192.0.2.5", listed.LastIp);
        Assert.NotNull(listed.LastUsedAt);
        Assert.Empty(await Service.ListAsync((await _store.Directory.FindAccountAsync("betty@a.example", default))!.Id, default));

        // Revoked: refused at the next login (nothing remembers it), and a second revoke says so.
        await Service.RevokeAsync(lucy.Id, lucy.Address, listed, default);
        Assert.Equal(LoginStatus.Failed, await LoginAsync("lucy@a.example", secret, "imap"));
        await Assert.ThrowsAsync<DirectoryException>(() => Service.RevokeAsync(lucy.Id, lucy.Address, listed, default));

        var audit = await _store.Services.GetRequiredService<IAuditLog>().QueryAsync("apppassword", 0, 10, default);
        Assert.Equal(["apppassword.add", "apppassword.revoke"], audit.Items.Select(a => a.Action).Order());
        Assert.DoesNotContain(audit.Items, a => a.Detail.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NamesAndProtocolsAreValidatedAndAnAccountHoldsAtMostFifty()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");
        await Assert.ThrowsAsync<DirectoryException>(() => Service.CreateAsync(lucy.Id, lucy.Address, " ", AppPasswordProtocols.All, default));
        await Assert.ThrowsAsync<DirectoryException>(() => Service.CreateAsync(lucy.Id, lucy.Address, new string('x', 51), AppPasswordProtocols.All, default));
        await Assert.ThrowsAsync<DirectoryException>(() => Service.CreateAsync(lucy.Id, lucy.Address, "bad\u0007name", AppPasswordProtocols.All, default));
        await Assert.ThrowsAsync<DirectoryException>(() => Service.CreateAsync(lucy.Id, lucy.Address, "nothing", AppPasswordProtocols.None, default));
        for (var i = 0; i < AppPasswordService.MaxPerAccount; i++)
            await Service.CreateAsync(lucy.Id, lucy.Address, $"device {i}", AppPasswordProtocols.All, default);
        var refused = await Assert.ThrowsAsync<DirectoryException>(() => Service.CreateAsync(lucy.Id, lucy.Address, "one too many", AppPasswordProtocols.All, default));
        Assert.Contains("at most 50", refused.Message, StringComparison.Ordinal);
        Assert.Equal(AppPasswordService.MaxPerAccount, (await Service.ListAsync(lucy.Id, default)).Count);

        // Gone with the account.
        await _store.DirectoryService.RemoveAccountAsync(lucy.Address, "t", default);
        Assert.Empty(await Service.ListAsync(lucy.Id, default));
    }
}

public sealed class AppPasswordTestsOnSqlite() : AppPasswordTests(StoreProvider.Sqlite);
public sealed class AppPasswordTestsOnPostgres() : AppPasswordTests(StoreProvider.Postgres);
