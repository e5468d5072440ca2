using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Storage.Postgres;
using Webmail.Testing;

namespace Webmail.Storage.Postgres.Tests;

/// <summary>
/// What only PostgreSQL has: writers that really run at once (SQLite's one writer serialises every unit). Each test starts
/// its writers together on pooled connections and checks that the store's rules still hold when they race.
/// </summary>
public sealed class DirectoryConcurrencyTests : IAsyncLifetime
{
    private const int Writers = 8;
    private readonly TestStore _store = new(StoreProvider.Postgres);

    private IDirectoryStore Directory => _store.Directory;

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _store.DisposeAsync();

    /// <summary>A count straight from the database (the message store that would read folders is the other half of the port).</summary>
    private async Task<long> CountAsync(string sql)
    {
        await using var connection = await _store.Services.GetRequiredService<PostgresDatabase>().DataSource.OpenConnectionAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static AuditRecord Audit(string action) => new("test", action, "race");

    /// <summary>Runs <paramref name="writer"/> <see cref="Writers"/> times at once (released together) and returns each outcome.</summary>
    private static async Task<List<(T? Result, Exception? Error)>> RaceAsync<T>(Func<int, Task<T>> writer)
    {
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, Writers).Select(i => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                return ((T?)await writer(i), (Exception?)null);
            }
            catch (Exception e)
            {
                return (default(T), e);
            }
        })).ToList();
        start.Set();
        return [.. await Task.WhenAll(tasks)];
    }

    [Fact]
    public async Task WritersCreatingTheSameAccountAtOnceGetOneSuccessAndDuplicateErrors()
    {
        await _store.DirectoryService.AddDomainAsync("a.example", "t", default);

        var outcomes = await RaceAsync(i => Directory.CreateAccountAsync(i % 2 == 0 ? "lucy@a.example" : "LUCY@A.example", "Lucy", "hash", false, 0, Audit("account.add"), default));

        Assert.Single(outcomes, o => o.Error is null);
        Assert.All(outcomes.Where(o => o.Error is not null), o => Assert.EndsWith("is already in use.", Assert.IsType<StoreException>(o.Error).Message));
        Assert.Equal(1, await Directory.CountAccountsAsync(default));
        var lucy = outcomes.Single(o => o.Error is null).Result!;
        Assert.Equal(6, await CountAsync($"SELECT count(*) FROM folders WHERE account_id = {lucy.Id}"));
    }

    [Fact]
    public async Task AnAccountAndAnAliasClaimingOneAddressAtOnceCannotBothHaveIt()
    {
        await _store.CreateAccountAsync("betty@a.example");

        var outcomes = await RaceAsync<object>(async i => i % 2 == 0
            ? await Directory.CreateAccountAsync("team@a.example", "Team", "hash", false, 0, Audit("account.add"), default)
            : await Directory.SetAliasAsync("team@a.example", ["betty@a.example"], Audit("alias.set"), default));

        Assert.All(outcomes.Where(o => o.Error is not null), o => Assert.IsType<StoreException>(o.Error));
        var isAccount = await Directory.FindAccountAsync("team@a.example", default) is not null;
        var isAlias = (await Directory.ListAliasesAsync(default)).Any(a => a.Address == "team@a.example");
        Assert.True(isAccount ^ isAlias, $"account: {isAccount}, alias: {isAlias}");
        Assert.Equal(isAccount ? 1 : Writers / 2, outcomes.Count(o => o.Error is null));
    }

    [Fact]
    public async Task APerAccountLimitHoldsWhenWritersAddAtOnce()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");
        var passwords = _store.Services.GetRequiredService<IAppPasswordStore>();

        var outcomes = await RaceAsync(i => passwords.AddAppPasswordAsync(lucy.Id, $"device {i}", $"hash {i}", AppPasswordProtocols.All, limit: 3, Audit("apppassword.add"), default));

        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Equal(3, outcomes.Count(o => o.Result is not null));
        Assert.Equal(3, (await passwords.ListAppPasswordsAsync(lucy.Id, default)).Count);
    }

    [Fact]
    public async Task ActivatingDifferentSieveScriptsAtOnceLeavesExactlyOneActive()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");
        var sieve = _store.Services.GetRequiredService<ISieveScriptStore>();
        for (var i = 0; i < Writers; i++)
            Assert.True(await sieve.PutSieveScriptAsync(lucy.Id, $"s{i}", "keep;", Writers, Audit("sieve.put"), default));

        var outcomes = await RaceAsync(i => sieve.SetActiveSieveScriptAsync(lucy.Id, $"s{i}", Audit("sieve.activate"), default));

        Assert.All(outcomes, o => Assert.Equal((true, null), (o.Result, o.Error)));
        Assert.Single(await sieve.ListSieveScriptsAsync(lucy.Id, default), s => s.IsActive);
    }

    [Fact]
    public async Task CountersUpdatedAtOnceAddUp()
    {
        var spam = _store.Services.GetRequiredService<ISpamFilterStore>();
        var state = _store.Services.GetRequiredService<IServerStateStore>();

        var outcomes = await RaceAsync(async i =>
        {
            await spam.CountFilterOutcomeAsync("rejected", "dmarc", default);
            await state.RecordMailEventAsync(MailEventKind.Received, 2, default);
            return i;
        });

        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Equal(Writers, (await spam.GetFilterCountsAsync(DateTimeOffset.UtcNow, default)).Single().Count);
        Assert.Equal(2 * Writers, (await state.GetMailEventsAsync(DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromHours(1), default)).Sum(e => e.Count));
    }
}
