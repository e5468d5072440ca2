using System.Net;
using System.Text.Json;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary>
/// The whole server over a 96 MB file system filled by inbound mail (issue 15, part 12): new mail
/// gets 452 and nothing is lost, while every door that reads and deletes keeps working, and
/// /healthz says the store is degraded until space returns.
/// </summary>
public sealed class FullDiskTests
{
    private const string Address = "lucy@local.example";
    private const string Password = "correct horse";

    [Fact]
    public async Task OnAFullDiskMailCanStillBeReadAndDeletedAndWritesRecoverWhenSpaceReturns()
    {
        // 96 MB: big enough for the store's full 20 MB reserve (DiskSpaceGuard takes at most a quarter).
        using var disk = SmallDisk.Mount(96);
        // Someone else's file on the same file system: what the operator deletes to make room.
        var otherFile = disk.WriteFile("other-files.bin", 40);
        var data = Path.Combine(disk.Path, "data");
        await using var server = await TestServer.StartAsync(dataDirectory: data);
        await server.CreateAccountAsync(Address, Password);
        using var web = new WebSession(server.BaseUrl);
        // Signed in once while there is room (the web sign-in keys are written on first use).
        using (var signedIn = await web.SignInAsync(Address, Password))
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        // Fill the disk through real SMTP until the server says it has no room.
        var acknowledged = new List<string>();
        int? refusal = null;
        for (var i = 0; i < 200 && refusal is null; i++)
        {
            var (id, code) = await SendAsync(server.SmtpPort, attachmentBytes: 512 * 1024);
            if (code == 250)
                acknowledged.Add(id);
            else
                refusal = code;
        }
        Assert.True(refusal is not null, $"the disk never filled ({acknowledged.Count} messages accepted)");
        // RFC 5321 §4.2.3: 452 insufficient system storage, a temporary failure the sender retries.
        Assert.Equal(452, refusal);
        Assert.Equal(452, (await SendAsync(server.SmtpPort, attachmentBytes: 64 * 1024)).Code);

        // POP3: sign in, RETR, DELE and QUIT all work on the full disk.
        using (var pop3 = new Pop3Client())
        {
            await pop3.ConnectAsync("127.0.0.1", server.Pop3Port, SecureSocketOptions.None);
            await pop3.AuthenticateAsync(Address, Password);
            Assert.Equal(acknowledged.Count, pop3.Count);
            var first = await pop3.GetMessageAsync(0);
            Assert.Equal(acknowledged[0], first.MessageId);
            await pop3.DeleteMessagesAsync([0, 1, 2, 3, 4]);
            await pop3.DisconnectAsync(quit: true);
        }
        using (var pop3 = new Pop3Client())
        {
            await pop3.ConnectAsync("127.0.0.1", server.Pop3Port, SecureSocketOptions.None);
            await pop3.AuthenticateAsync(Address, Password);
            Assert.Equal(acknowledged.Count - 5, pop3.Count);
            await pop3.DisconnectAsync(quit: true);
        }

        // Health: the node still serves reads, so it stays in rotation, but says writes fail.
        var (status, health) = await HealthAsync(web);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("degraded", health.Status);
        Assert.Equal("write-failing", health.Store);

        // Web: signing in again, reading the raw message, and what the mailbox's Delete does
        // (move to Trash, then delete for good) through the same store calls the UI makes.
        using var web2 = new WebSession(server.BaseUrl);
        using (var signedIn = await web2.SignInAsync(Address, Password))
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var account = (await server.Directory.FindAccountAsync(Address, default))!;
        var inbox = await server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        var trash = await server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Trash, default);
        var listed = (await server.Messages.ListAsync(account.Id, inbox.Id, 0, 10, MessageSort.DateAscending, default)).Items;
        using (var source = await web2.GetAsync($"/mail/messages/{listed[0].Id}/source"))
        {
            Assert.Equal(HttpStatusCode.OK, source.StatusCode);
            Assert.Contains(acknowledged[5], await source.Content.ReadAsStringAsync());
        }
        await server.Messages.SetFlagsAsync(account.Id, [listed[0].Id], MessageFlags.Seen, set: true, default);
        await server.Messages.MoveAsync(account.Id, [listed[0].Id, listed[1].Id], trash.Id, default);
        Assert.Equal(2, await server.Messages.EmptyFolderAsync(account.Id, trash.Id, default));

        // Still no room for new mail: deleting freed pages inside the database, not on the disk.
        Assert.Equal(452, (await SendAsync(server.SmtpPort, attachmentBytes: 64 * 1024)).Code);

        // The operator frees space: writes come back without a restart, and health says ok.
        File.Delete(otherFile);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await HealthAsync(web)).Body.Status != "ok" && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        (status, health) = await HealthAsync(web);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", health.Status);
        Assert.Equal("ok", health.Store);
        var (after, afterCode) = await SendAsync(server.SmtpPort, attachmentBytes: 64 * 1024);
        Assert.Equal(250, afterCode);
        using (var pop3 = new Pop3Client())
        {
            await pop3.ConnectAsync("127.0.0.1", server.Pop3Port, SecureSocketOptions.None);
            await pop3.AuthenticateAsync(Address, Password);
            Assert.Equal(acknowledged.Count - 5 - 2 + 1, pop3.Count);
            Assert.Equal(after, (await pop3.GetMessageAsync(pop3.Count - 1)).MessageId);
            await pop3.DisconnectAsync(quit: true);
        }
    }

    private sealed record HealthBody(string Status, string Store);

    private static async Task<(HttpStatusCode Status, HealthBody Body)> HealthAsync(WebSession web)
    {
        using var response = await web.GetAsync("/healthz");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, new HealthBody(json.RootElement.GetProperty("status").GetString()!, json.RootElement.GetProperty("store").GetString()!));
    }

    /// <summary>Sends one message with a random attachment; returns its Message-ID and the reply code to DATA (250 or the refusal).</summary>
    private static async Task<(string MessageId, int Code)> SendAsync(int port, int attachmentBytes)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@remote.example"));
        message.To.Add(MailboxAddress.Parse(Address));
        message.Subject = "filling the disk";
        message.MessageId = Guid.NewGuid().ToString("N") + "@remote.example";
        var bytes = new byte[attachmentBytes];
        Random.Shared.NextBytes(bytes);
        var body = new BodyBuilder { TextBody = "An attachment that takes room." };
        body.Attachments.Add("noise.bin", bytes);
        message.Body = body.ToMessageBody();

        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
        try
        {
            await client.SendAsync(message);
            return (message.MessageId, 250);
        }
        catch (SmtpCommandException e)
        {
            return (message.MessageId, (int)e.StatusCode);
        }
        finally
        {
            if (client.IsConnected)
                await client.DisconnectAsync(quit: true);
        }
    }
}
