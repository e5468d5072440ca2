using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webmail.Admin;
using Webmail.Core.Configuration;
using Webmail.Core.Security;
using Webmail.Testing;

namespace Webmail.Web.Tests.Admin;

/// <summary>Live settings reach every reader of IOptionsMonitor at once and survive a restart.</summary>
public sealed class LiveSettingsTests
{
    [Fact]
    public async Task LoginLimiterUsesTheNewThresholdImmediately()
    {
        await using var server = await TestServer.StartAsync();
        var live = server.Services.GetRequiredService<LiveSettings>();
        var limiter = server.Services.GetRequiredService<LoginLimiter>();
        var ip = IPAddress.Parse("192.0.2.7");

        await live.SetAsync(LiveSetting.MaxFailedLogins, 2, "root@admin.example", default);

        Assert.False(limiter.RecordFailure(ip, "someone@x.example"));
        Assert.True(limiter.RecordFailure(ip, "someone@x.example"));
        Assert.True(limiter.IsBlocked(ip, "someone@x.example"));
    }

    [Fact]
    public async Task SettingsApplyToOptionsMonitorAndSurviveARestart()
    {
        using var data = new TempDirectory();
        await using (var server = await TestServer.StartAsync(dataDirectory: data.Path))
        {
            var live = server.Services.GetRequiredService<LiveSettings>();
            var monitor = server.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>();
            Assert.Equal(25L * 1024 * 1024, monitor.CurrentValue.Limits.MaxMessageSize);

            await live.SetAsync(LiveSetting.MaxMessageSize, 1024 * 1024, "root@admin.example", default);
            await live.SetAsync(LiveSetting.DefaultQuota, 5 * 1024 * 1024, "root@admin.example", default);

            Assert.Equal(1024 * 1024, monitor.CurrentValue.Limits.MaxMessageSize);
            // The directory service reads the default quota from the same monitor.
            var account = await server.CreateAccountAsync("new@quota.example");
            Assert.Equal(5 * 1024 * 1024, account.QuotaBytes);
        }

        await using (var restarted = await TestServer.StartAsync(dataDirectory: data.Path))
        {
            var monitor = restarted.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>();
            Assert.Equal(1024 * 1024, monitor.CurrentValue.Limits.MaxMessageSize);
            Assert.Equal(5 * 1024 * 1024, monitor.CurrentValue.Limits.DefaultQuota);

            // Clearing the override returns to the configured value.
            await restarted.Services.GetRequiredService<LiveSettings>().SetAsync(LiveSetting.MaxMessageSize, null, "root@admin.example", default);
            Assert.Equal(25L * 1024 * 1024, monitor.CurrentValue.Limits.MaxMessageSize);
        }
    }

    [Fact]
    public async Task OutOfRangeValueIsRefusedAndNotStored()
    {
        await using var server = await TestServer.StartAsync();
        var live = server.Services.GetRequiredService<LiveSettings>();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => live.SetAsync(LiveSetting.MaxFailedLogins, 0, "root@admin.example", default));
        Assert.Null(live.GetOverride(LiveSetting.MaxFailedLogins));
        Assert.Equal(10, server.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>().CurrentValue.Security.MaxFailedLogins);
    }

    [Fact]
    public async Task ChangesAreAudited()
    {
        await using var server = await TestServer.StartAsync();
        await server.Services.GetRequiredService<LiveSettings>().SetAsync(LiveSetting.LoginBanMinutes, 30, "root@admin.example", default);
        var entries = await server.Services.GetRequiredService<Core.Storage.IAuditLog>().QueryAsync("settings.set", 0, 10, default);
        var entry = Assert.Single(entries.Items);
        Assert.Equal(("root@admin.example", LiveSetting.LoginBanMinutes.Key, "30"), (entry.Actor, entry.Target, entry.Detail));
        Assert.Equal(TimeSpan.FromMinutes(30), server.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>().CurrentValue.Security.LoginBanDuration);
    }
}
