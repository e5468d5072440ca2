using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Mail.Dkim;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// A directory change and its audit row are one transaction: both are there, or (when either fails) neither.
/// The failing half is the audit insert, refused by a trigger in the real test database.
/// </summary>
public abstract class DirectoryAuditTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly TestStore _store = new(provider);

    private DirectoryService Directory => _store.DirectoryService;
    private IAuditLog Audit => _store.Services.GetRequiredService<IAuditLog>();

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _store.DisposeAsync();

    private RefusingTrigger RefuseAudit(string action) =>
        RefusingTrigger.On(_store, "INSERT", "audit_log", $"NEW.action = '{action}'");

    private async Task<IReadOnlyList<AuditEntry>> AuditedAsync(string action) =>
        (await Audit.QueryAsync(action, 0, 100, default)).Items.Where(e => e.Action == action).ToList();

    private static async Task AssertRefusedByTriggerAsync(Func<Task> change)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(change);
        Assert.Contains(RefusingTrigger.Reason, error.Message);
    }

    [Fact]
    public async Task EveryDirectoryChangeIsAuditedWithWhoDidItToWhat()
    {
        await Directory.AddDomainAsync("a.example", "root", default);
        await Directory.CreateAccountAsync("lucy@a.example", "first password", "Lucy", isAdmin: true, null, "root", default);
        await Directory.CreateAccountAsync("betty@a.example", "first password", null, isAdmin: false, null, "root", default);
        await Directory.UpdateAccountAsync("betty@a.example", "Betty", false, 1000, Pop3DeletePolicy.Keep, "lucy@a.example", default);
        await Directory.SetPasswordAsync("betty@a.example", "second password", "betty@a.example", default);
        await Directory.SetDisabledAsync("betty@a.example", true, "lucy@a.example", default);
        await Directory.SetDisabledAsync("betty@a.example", false, "lucy@a.example", default);
        await Directory.SetAliasAsync("team@a.example", ["lucy@a.example", "betty@a.example"], "root", default);
        await Directory.SetCatchAllAsync("a.example", "lucy@a.example", "root", default);
        await _store.Services.GetRequiredService<DkimKeyService>().GenerateAsync("a.example", "root", default);
        await Directory.RemoveAliasAsync("team@a.example", "root", default);
        await Directory.RemoveAccountAsync("betty@a.example", "root", default);

        var entries = (await Audit.QueryAsync(null, 0, 100, default)).Items.Reverse().Select(e => (e.Actor, e.Action, e.Target)).ToList();
        Assert.Equal(
        [
            ("root", "domain.add", "a.example"),
            ("root", "account.add", "lucy@a.example"),
            ("root", "account.add", "betty@a.example"),
            ("lucy@a.example", "account.update", "betty@a.example"),
            ("betty@a.example", "account.passwd", "betty@a.example"),
            ("lucy@a.example", "account.disable", "betty@a.example"),
            ("lucy@a.example", "account.enable", "betty@a.example"),
            ("root", "alias.set", "team@a.example"),
            ("root", "domain.catchall", "a.example"),
            ("root", "dkim.generate", "a.example"),
            ("root", "alias.remove", "team@a.example"),
            ("root", "account.remove", "betty@a.example"),
        ], entries);
        Assert.Equal("lucy@a.example,betty@a.example", (await AuditedAsync("alias.set")).Single().Detail);
    }

    [Fact]
    public async Task ADomainWhoseAuditRowFailsIsNotAdded()
    {
        using (RefuseAudit("domain.add"))
            await AssertRefusedByTriggerAsync(() => Directory.AddDomainAsync("a.example", "root", default));

        Assert.Null(await _store.Directory.FindDomainAsync("a.example", default));
        Assert.Empty(await AuditedAsync("domain.add"));
    }

    [Fact]
    public async Task AnAccountWhoseAuditRowFailsIsNotCreatedNorAreItsFolders()
    {
        await Directory.AddDomainAsync("a.example", "root", default);

        using (RefuseAudit("account.add"))
            await AssertRefusedByTriggerAsync(() => Directory.CreateAccountAsync("lucy@a.example", "first password", null, false, null, "root", default));

        Assert.Null(await _store.Directory.FindAccountAsync("lucy@a.example", default));
        Assert.Equal(0, await _store.Directory.CountAccountsAsync(default));
        Assert.Empty(await AuditedAsync("account.add"));
        // Created afterwards it gets its standard folders once: none were left from the failed attempt.
        var lucy = await Directory.CreateAccountAsync("lucy@a.example", "first password", null, false, null, "root", default);
        Assert.Equal(6, (await _store.Messages.GetFoldersAsync(lucy.Id, default)).Count);
    }

    [Fact]
    public async Task APasswordChangeWhoseAuditRowFailsKeepsTheOldPasswordAndSessions()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example", "first password");
        var before = await _store.Directory.GetCredentialsAsync("lucy@a.example", default);

        using (RefuseAudit("account.passwd"))
            await AssertRefusedByTriggerAsync(() => Directory.SetPasswordAsync("lucy@a.example", "second password", "lucy@a.example", default));

        Assert.Equal(before, await _store.Directory.GetCredentialsAsync("lucy@a.example", default));
        Assert.Equal(lucy.SecurityStamp, (await _store.Directory.GetAccountAsync(lucy.Id, default))!.SecurityStamp);
        Assert.Empty(await AuditedAsync("account.passwd"));
    }

    [Fact]
    public async Task ASignInRecordsItsLastLoginWithItsAuditRowOrNeither()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

        using (RefuseAudit("login"))
            await AssertRefusedByTriggerAsync(() => _store.Directory.RecordLoginAsync(lucy.Id, at, new AuditRecord("lucy@a.example", "login", "imap", "", "192.0.2.7"), default));
        Assert.Null((await _store.Directory.GetAccountAsync(lucy.Id, default))!.LastLoginAt);
        Assert.Empty(await AuditedAsync("login"));

        await _store.Directory.RecordLoginAsync(lucy.Id, at, new AuditRecord("lucy@a.example", "login", "imap", "", "192.0.2.7"), default);
        Assert.Equal(at, (await _store.Directory.GetAccountAsync(lucy.Id, default))!.LastLoginAt);
        var entry = (await AuditedAsync("login")).Single();
        Assert.Equal(("lucy@a.example", "imap", "192.0.2.7"), (entry.Actor, entry.Target, entry.RemoteIp));
    }

    [Fact]
    public async Task DisablingOrRemovingAnAccountWhoseAuditRowFailsLeavesItAsItWas()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");

        using (RefuseAudit("account.disable"))
            await AssertRefusedByTriggerAsync(() => Directory.SetDisabledAsync("lucy@a.example", true, "root", default));
        using (RefuseAudit("account.remove"))
            await AssertRefusedByTriggerAsync(() => Directory.RemoveAccountAsync("lucy@a.example", "root", default));

        var account = await _store.Directory.GetAccountAsync(lucy.Id, default);
        Assert.NotNull(account);
        Assert.False(account.IsDisabled);
        Assert.Equal(lucy.SecurityStamp, account.SecurityStamp);
        Assert.Equal(6, (await _store.Messages.GetFoldersAsync(lucy.Id, default)).Count);
        Assert.Empty(await AuditedAsync("account.disable"));
        Assert.Empty(await AuditedAsync("account.remove"));
    }

    [Fact]
    public async Task AnAliasOrCatchAllOrDkimKeyWhoseAuditRowFailsIsNotSet()
    {
        await _store.CreateAccountAsync("lucy@a.example");

        using (RefuseAudit("alias.set"))
            await AssertRefusedByTriggerAsync(() => Directory.SetAliasAsync("team@a.example", ["lucy@a.example"], "root", default));
        using (RefuseAudit("domain.catchall"))
            await AssertRefusedByTriggerAsync(() => Directory.SetCatchAllAsync("a.example", "lucy@a.example", "root", default));
        using (RefuseAudit("dkim.generate"))
            await AssertRefusedByTriggerAsync(() => _store.Services.GetRequiredService<DkimKeyService>().GenerateAsync("a.example", "root", default));

        Assert.Empty(await _store.Directory.ListAliasesAsync(default));
        Assert.Equal(RecipientKind.UnknownUser, (await _store.Directory.ResolveRecipientAsync("team@a.example", default)).Kind);
        Assert.Null(await _store.Directory.GetDkimKeyAsync("a.example", default));
        Assert.Empty(await AuditedAsync("alias.set"));
    }
}

public sealed class DirectoryAuditTestsOnSqlite() : DirectoryAuditTests(StoreProvider.Sqlite);
public sealed class DirectoryAuditTestsOnPostgres() : DirectoryAuditTests(StoreProvider.Postgres);
