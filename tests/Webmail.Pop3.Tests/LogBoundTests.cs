using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Storage;

namespace Webmail.Pop3.Tests;

/// <summary>User names a client sends reach the audit log (and the logs) with control characters escaped.</summary>
public sealed class LogBoundTests : IAsyncLifetime
{
    private Pop3TestHost _host = null!;

    public async Task InitializeAsync() => _host = await Pop3TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<IReadOnlyList<string>> FailedLoginActorsAsync()
    {
        var audit = await _host.Store.Services.GetRequiredService<IAuditLog>().QueryAsync(null, 0, 100, default);
        return audit.Items.Where(e => e.Action == "login.failed").Select(e => e.Actor).ToList();
    }

    [Fact]
    public async Task UserNameWithTerminalEscapeIsAuditedEscaped()
    {
        await using var client = await _host.ConnectAsync();
        Assert.Equal("+OK", await client.CommandAsync("USER evil\u001b[2J\u0007name"));

        Assert.StartsWith("-ERR [AUTH]", await client.CommandAsync("PASS wrong"));

        Assert.Equal(["evil\\x1B[2J\\x07name"], await FailedLoginActorsAsync());
    }

    [Fact]
    public async Task SaslUserNameWithLineBreaksIsAuditedEscaped()
    {
        await using var client = await _host.ConnectAsync();
        var response = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0evil\r\nFAKE AUDIT LINE\0wrong"));

        Assert.StartsWith("-ERR [AUTH]", await client.CommandAsync("AUTH PLAIN " + response));

        Assert.Equal(["evil\\x0D\\x0AFAKE AUDIT LINE"], await FailedLoginActorsAsync());
    }
}
