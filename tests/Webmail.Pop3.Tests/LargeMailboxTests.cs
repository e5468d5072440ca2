using Webmail.Testing;

namespace Webmail.Pop3.Tests;

/// <summary>
/// A big maildrop: the snapshot and the listings are complete and in order. How fast they are is
/// measured by the benchmark (pop3 suite, docs/benchmarks.md), not asserted here.
/// </summary>
public abstract class LargeMailboxTests(StoreProvider provider)
{
    [Fact]
    public async Task LoginAndUidlOnTenThousandMessagesListEveryMessageOnce()
    {
        await using var host = await Pop3TestHost.StartAsync(provider);
        await host.FillAsync(10_000, size: 300);
        await using var client = await host.ConnectAsync();
        Assert.Equal("+OK", await client.CommandAsync("USER " + Pop3TestHost.Address));

        Assert.StartsWith("+OK Maildrop has 10000 messages", await client.CommandAsync("PASS " + Pop3TestHost.Password));
        var (status, lines) = await client.MultilineAsync("UIDL");

        Assert.Equal("+OK Unique-ID listing follows", status);
        Assert.Equal(10_000, lines.Count);
        Assert.Equal(10_000, lines.Select(l => l.Split(' ')[1]).Distinct().Count());
        Assert.Equal("10000", lines[^1].Split(' ')[0]);
        var (listStatus, sizes) = await client.MultilineAsync("LIST");
        Assert.Equal("+OK 10000 messages", listStatus.Split(" (")[0]);
        Assert.All(sizes, l => Assert.True(long.Parse(l.Split(' ')[1]) > 0));
    }
}

public sealed class LargeMailboxTestsOnSqlite() : LargeMailboxTests(StoreProvider.Sqlite);
public sealed class LargeMailboxTestsOnPostgres() : LargeMailboxTests(StoreProvider.Postgres);
