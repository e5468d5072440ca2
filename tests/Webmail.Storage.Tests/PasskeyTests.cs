using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>Passkeys on the real store, with a software authenticator answering the real ceremony options.</summary>
public abstract class PasskeyTests(StoreProvider provider) : IAsyncLifetime
{
    private const string Origin = "https://mail.a.example";
    private static readonly PasskeyRelyingParty RelyingParty = new("mail.a.example", Origin, "Webmail");
    private static readonly IPAddress Ip = IPAddress.Parse("192.0.2.7");

    private readonly TestStore _store = new(provider, new Dictionary<string, string?>
    {
        ["Webmail:Security:MaxFailedLogins"] = "3",
        ["Webmail:Security:LoginDelayStep"] = "00:00:00.010",
    });

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _store.DisposeAsync();

    private PasskeyService Service => _store.Services.GetRequiredService<PasskeyService>();
    private CredentialVerifier Verifier => _store.Services.GetRequiredService<CredentialVerifier>();

    private async Task<Passkey> RegisterAsync(Account account, SoftwareAuthenticator authenticator, string name)
    {
        var options = await Service.RegistrationOptionsAsync(account, RelyingParty, default);
        return await Service.RegisterAsync(account, name, options, authenticator.Create(options.ToJson(), Origin), RelyingParty, default);
    }

    /// <summary>One sign-in with a passkey: the server's options, the authenticator's answer, the verifier's verdict.</summary>
    private async Task<LoginResult> SignInAsync(SoftwareAuthenticator authenticator, Account? pending, string origin = Origin, bool bumpCounter = true)
    {
        var options = await Service.AssertionOptionsAsync(pending?.Id, RelyingParty, default);
        var assertion = authenticator.Get(options.ToJson(), origin, RelyingParty.Id, bumpCounter);
        return await Verifier.VerifyPasskeyAsync(options, assertion, RelyingParty, pending is null ? null : (pending.Id, pending.Address), Ip, default);
    }

    [Fact]
    public async Task APasskeySignsInAloneOrAfterThePasswordAndMailProgramsThenNeedAnAppPassword()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example", "lucy's password");
        using var phone = new SoftwareAuthenticator();
        var added = await RegisterAsync(lucy, phone, "Phone");
        Assert.Equal("Phone", added.Name);
        Assert.Null(added.LastUsedAt);
        var account = (await _store.Directory.GetAccountAsync(lucy.Id, default))!;
        Assert.True(account.HasPasskeys && account.HasSecondFactor && !account.TwoFactorEnabled);

        // The password now leads to a second step on the web, and mail programs need an app password.
        Assert.True((await Verifier.VerifyAsync(lucy.Address, "lucy's password", Ip, "web", default)).SecondFactorRequired);
        Assert.Equal(LoginStatus.AppPasswordRequired, (await Verifier.VerifyAsync(lucy.Address, "lucy's password", Ip, "imap", default)).Status);

        // Password-less: the passkey names its account.
        var alone = await SignInAsync(phone, pending: null);
        Assert.Equal((LoginStatus.Succeeded, lucy.Id, "lucy@a.example"), (alone.Status, alone.AccountId, alone.Address));
        // The second step after the password: only the pending account's passkeys are offered.
        var options = await Service.AssertionOptionsAsync(lucy.Id, RelyingParty, default);
        Assert.Equal(phone.CredentialId, Assert.Single(options.AllowCredentials).Id);
        Assert.True((await SignInAsync(phone, lucy)).Succeeded);
        Assert.NotNull(Assert.Single(await Service.ListAsync(lucy.Id, default)).LastUsedAt);

        var audit = await _store.Services.GetRequiredService<IAuditLog>().QueryAsync("login", 0, 10, default);
        Assert.Contains(audit.Items, a => a.Action == "login" && a.Detail == "passkey (Phone)");
        Assert.Contains(audit.Items, a => a.Action == "login" && a.Detail == "second factor: passkey (Phone)");
    }

    [Fact]
    public async Task ForeignUnknownReplayedAndWrongOriginAssertionsAreRefusedAndCountAsFailedLogins()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example", "lucy's password");
        var bob = await _store.CreateAccountAsync("bob@a.example", "bob's password");
        using var lucysKey = new SoftwareAuthenticator();
        using var bobsKey = new SoftwareAuthenticator();
        using var stranger = new SoftwareAuthenticator();
        await RegisterAsync(lucy, lucysKey, "Lucy's laptop");
        await RegisterAsync(bob, bobsKey, "Bob's phone");
        stranger.Create((await Service.RegistrationOptionsAsync(lucy, RelyingParty, default)).ToJson(), Origin);

        Assert.True((await SignInAsync(lucysKey, lucy)).Succeeded);
        // The same counter again: a cloned key or a replayed answer.
        Assert.Equal(LoginStatus.Failed, (await SignInAsync(lucysKey, lucy, bumpCounter: false)).Status);
        // Bob's passkey cannot finish Lucy's sign-in, even though it verifies for Bob.
        Assert.Equal(LoginStatus.Failed, (await SignInAsync(bobsKey, lucy)).Status);
        Assert.True((await SignInAsync(lucysKey, lucy)).Succeeded);
        // Never registered (it signs with its own key under Lucy's user handle).
        Assert.Equal(LoginStatus.Failed, (await SignInAsync(stranger, pending: null)).Status);
        // Signed for another site.
        Assert.Equal(LoginStatus.Failed, (await SignInAsync(lucysKey, lucy, origin: "https://evil.example")).Status);
        Assert.Equal(LoginStatus.Failed, (await SignInAsync(lucysKey, lucy, origin: "https://evil.example")).Status);
        // Three failures in a row from one address (MaxFailedLogins) ban it, like wrong passwords do.
        Assert.Equal(LoginStatus.Throttled, (await SignInAsync(lucysKey, lucy)).Status);
        var failures = await _store.Services.GetRequiredService<IAuditLog>().QueryAsync("login.failed", 0, 20, default);
        Assert.Contains(failures.Items, a => a.Detail == "passkey: unknown passkey");
    }

    [Fact]
    public async Task RenameRemoveAndAnAdminResetAreAuditedAndAResetLetsThePasswordWorkAlone()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example", "lucy's password");
        using var phone = new SoftwareAuthenticator();
        using var laptop = new SoftwareAuthenticator();
        var first = await RegisterAsync(lucy, phone, "Phone");
        var second = await RegisterAsync(lucy, laptop, "Laptop");
        // The same authenticator again is refused (the browser is told to exclude it, and the store checks).
        var again = await Service.RegistrationOptionsAsync(lucy, RelyingParty, default);
        Assert.Equal(2, again.ExcludeCredentials.Count);
        await Assert.ThrowsAsync<DirectoryException>(() => Service.RegisterAsync(lucy, "Phone again", again, phone.Create(again.ToJson(), Origin), RelyingParty, default));
        await Assert.ThrowsAsync<DirectoryException>(() => Service.RegisterAsync(lucy, "  ", again, laptop.Create(again.ToJson(), Origin), RelyingParty, default));

        await Service.RenameAsync(lucy.Id, lucy.Address, first, "Old phone", default);
        await Service.RemoveAsync(lucy.Id, lucy.Address, second, default);
        await Assert.ThrowsAsync<DirectoryException>(() => Service.RemoveAsync(lucy.Id, lucy.Address, second, default));
        Assert.Equal(["Old phone"], (await Service.ListAsync(lucy.Id, default)).Select(p => p.Name));
        Assert.Equal(LoginStatus.Failed, (await SignInAsync(laptop, pending: null)).Status);

        Assert.Equal(1, await Service.ResetAsync(lucy.Id, lucy.Address, "root@a.example", default));
        Assert.Empty(await Service.ListAsync(lucy.Id, default));
        Assert.False((await _store.Directory.GetAccountAsync(lucy.Id, default))!.HasSecondFactor);
        Assert.Equal(LoginStatus.Succeeded, (await Verifier.VerifyAsync(lucy.Address, "lucy's password", Ip, "imap", default)).Status);

        var audit = await _store.Services.GetRequiredService<IAuditLog>().QueryAsync("passkey.", 0, 20, default);
        Assert.Equal(["passkey.add", "passkey.add", "passkey.remove", "passkey.rename", "passkey.reset"], audit.Items.Select(a => a.Action).Order());
        Assert.Contains(audit.Items, a => a.Action == "passkey.reset" && a.Actor == "root@a.example" && a.Target == "lucy@a.example");
    }
}

public sealed class PasskeyTestsOnSqlite() : PasskeyTests(StoreProvider.Sqlite);
public sealed class PasskeyTestsOnPostgres() : PasskeyTests(StoreProvider.Postgres);
