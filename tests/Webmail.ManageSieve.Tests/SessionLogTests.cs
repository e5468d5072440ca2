using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webmail.Testing;

namespace Webmail.ManageSieve.Tests;

/// <summary>One structured line per session with its outcome; never a password or a script's text.</summary>
public sealed class SessionLogTests
{
    [Fact]
    public async Task EachSessionEndsWithOneLineAndNoSecrets()
    {
        var log = new CapturedLog();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
        await using var host = await ManageSieveTestHost.StartAsync(loggers: loggers);
        // The credential check logs through the store's own loggers.
        host.Store.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        const string wrong = "wrong-password-4711";
        const string script = "# secret-script-marker\r\nkeep;";

        await using (var client = await host.ConnectAsync())
        {
            Assert.Equal("NO \"Authentication failed\"", (await client.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{SieveTranscript.Plain(ManageSieveTestHost.Address, wrong)}\"")).Status);
            Assert.Equal("OK \"Logged in\"", (await client.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{SieveTranscript.Plain(ManageSieveTestHost.Address, ManageSieveTestHost.Password)}\"")).Status);
            Assert.Equal("OK \"Putscript completed\"", (await client.CommandAsync($"PUTSCRIPT \"rules\" {{{script.Length}+}}\r\n{script}")).Status);
            Assert.Equal("OK \"Logout completed\"", (await client.CommandAsync("LOGOUT")).Status);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!log.Messages.Any(m => m.StartsWith("ManageSieve session ", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var line = Assert.Single(log.Messages, m => m.StartsWith("ManageSieve session ", StringComparison.Ordinal));
        Assert.Matches(@"^ManageSieve session managesieve-\d+ from 127\.0\.0\.1 as lucy@local\.example: logout; 4 commands, TLS None, \d+ ms$", line);
        Assert.Contains(log.Messages, m => m.Contains("Failed login for lucy@local.example", StringComparison.Ordinal) && m.Contains("managesieve", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains(wrong, StringComparison.Ordinal) || l.Contains(ManageSieveTestHost.Password, StringComparison.Ordinal) || l.Contains("secret-script-marker", StringComparison.Ordinal));
    }
}
