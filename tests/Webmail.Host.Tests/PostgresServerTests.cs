using System.Text;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary>
/// <c>Webmail serve</c> with <c>Webmail:Store:Provider=postgres</c> on the test PostgreSQL cluster: the whole process
/// starts (migrations, live settings, listeners) and one message goes in over SMTP and comes out byte for byte over
/// POP3 and IMAP.
/// </summary>
public sealed class PostgresServerTests
{
    [Fact]
    public async Task TheServerTakesMailOverSmtpAndServesItOverPop3AndImapFromPostgreSql()
    {
        using var data = new TempDirectory("webmail-pg-server");
        var database = PostgresCluster.CreateDatabase();
        try
        {
            var store = new Dictionary<string, string?> { ["Webmail:Store:Provider"] = "postgres", ["Webmail:Store:ConnectionString"] = database };
            await using (var accounts = new TestStoreAt(data.Path, store))
                await accounts.CreateAccountAsync("user@local.example", "correct horse");
            var (smtp, pop3, imap) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
            await using var server = await ServerProcess.StartAsync(data.Path,
                "--Webmail:Store:Provider=postgres", $"--Webmail:Store:ConnectionString={database}",
                $"--Webmail:Smtp:Inbound:Endpoint=127.0.0.1:{smtp}", $"--Webmail:Pop3:Endpoint=127.0.0.1:{pop3}", $"--Webmail:Imap:Endpoint=127.0.0.1:{imap}");

            var sent = MimeMessage.Load(new MemoryStream(TestMessages.Simple(subject: "Stored in PostgreSQL", body: "Every byte of it.")));
            using (var client = new SmtpClient())
            {
                await client.ConnectAsync("127.0.0.1", smtp, SecureSocketOptions.None);
                await client.SendAsync(sent);
                await client.DisconnectAsync(true);
            }

            byte[] popped;
            using (var client = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true })
            {
                await client.ConnectAsync("127.0.0.1", pop3, SecureSocketOptions.StartTls);
                await client.AuthenticateAsync("user@local.example", "correct horse");
                Assert.Equal(1, client.Count);
                using var stream = await client.GetStreamAsync(0);
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy);
                popped = copy.ToArray();
                await client.DisconnectAsync(true);
            }
            var text = Encoding.UTF8.GetString(popped);
            Assert.Contains("\r\nReceived: from ", text);
            Assert.Contains("Subject: Stored in PostgreSQL\r\n", text);
            Assert.EndsWith("Every byte of it.\r\n", text);

            using (var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
            {
                await client.ConnectAsync("127.0.0.1", imap, SecureSocketOptions.StartTls);
                await client.AuthenticateAsync("user@local.example", "correct horse");
                await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
                Assert.Equal(1, client.Inbox.Count);
                using var stream = await client.Inbox.GetStreamAsync(0, "");
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy);
                Assert.Equal(popped, copy.ToArray());
                await client.DisconnectAsync(true);
            }
        }
        finally
        {
            PostgresCluster.DropDatabase(database);
        }
    }
}
