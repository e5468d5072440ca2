using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

public abstract class DirectoryTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly TestStore _store = new(provider, new Dictionary<string, string?>
    {
        ["Webmail:Security:MaxFailedLogins"] = "3",
        ["Webmail:Security:LoginDelayStep"] = "00:00:00.010",
    });

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task AddressesAreValidatedAndUnique()
    {
        await _store.CreateAccountAsync("Lucy@A.Example");

        var account = await _store.Directory.FindAccountAsync("lucy@a.example", default);
        Assert.Equal("lucy@a.example", account!.Address);
        await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.CreateAccountAsync("lucy@a.example", "password1", null, false, null, "t", default));
        await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.CreateAccountAsync("x@unknown.example", "password1", null, false, null, "t", default));
        await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.CreateAccountAsync("a%b@a.example", "password1", null, false, null, "t", default));
        await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.CreateAccountAsync("short@a.example", "short", null, false, null, "t", default));
        await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.AddDomainAsync("not a domain", "t", default));
        await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.AddDomainAsync("a.example", "t", default));
    }

    [Fact]
    public async Task RecipientsResolveThroughAccountsAliasesAndCatchAll()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");
        var betty = await _store.CreateAccountAsync("betty@a.example");
        await _store.DirectoryService.SetAliasAsync("team@a.example", ["lucy@a.example", "betty@a.example"], "t", default);

        Assert.Equal(RecipientKind.RemoteDomain, (await _store.Directory.ResolveRecipientAsync("x@elsewhere.example", default)).Kind);
        Assert.Equal(RecipientKind.UnknownUser, (await _store.Directory.ResolveRecipientAsync("nobody@a.example", default)).Kind);
        Assert.Equal([lucy.Id], (await _store.Directory.ResolveRecipientAsync("LUCY@a.EXAMPLE", default)).Accounts.Select(a => a.Id));
        Assert.Equal(new[] { betty.Id, lucy.Id }.Order(), (await _store.Directory.ResolveRecipientAsync("team@a.example", default)).Accounts.Select(a => a.Id).Order());
        Assert.Contains("team@a.example", await _store.Directory.GetSendAsAddressesAsync(lucy.Id, default));

        await _store.DirectoryService.SetCatchAllAsync("a.example", "betty@a.example", "t", default);
        Assert.Equal([betty.Id], (await _store.Directory.ResolveRecipientAsync("nobody@a.example", default)).Accounts.Select(a => a.Id));
        await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.SetAliasAsync("lucy@a.example", ["betty@a.example"], "t", default));
        await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.SetAliasAsync("x@a.example", ["ghost@a.example"], "t", default));
    }

    [Fact]
    public async Task ADomainWithAccountsCannotBeRemoved()
    {
        await _store.CreateAccountAsync("lucy@a.example");

        var error = await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.RemoveDomainAsync("a.example", "t", default));
        Assert.Contains("1 account", error.Message);

        await _store.DirectoryService.RemoveAccountAsync("lucy@a.example", "t", default);
        await _store.DirectoryService.RemoveDomainAsync("a.example", "t", default);
        Assert.Empty(await _store.DirectoryService.ListDomainsAsync(default));
    }

    [Fact]
    public async Task UnknownUserAndWrongPasswordGetTheSameAnswerAndRepeatedFailuresAreThrottled()
    {
        await _store.CreateAccountAsync("lucy@a.example", "right password");
        var verifier = _store.Services.GetRequiredService<CredentialVerifier>();
        var ip = IPAddress.Parse("192.0.2.7");

        var unknown = await verifier.VerifyAsync("ghost@a.example", "whatever1", IPAddress.Parse("192.0.2.1"), "test", default);
        var wrong = await verifier.VerifyAsync("lucy@a.example", "wrong password", IPAddress.Parse("192.0.2.2"), "test", default);
        Assert.Equal(unknown with { }, wrong with { });
        Assert.Equal(LoginStatus.Failed, wrong.Status);

        Assert.True((await verifier.VerifyAsync("lucy@a.example", "right password", ip, "test", default)).Succeeded);
        for (var i = 0; i < 3; i++)
            await verifier.VerifyAsync("lucy@a.example", "wrong", ip, "test", default);
        Assert.Equal(LoginStatus.Throttled, (await verifier.VerifyAsync("lucy@a.example", "right password", ip, "test", default)).Status);

        await _store.DirectoryService.SetDisabledAsync("lucy@a.example", true, "t", default);
        var audit = await _store.Services.GetRequiredService<IAuditLog>().QueryAsync("login.failed", 0, 50, default);
        Assert.True(audit.Total >= 4);
    }

    [Fact]
    public async Task ADisabledAccountCannotLogIn()
    {
        await _store.CreateAccountAsync("lucy@a.example", "right password");
        await _store.DirectoryService.SetDisabledAsync("lucy@a.example", true, "t", default);
        var verifier = _store.Services.GetRequiredService<CredentialVerifier>();

        Assert.Equal(LoginStatus.Failed, (await verifier.VerifyAsync("lucy@a.example", "right password", IPAddress.Loopback, "test", default)).Status);
    }

    [Fact]
    public async Task ARememberedPasswordStopsWorkingWhenChangedOrTheAccountIsDisabled()
    {
        await _store.CreateAccountAsync("lucy@a.example", "first password");
        var verifier = _store.Services.GetRequiredService<CredentialVerifier>();
        Task<LoginStatus> Login(string password) =>
            verifier.VerifyAsync("lucy@a.example", password, IPAddress.Loopback, "test", default).ContinueWith(t => t.Result.Status);

        Assert.Equal(LoginStatus.Succeeded, await Login("first password"));
        Assert.Equal(LoginStatus.Succeeded, await Login("first password"));  // remembered
        Assert.Equal(LoginStatus.Failed, await Login("first passwor"));

        await _store.DirectoryService.SetPasswordAsync("lucy@a.example", "second password", "t", default);
        Assert.Equal(LoginStatus.Failed, await Login("first password"));
        Assert.Equal(LoginStatus.Succeeded, await Login("second password"));

        await _store.DirectoryService.SetDisabledAsync("lucy@a.example", true, "t", default);
        Assert.Equal(LoginStatus.Failed, await Login("second password"));
    }

    [Fact]
    public async Task APasswordStoredUnderPbkdf2IsStoredAnewAsArgon2idAtSignInWithEverySessionKept()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example", "first password");
        // An account from before Argon2id: pbkdf2-sha512$iterations$salt$hash.
        var salt = RandomNumberGenerator.GetBytes(16);
        var derived = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes("first password"), salt, 210_000, HashAlgorithmName.SHA512, 32);
        var legacy = $"pbkdf2-sha512$210000${Convert.ToBase64String(salt)}${Convert.ToBase64String(derived)}";
        await _store.Directory.SetPasswordHashAsync(lucy.Id, legacy, new AuditRecord("import", "account.passwd", lucy.Address), default);
        var stamp = (await _store.Directory.GetAccountAsync(lucy.Id, default))!.SecurityStamp;
        var audited = (await _store.Services.GetRequiredService<IAuditLog>().QueryAsync("account.passwd", 0, 50, default)).Total;
        var verifier = _store.Services.GetRequiredService<CredentialVerifier>();

        Assert.Equal(LoginStatus.Failed, (await verifier.VerifyAsync("lucy@a.example", "first passwor", IPAddress.Loopback, "test", default)).Status);
        Assert.Equal(legacy, (await _store.Directory.GetCredentialsAsync("lucy@a.example", default))!.Value.PasswordHash); // a wrong password upgrades nothing
        Assert.True((await verifier.VerifyAsync("lucy@a.example", "first password", IPAddress.Loopback, "test", default)).Succeeded);

        var upgraded = (await _store.Directory.GetCredentialsAsync("lucy@a.example", default))!.Value.PasswordHash;
        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", upgraded);
        Assert.True(PasswordHasher.Verify("first password", upgraded));
        Assert.Equal(stamp, (await _store.Directory.GetAccountAsync(lucy.Id, default))!.SecurityStamp); // no session signed out
        Assert.Equal(audited, (await _store.Services.GetRequiredService<IAuditLog>().QueryAsync("account.passwd", 0, 50, default)).Total);
        Assert.True((await verifier.VerifyAsync("lucy@a.example", "first password", IPAddress.Loopback, "test", default)).Succeeded);
        Assert.Equal(LoginStatus.Failed, (await verifier.VerifyAsync("lucy@a.example", "first passwor", IPAddress.Loopback, "test", default)).Status);

        // An upgrade computed before a password change does not undo the change.
        await _store.DirectoryService.SetPasswordAsync("lucy@a.example", "second password", "t", default);
        await _store.Directory.UpgradePasswordHashAsync(lucy.Id, upgraded, PasswordHasher.Hash("first password"), default);
        Assert.True(PasswordHasher.Verify("second password", (await _store.Directory.GetCredentialsAsync("lucy@a.example", default))!.Value.PasswordHash));
    }
}

public sealed class DirectoryTestsOnSqlite() : DirectoryTests(StoreProvider.Sqlite);
public sealed class DirectoryTestsOnPostgres() : DirectoryTests(StoreProvider.Postgres);
