using System.Net;
using MailKit.Net.Smtp;
using MimeKit;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>Idle connections from one address are capped (Webmail:Limits:MaxSessionsPerIp, 421 per RFC 5321 §3.8); others are served.</summary>
public sealed class SlowLorisTests
{
    [Fact]
    public async Task IdleSessionsFromOneAddressAreCappedAndOtherClientsAreServed()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:MaxSessionsPerIp"] = "10" });
        await server.CreateAccountAsync("user@local.example");
        var idle = new List<RawSmtp>();
        try
        {
            var codes = new List<int>();
            for (var i = 0; i < 60; i++)
            {
                var (client, greeting) = await RawSmtp.ConnectAsync(server.SmtpPort);
                idle.Add(client);
                codes.Add(RawSmtp.Code(greeting));
            }

            Assert.Equal(10, codes.Count(c => c == 220));
            Assert.Equal(50, codes.Count(c => c == 421));

            // Another address delivers while the slots of 127.0.0.1 are all held.
            using var other = new SmtpClient { LocalEndPoint = new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0), Timeout = 10_000 };
            await other.ConnectAsync("127.0.0.1", server.SmtpPort, MailKit.Security.SecureSocketOptions.None);
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("someone@remote.example"));
            message.To.Add(MailboxAddress.Parse("user@local.example"));
            message.Subject = "through the crowd";
            message.Body = new TextPart("plain") { Text = "hi" };
            var reply = await other.SendAsync(message);
            Assert.StartsWith("2.0.0 Ok", reply);
            await other.DisconnectAsync(true);
        }
        finally
        {
            foreach (var client in idle)
                client.Dispose();
        }

        // Once the idle sessions are gone their slots come back.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var code = 0;
        while (DateTime.UtcNow < deadline && code != 220)
        {
            var (again, greeting) = await RawSmtp.ConnectAsync(server.SmtpPort);
            using (again)
                code = RawSmtp.Code(greeting);
            if (code != 220)
                await Task.Delay(200);
        }
        Assert.Equal(220, code);
    }
}
