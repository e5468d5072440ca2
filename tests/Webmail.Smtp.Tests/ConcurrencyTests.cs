using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Webmail.Storage;
using Webmail.Testing;

namespace Webmail.Smtp.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task HundredConcurrentSessionsDeliverThousandMessagesNoneLostOrDuplicated()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:MaxSessionsPerIp"] = "200" });
        var account = await server.CreateAccountAsync("load@local.example");
        var log = CapturedLog.AttachTo(server.Services);
        const int sessions = 100, perSession = 10;
        var body = new string('x', 900);

        var sending = Task.WhenAll(Enumerable.Range(0, sessions).Select(async s =>
        {
            using var client = new SmtpClient();
            await client.ConnectAsync("127.0.0.1", server.SmtpPort, SecureSocketOptions.None);
            for (var i = 0; i < perSession; i++)
            {
                var message = new MimeMessage();
                message.From.Add(MailboxAddress.Parse("sender@remote.example"));
                message.To.Add(MailboxAddress.Parse("load@local.example"));
                message.Subject = $"load {s}-{i}";
                message.MessageId = $"load-{s}-{i}@test.example";
                message.Body = new TextPart("plain") { Text = body };
                // SendAsync returns only after the server's 250, which it gives only once the message is committed.
                await client.SendAsync(message);
            }
            await client.DisconnectAsync(true);
        }));
        try
        {
            await sending;
        }
        catch (SmtpCommandException e)
        {
            // The reply says only "451"; the server's log says why.
            Assert.Fail($"{e.Message}\nServer errors:\n{string.Join("\n", log.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Warning", StringComparison.Ordinal)))}");
        }

        var database = server.Services.GetRequiredService<SqliteDatabase>();
        await using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), count(DISTINCT message_id) FROM messages WHERE account_id = $a";
        command.Parameters.AddWithValue("$a", account.Id);
        using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(sessions * perSession, reader.GetInt64(0));
        Assert.Equal(sessions * perSession, reader.GetInt64(1));
    }
}
