using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Filters;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>An account's Sieve scripts through <see cref="SieveScriptService"/>, on the real store: the rules ManageSieve (RFC 5804), the web editor and the CLI share.</summary>
public abstract class SieveScriptTests(StoreProvider provider) : IAsyncLifetime
{
    private const string Valid = "require \"fileinto\";\nif header :contains \"subject\" \"invoice\" { fileinto \"Bills\"; }\n";

    private readonly TestStore _store = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _store.DisposeAsync();

    private SieveScriptService Service => _store.Services.GetRequiredService<SieveScriptService>();

    [Fact]
    public async Task ScriptsAreStoredListedActivatedRenamedAndDeletedPerAccount()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");
        var betty = await _store.CreateAccountAsync("betty@a.example");

        Assert.True((await Service.PutAsync(lucy.Id, lucy.Address, "rules", Valid, default)).Succeeded);
        Assert.True((await Service.PutAsync(lucy.Id, lucy.Address, "spare", "keep;", default)).Succeeded);
        Assert.Null(await Service.GetActiveAsync(lucy.Id, default));

        Assert.True((await Service.ActivateAsync(lucy.Id, lucy.Address, "rules", default)).Succeeded);
        var active = await Service.GetActiveAsync(lucy.Id, default);
        Assert.Equal("rules", active?.Name);
        // Parsed once: the same object until the script changes.
        Assert.Same(active!.Value.Script, (await Service.GetActiveAsync(lucy.Id, default))!.Value.Script);
        Assert.Equal(SieveScriptStatus.NotFound, (await Service.ActivateAsync(lucy.Id, lucy.Address, "nothing", default)).Status);

        // Replacing the active script keeps it active, with the new text.
        Assert.True((await Service.PutAsync(lucy.Id, lucy.Address, "rules", "discard;", default)).Succeeded);
        Assert.NotSame(active.Value.Script, (await Service.GetActiveAsync(lucy.Id, default))!.Value.Script);
        Assert.Equal("discard;", await Service.GetAsync(lucy.Id, "rules", default));

        var listed = await Service.ListAsync(lucy.Id, default);
        Assert.Equal([("rules", true, 8L), ("spare", false, 5L)], listed.Select(s => (s.Name, s.IsActive, s.Size)));
        Assert.Empty(await Service.ListAsync(betty.Id, default));
        Assert.Null(await Service.GetAsync(betty.Id, "rules", default));

        // RFC 5804 §2.10: the active script cannot be deleted; one that is not there says so.
        Assert.Equal(SieveScriptStatus.Active, (await Service.DeleteAsync(lucy.Id, lucy.Address, "rules", default)).Status);
        Assert.Equal(SieveScriptStatus.NotFound, (await Service.DeleteAsync(betty.Id, betty.Address, "spare", default)).Status);

        // Rename keeps the active mark; an existing new name is refused.
        Assert.Equal(SieveScriptStatus.AlreadyExists, (await Service.RenameAsync(lucy.Id, lucy.Address, "rules", "spare", default)).Status);
        Assert.True((await Service.RenameAsync(lucy.Id, lucy.Address, "rules", "main", default)).Succeeded);
        Assert.Equal("main", (await Service.GetActiveAsync(lucy.Id, default))?.Name);

        // Turning filtering off, then the script can go.
        Assert.True((await Service.ActivateAsync(lucy.Id, lucy.Address, "", default)).Succeeded);
        Assert.Null(await Service.GetActiveAsync(lucy.Id, default));
        Assert.True((await Service.DeleteAsync(lucy.Id, lucy.Address, "main", default)).Succeeded);
        Assert.Equal(["spare"], (await Service.ListAsync(lucy.Id, default)).Select(s => s.Name));

        var audit = await _store.Services.GetRequiredService<IAuditLog>().QueryAsync("sieve", 0, 20, default);
        Assert.Equal(["sieve.activate", "sieve.activate", "sieve.delete", "sieve.put", "sieve.put", "sieve.put", "sieve.rename"], audit.Items.Select(a => a.Action).Order());
    }

    [Fact]
    public async Task InvalidScriptsBadNamesAndTheBoundsAreRefusedWithAReason()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");

        var invalid = await Service.PutAsync(lucy.Id, lucy.Address, "bad", "require \"fileinto\";\nfileinto \"x\";\nfilein \"y\";", default);
        Assert.Equal(SieveScriptStatus.Invalid, invalid.Status);
        Assert.Equal(3, Assert.Single(invalid.Errors).Line);
        Assert.Null(await Service.GetAsync(lucy.Id, "bad", default));
        Assert.Equal(SieveScriptStatus.Invalid, Service.Check("fileinto \"x\";").Status);
        Assert.True(Service.Check(Valid).Succeeded);

        Assert.Equal(SieveScriptStatus.BadName, (await Service.PutAsync(lucy.Id, lucy.Address, "", Valid, default)).Status);
        Assert.Equal(SieveScriptStatus.BadName, (await Service.PutAsync(lucy.Id, lucy.Address, "a\tb", Valid, default)).Status);
        Assert.Equal(SieveScriptStatus.BadName, (await Service.PutAsync(lucy.Id, lucy.Address, new string('n', SieveScriptService.MaxNameLength + 1), Valid, default)).Status);
        Assert.True((await Service.PutAsync(lucy.Id, lucy.Address, "Règles d'été", Valid, default)).Succeeded);

        // Size is counted in UTF-8 octets, as ManageSieve's literals are.
        var large = "# " + new string('é', SieveScriptService.MaxScriptBytes / 2) + "\nkeep;";
        Assert.Equal(SieveScriptStatus.TooLarge, (await Service.PutAsync(lucy.Id, lucy.Address, "large", large, default)).Status);
        Assert.Equal(SieveScriptStatus.TooLarge, (await Service.HaveSpaceAsync(lucy.Id, "large", SieveScriptService.MaxScriptBytes + 1, default)).Status);

        for (var i = 1; i < SieveScriptService.MaxScriptsPerAccount; i++)
            Assert.True((await Service.PutAsync(lucy.Id, lucy.Address, $"s{i}", "keep;", default)).Succeeded);
        Assert.Equal(SieveScriptStatus.TooMany, (await Service.HaveSpaceAsync(lucy.Id, "one more", 10, default)).Status);
        Assert.Equal(SieveScriptStatus.TooMany, (await Service.PutAsync(lucy.Id, lucy.Address, "one more", "keep;", default)).Status);
        // Replacing one that exists is no more scripts.
        Assert.True((await Service.HaveSpaceAsync(lucy.Id, "s1", 10, default)).Succeeded);
        Assert.True((await Service.PutAsync(lucy.Id, lucy.Address, "s1", "discard;", default)).Succeeded);
    }

    [Fact]
    public async Task ADeliveryErrorIsRecordedUntilTheScriptIsSavedAgain()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");
        await Service.PutAsync(lucy.Id, lucy.Address, "rules", Valid, default);
        await Service.RecordErrorAsync(lucy.Id, "rules", "too many redirects", DateTimeOffset.UnixEpoch.AddDays(1), default);
        var listed = Assert.Single(await Service.ListAsync(lucy.Id, default));
        Assert.Equal("too many redirects", listed.LastError);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddDays(1), listed.LastErrorAt);

        await Service.PutAsync(lucy.Id, lucy.Address, "rules", Valid, default);
        Assert.Null(Assert.Single(await Service.ListAsync(lucy.Id, default)).LastError);
    }
}

public sealed class SieveScriptTestsOnSqlite() : SieveScriptTests(StoreProvider.Sqlite);
public sealed class SieveScriptTestsOnPostgres() : SieveScriptTests(StoreProvider.Postgres);
