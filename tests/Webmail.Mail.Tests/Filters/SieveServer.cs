using System.Text;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Storage;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Filters;

/// <summary>
/// The whole server (SMTP on loopback, real SQLite) for local.example with Bob (who has the scripts) and Alice;
/// remote.example is routed to a scripted SMTP server, which receives what the queue worker sends.
/// </summary>
public sealed class SieveServer : IAsyncDisposable
{
    public const string Hostname = "mx.local.example";

    private SieveServer(TestServer server, ScriptedSmtpServer remote)
    {
        Server = server;
        Remote = remote;
    }

    public TestServer Server { get; }
    public ScriptedSmtpServer Remote { get; }
    public Account Bob { get; private set; } = null!;
    public Account Alice { get; private set; } = null!;
    public IMessageStore Messages => Server.Messages;
    public SieveScriptService Scripts => Server.Services.GetRequiredService<SieveScriptService>();
    public IOutboundQueueStore Queue => Server.Services.GetRequiredService<IOutboundQueueStore>();
    public SqliteDatabase Database => Server.Services.GetRequiredService<SqliteDatabase>();

    /// <param name="provider">The store: SQLite, or a fresh PostgreSQL database of the server's own.</param>
    public static async Task<SieveServer> StartAsync(long? bobQuota = null, StoreProvider provider = StoreProvider.Sqlite)
    {
        var remote = new ScriptedSmtpServer();
        var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Hostname"] = Hostname,
            ["Webmail:Delivery:Routes:remote.example"] = remote.Endpoint,
            ["Webmail:Delivery:ConnectTimeout"] = "00:00:05",
            ["Webmail:Delivery:CommandTimeout"] = "00:00:10",
        }, provider: provider);
        var harness = new SieveServer(server, remote);
        harness.Bob = await server.CreateAccountAsync("bob@local.example", quota: bobQuota);
        harness.Alice = await server.CreateAccountAsync("alice@local.example");
        return harness;
    }

    /// <summary>Stores <paramref name="script"/> as Bob's active script (it must be valid).</summary>
    public async Task ActivateAsync(string script, Account? account = null)
    {
        account ??= Bob;
        var put = await Scripts.PutAsync(account.Id, "test", "main", script, default);
        Assert.True(put.Succeeded, put.Message);
        Assert.True((await Scripts.ActivateAsync(account.Id, "test", "main", default)).Succeeded);
    }

    /// <summary>Sends over inbound SMTP with MailKit; returns the server's reply to DATA, or throws its refusal.</summary>
    public async Task<string> SendAsync(byte[] raw, string mailFrom = "sender@remote.example", params string[] recipients)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", Server.SmtpPort, MailKit.Security.SecureSocketOptions.None);
        var message = MimeMessage.Load(new MemoryStream(raw));
        var reply = await client.SendAsync(message, MailboxAddress.Parse(mailFrom),
            (recipients.Length == 0 ? ["bob@local.example"] : recipients).Select(MailboxAddress.Parse));
        await client.DisconnectAsync(true);
        return reply;
    }

    /// <summary>
    /// Sends with the null reverse path <c>MAIL FROM:&lt;&gt;</c> (a bounce), which MailKit does not: the SMTP
    /// exchange by hand, each reply checked.
    /// </summary>
    public async Task SendWithNullSenderAsync(byte[] raw, string recipient = "bob@local.example")
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", Server.SmtpPort);
        using var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        async Task<string> ReplyAsync()
        {
            string line;
            do line = (await reader.ReadLineAsync())!;
            while (line.Length > 3 && line[3] == '-');
            return line;
        }
        async Task SayAsync(string text, char expected)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
            var reply = await ReplyAsync();
            Assert.True(reply[0] == expected, $"{text.Trim()} -> {reply}");
        }
        Assert.StartsWith("220", await ReplyAsync());
        await SayAsync("EHLO client.remote.example\r\n", '2');
        await SayAsync("MAIL FROM:<>\r\n", '2');
        await SayAsync($"RCPT TO:<{recipient}>\r\n", '2');
        await SayAsync("DATA\r\n", '3');
        await stream.WriteAsync(raw);
        await SayAsync(".\r\n", '2');
        await SayAsync("QUIT\r\n", '2');
    }

    /// <summary>The inbound server's reply to <c>RCPT TO:&lt;recipient&gt;</c> after <c>MAIL FROM:&lt;mailFrom&gt;</c>; the transaction is then reset.</summary>
    public async Task<string> RcptReplyAsync(string mailFrom, string recipient)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", Server.SmtpPort);
        using var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        async Task<string> SayAsync(string? text)
        {
            if (text is not null)
                await stream.WriteAsync(Encoding.ASCII.GetBytes(text + "\r\n"));
            string line;
            do line = (await reader.ReadLineAsync())!;
            while (line.Length > 3 && line[3] == '-');
            return line;
        }
        Assert.StartsWith("220", await SayAsync(null));
        Assert.StartsWith("250", await SayAsync("EHLO client.remote.example"));
        Assert.StartsWith("250", await SayAsync($"MAIL FROM:<{mailFrom}>"));
        var reply = await SayAsync($"RCPT TO:<{recipient}>");
        Assert.StartsWith("221", await SayAsync("QUIT"));
        return reply;
    }

    public async Task<IReadOnlyList<MessageSummary>> FolderAsync(Account account, long folderId) =>
        (await Messages.ListAsync(account.Id, folderId, 0, 100, MessageSort.DateDescending, default)).Items;

    public async Task<IReadOnlyList<MessageSummary>> InboxAsync(Account? account = null)
    {
        account ??= Bob;
        var inbox = await Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        return await FolderAsync(account, inbox.Id);
    }

    public async Task<string> RawAsync(Account account, MessageSummary message) =>
        Encoding.UTF8.GetString((await Messages.GetRawAsync(account.Id, message.Id, default))!);

    public async Task<Folder?> FindFolderAsync(Account account, string name, long? parentId = null) =>
        (await Messages.GetFoldersAsync(account.Id, default)).FirstOrDefault(f => f.Name == name && f.ParentId == parentId);

    /// <summary>The error recorded beside Bob's script, or null.</summary>
    public async Task<string?> LastErrorAsync() => (await Scripts.ListAsync(Bob.Id, default)).Single().LastError;

    /// <summary>Waits (up to 15 s) until the remote has accepted <paramref name="count"/> transactions.</summary>
    public async Task<IReadOnlyList<SmtpTransaction>> RemoteReceivedAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (Remote.Accepted.Count < count && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return Remote.Accepted;
    }

    /// <summary>
    /// Waits (up to 15 s) until the queue is empty: every message queued so far has reached the remote (or failed).
    /// A delivery's queued messages commit before its 250, so afterwards the remote has all of them.
    /// </summary>
    public async Task<IReadOnlyList<SmtpTransaction>> QueueDrainedAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await Queue.CountAsync(default) > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal(0, await Queue.CountAsync(default));
        return Remote.Accepted;
    }

    public long Scalar(string sql)
    {
        using var connection = Database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Remote.DisposeAsync();
    }
}
