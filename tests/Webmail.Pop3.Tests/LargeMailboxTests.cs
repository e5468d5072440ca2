using System.Diagnostics;

namespace Webmail.Pop3.Tests;

/// <summary>A big maildrop: the snapshot and the listings must stay fast and streamed.</summary>
public sealed class LargeMailboxTests
{
    [Fact]
    public async Task LoginAndUidlOnTenThousandMessagesStayFast()
    {
        await using var host = await Pop3TestHost.StartAsync();
        await host.FillAsync(10_000, size: 300);
        await using var client = await host.ConnectAsync();
        Assert.Equal("+OK", await client.CommandAsync("USER " + Pop3TestHost.Address));

        var watch = Stopwatch.StartNew();
        Assert.StartsWith("+OK Maildrop has 10000 messages", await client.CommandAsync("PASS " + Pop3TestHost.Password));
        var (status, lines) = await client.MultilineAsync("UIDL");
        watch.Stop();

        Assert.Equal("+OK Unique-ID listing follows", status);
        Assert.Equal(10_000, lines.Count);
        Assert.Equal(10_000, lines.Select(l => l.Split(' ')[1]).Distinct().Count());
        Assert.Equal("10000", lines[^1].Split(' ')[0]);
        // The password hash (PBKDF2, 210,000 rounds) is most of this; the listing itself takes milliseconds.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"login + UIDL took {watch.Elapsed.TotalMilliseconds:F0} ms");
    }
}
