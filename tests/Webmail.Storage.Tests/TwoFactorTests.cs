using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;
using Webmail.Core.Accounts;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>Two-factor sign-in on the real store, with codes computed as an authenticator app does (RFC 6238).</summary>
public abstract class TwoFactorTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly TestStore _store = new(provider, new Dictionary<string, string?>
    {
        ["Webmail:Security:MaxFailedLogins"] = "3",
        ["Webmail:Security:LoginDelayStep"] = "00:00:00.010",
    });

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _store.DisposeAsync();

    private TwoFactorService Service => _store.Services.GetRequiredService<TwoFactorService>();
    private CredentialVerifier Verifier => _store.Services.GetRequiredService<CredentialVerifier>();

    /// <summary>The code an authenticator shows <paramref name="stepsAhead"/> steps from now.</summary>
    private static string Code(string secret, int stepsAhead = 0) =>
        new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow.AddSeconds(30 * stepsAhead));

    [Fact]
    public async Task CodesWorkOnceRecoveryCodesWorkOnceAndMailProgramsNeedAnAppPassword()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example", "lucy's password");
        var secret = TwoFactorService.NewSecret();
        Assert.Equal(32, secret.Length);
        await Assert.ThrowsAsync<DirectoryException>(() => Service.EnableAsync(lucy.Id, lucy.Address, secret, "000000" == Code(secret) ? "111111" : "000000", default));
        Assert.False((await _store.Directory.GetAccountAsync(lucy.Id, default))!.TwoFactorEnabled);

        var enrolCode = Code(secret);
        var recovery = await Service.EnableAsync(lucy.Id, lucy.Address, secret, enrolCode, default);
        Assert.Equal(TwoFactorService.RecoveryCodeCount, recovery.Distinct().Count());
        Assert.All(recovery, c => Assert.Matches("^[a-z2-9]{5}-[a-z2-9]{5}$", c));
        Assert.True((await _store.Directory.GetAccountAsync(lucy.Id, default))!.TwoFactorEnabled);

        // The code used to turn it on is spent; the next step's code (one step of drift allowed) works once.
        Assert.False(await Service.VerifyAsync(lucy.Id, enrolCode, default));
        var next = Code(secret, 1);
        Assert.True(await Service.VerifyAsync(lucy.Id, next, default));
        Assert.False(await Service.VerifyAsync(lucy.Id, next, default));
        // A recovery code, typed in capitals without its dash, works once.
        Assert.True(await Service.VerifyAsync(lucy.Id, recovery[3].Replace("-", "").ToUpperInvariant(), default));
        Assert.False(await Service.VerifyAsync(lucy.Id, recovery[3], default));
        Assert.Equal(9, await Service.RecoveryCodesLeftAsync(lucy.Id, default));

        // The web asks for the second step; a mail program is told to use an app password.
        var web = await Verifier.VerifyAsync(lucy.Address, "lucy's password", IPAddress.Parse("192.0.2.1"), "web", default);
        Assert.True(web.Succeeded && web.SecondFactorRequired);
        Assert.Equal(LoginStatus.AppPasswordRequired, (await Verifier.VerifyAsync(lucy.Address, "lucy's password", IPAddress.Parse("192.0.2.1"), "imap", default)).Status);
        Assert.Equal(LoginStatus.Failed, (await Verifier.VerifyAsync(lucy.Address, "wrong password", IPAddress.Parse("192.0.2.1"), "imap", default)).Status);
        var (_, appSecret) = await _store.Services.GetRequiredService<AppPasswordService>().CreateAsync(lucy.Id, lucy.Address, "Phone", AppPasswordProtocols.All, default);
        Assert.Equal(LoginStatus.Succeeded, (await Verifier.VerifyAsync(lucy.Address, appSecret, IPAddress.Parse("192.0.2.1"), "imap", default)).Status);

        // Turned off (by an admin here): the password alone works again everywhere.
        await Service.DisableAsync(lucy.Id, lucy.Address, "root@a.example", "twofactor.reset", default);
        Assert.Equal(LoginStatus.Succeeded, (await Verifier.VerifyAsync(lucy.Address, "lucy's password", IPAddress.Parse("192.0.2.1"), "imap", default)).Status);
        Assert.False((await Verifier.VerifyAsync(lucy.Address, "lucy's password", IPAddress.Parse("192.0.2.1"), "web", default)).SecondFactorRequired);
        Assert.False(await Service.VerifyAsync(lucy.Id, recovery[0], default));
        var audit = await _store.Services.GetRequiredService<IAuditLog>().QueryAsync("twofactor", 0, 10, default);
        Assert.Equal(["twofactor.enable", "twofactor.reset"], audit.Items.Select(a => a.Action).Order());
    }

    [Fact]
    public async Task WrongCodesCountAsFailedLoginsAndTheRightPasswordDoesNotResetTheCount()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example", "lucy's password");
        var secret = TwoFactorService.NewSecret();
        await Service.EnableAsync(lucy.Id, lucy.Address, secret, Code(secret), default);
        var ip = IPAddress.Parse("192.0.2.9");
        var wrong = Code(secret, 1) == "123456" ? "654321" : "123456";
        for (var i = 0; i < 3; i++)
        {
            // Each round: the right password (which must not clear the count), then a wrong code.
            Assert.True((await Verifier.VerifyAsync(lucy.Address, "lucy's password", ip, "web", default)).SecondFactorRequired);
            Assert.Equal(LoginStatus.Failed, (await Verifier.VerifySecondFactorAsync(lucy.Id, lucy.Address, wrong, ip, default)).Status);
        }
        Assert.Equal(LoginStatus.Throttled, (await Verifier.VerifySecondFactorAsync(lucy.Id, lucy.Address, Code(secret, 1), ip, default)).Status);
        Assert.Equal(LoginStatus.Throttled, (await Verifier.VerifyAsync(lucy.Address, "lucy's password", ip, "web", default)).Status);
    }
}

public sealed class TwoFactorTestsOnSqlite() : TwoFactorTests(StoreProvider.Sqlite);
public sealed class TwoFactorTestsOnPostgres() : TwoFactorTests(StoreProvider.Postgres);
