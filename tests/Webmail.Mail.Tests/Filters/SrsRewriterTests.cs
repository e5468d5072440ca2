using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Storage;
using Webmail.Mail.Filters;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Filters;

/// <summary>The SRS0 form of a forwarded message's sender, keyed by the secret kept in the server state.</summary>
public sealed class SrsRewriterTests : IAsyncLifetime
{
    private readonly TestStore _store = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private IServerStateStore State => _store.Services.GetRequiredService<IServerStateStore>();

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task TheAddressCarriesTheDayAndAnHmacOverItUnderTheStoredSecret()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        await State.SetSettingAsync(SrsRewriter.SecretKey, Convert.ToBase64String(secret), default);
        // 2026-12-05 is day 20,792 since 1970; 20,792 mod 1024 = 312 = 9 × 32 + 24: "J" and "Y" in base 32.
        var rewriter = new SrsRewriter(State, new FixedTime(new DateTimeOffset(2026, 12, 5, 18, 0, 0, TimeSpan.Zero)));

        var address = await rewriter.ForwardAsync("Jane.Doe@Remote.example", "local.example", default);

        var mac = Convert.ToBase64String(HMACSHA1.HashData(secret, Encoding.UTF8.GetBytes("jyremote.examplejane.doe")))[..4];
        Assert.Equal($"SRS0={mac}=JY=Remote.example=Jane.Doe@local.example", address);
    }

    [Fact]
    public async Task TheSecretIsMadeOnceAndKept()
    {
        var now = new FixedTime(DateTimeOffset.UtcNow);
        var first = await new SrsRewriter(State, now).ForwardAsync("a@remote.example", "local.example", default);

        var stored = await State.GetSettingAsync(SrsRewriter.SecretKey, default);
        var again = await new SrsRewriter(State, now).ForwardAsync("a@remote.example", "local.example", default);

        Assert.Equal(32, Convert.FromBase64String(stored!).Length);
        Assert.Equal(first, again);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(21, true)]
    [InlineData(22, false)]
    [InlineData(-1, false)]
    public async Task TheReversePathIsHonouredForTwentyOneDays(int daysLater, bool honoured)
    {
        var forwarded = new DateTimeOffset(2026, 12, 5, 18, 0, 0, TimeSpan.Zero);
        var address = await new SrsRewriter(State, new FixedTime(forwarded)).ForwardAsync("Jane=Doe@Remote.example", "local.example", default);

        var original = await new SrsRewriter(State, new FixedTime(forwarded.AddDays(daysLater))).ReverseAsync(address, default);

        Assert.Equal(honoured ? "Jane=Doe@Remote.example" : null, original);
    }

    [Theory]
    [InlineData("bob@local.example")]
    [InlineData("SRS0=@local.example")]
    [InlineData("SRS0=abcd=JY=remote.example@local.example")]
    [InlineData("SRS0=abcd=J1=remote.example=jane@local.example")]
    [InlineData("SRS1=abcd=remote.example==abcd=JY=other.example=jane@local.example")]
    public async Task WhatIsNotOneOfOurSrs0AddressesHasNoReversePath(string address)
    {
        Assert.Null(await new SrsRewriter(State, TimeProvider.System).ReverseAsync(address, default));
    }

    [Fact]
    public async Task TheNullSenderStaysNull()
    {
        Assert.Equal("", await new SrsRewriter(State, TimeProvider.System).ForwardAsync("", "local.example", default));
    }
}
