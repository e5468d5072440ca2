using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>Admin API tokens on the real store: names checked, a limit per admin, found only by the whole secret, audited.</summary>
public abstract class ApiTokenTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly TestStore _store = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _store.DisposeAsync();

    private ApiTokenService Service => _store.Services.GetRequiredService<ApiTokenService>();

    [Fact]
    public async Task ATokenIsFoundByItsWholeSecretOnlyAndItsChangesAreAudited()
    {
        var admin = await _store.CreateAccountAsync("root@a.example", "root's own password", admin: true);
        var (token, secret) = await Service.CreateAsync(admin.Id, admin.Address, admin.Address, "  deploy ", ApiTokenScope.ReadWrite, default);
        Assert.Equal("deploy", token.Name);
        Assert.Equal(admin.Address, token.Owner);

        Assert.Equal(token.Id, (await Service.FindAsync(secret, default))?.Id);
        Assert.Null(await Service.FindAsync(secret[..^1], default));
        Assert.Null(await Service.FindAsync(secret[..^1] + (secret[^1] == 'a' ? 'b' : 'a'), default));
        Assert.Null(await Service.FindAsync(secret.ToUpperInvariant(), default));
        Assert.Null(await Service.FindAsync(secret + " ", default));

        await Service.RevokeAsync(token, "other@a.example", default);
        Assert.Null(await Service.FindAsync(secret, default));
        Assert.Equal("The token \"deploy\" is already revoked.", (await Assert.ThrowsAsync<DirectoryException>(() => Service.RevokeAsync(token, "other@a.example", default))).Message);

        var audit = (await _store.Services.GetRequiredService<IAuditLog>().QueryAsync("apitoken", 0, 10, default)).Items;
        Assert.Equal([("apitoken.revoke", "other@a.example", "deploy"), ("apitoken.add", "root@a.example", "deploy (read-write)")],
            audit.Select(e => (e.Action, e.Actor, e.Action == "apitoken.add" ? e.Detail : "deploy")));
        Assert.All(audit, e => Assert.Equal("root@a.example", e.Target));
    }

    [Fact]
    public async Task NamesAreCheckedAndAnAdminHasAtMostTwentyTokens()
    {
        var admin = await _store.CreateAccountAsync("root@b.example", "root's own password", admin: true);
        Task Create(string name) => Service.CreateAsync(admin.Id, admin.Address, admin.Address, name, ApiTokenScope.ReadOnly, default);

        Assert.Equal("name", (await Assert.ThrowsAsync<DirectoryException>(() => Create("  "))).Field);
        Assert.Equal("name", (await Assert.ThrowsAsync<DirectoryException>(() => Create(new string('x', 51)))).Field);
        Assert.Equal("name", (await Assert.ThrowsAsync<DirectoryException>(() => Create("tab\there"))).Field);
        for (var i = 0; i < ApiTokenService.MaxPerAccount; i++)
            await Create($"token {i}");
        var refused = await Assert.ThrowsAsync<DirectoryException>(() => Create("one too many"));
        Assert.Equal("An admin can have at most 20 API tokens; revoke one that is no longer used.", refused.Message);
        Assert.Equal(ApiTokenService.MaxPerAccount, (await Service.ListAsync(default)).Count(t => t.Owner == admin.Address));
    }
}

public sealed class ApiTokenTestsOnSqlite() : ApiTokenTests(StoreProvider.Sqlite);
public sealed class ApiTokenTestsOnPostgres() : ApiTokenTests(StoreProvider.Postgres);
