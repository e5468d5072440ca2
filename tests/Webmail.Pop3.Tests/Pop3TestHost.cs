using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Pop3;
using Webmail.Pop3.Net;
using Webmail.Pop3.Protocol;
using Webmail.Storage;
using Webmail.Testing;

namespace Webmail.Pop3.Tests;

/// <summary>A real store in a temp folder and a real POP3 listener on a loopback port, with one account.</summary>
public sealed class Pop3TestHost : IAsyncDisposable
{
    public const string Address = "user@local.example";
    public const string Password = "correct horse";

    private readonly List<Pop3Listener> _listeners = [];

    private Pop3TestHost(TestStore store, Pop3ServerContext context)
    {
        Store = store;
        Context = context;
    }

    public TestStore Store { get; }
    public Pop3ServerContext Context { get; }
    public Account Account { get; private set; } = null!;
    public Folder Inbox { get; private set; } = null!;
    public int Port { get; private set; }
    public int TlsPort { get; private set; }
    public IMessageStore Messages => Store.Messages;

    /// <param name="loggers">The server's loggers (a test that reads the session log); otherwise none, or the console with POP3_TEST_LOG=1.</param>
    public static Task<Pop3TestHost> StartAsync(IDictionary<string, string?>? settings = null, bool implicitTls = false, Action<Pop3ServerContext>? configure = null, ILoggerFactory? loggers = null) =>
        StartAsync(StoreProvider.Sqlite, settings, implicitTls, configure, loggers);

    /// <param name="provider">The store the maildrop lives in: SQLite in a temp folder, or a fresh PostgreSQL database.</param>
    public static async Task<Pop3TestHost> StartAsync(StoreProvider provider, IDictionary<string, string?>? settings = null, bool implicitTls = false, Action<Pop3ServerContext>? configure = null, ILoggerFactory? loggers = null)
    {
        var store = new TestStore(provider, settings);
        // POP3_TEST_LOG=1 prints the server's log (session lines, failures) to the console when debugging a test.
        var context = loggers is not null
            ? ActivatorUtilities.CreateInstance<Pop3ServerContext>(store.Services, new MaildropLocks(), new ConnectionCounter(), loggers)
            : Environment.GetEnvironmentVariable("POP3_TEST_LOG") is null
            ? ActivatorUtilities.CreateInstance<Pop3ServerContext>(store.Services, new MaildropLocks(), new ConnectionCounter())
            : ActivatorUtilities.CreateInstance<Pop3ServerContext>(store.Services, new MaildropLocks(), new ConnectionCounter(), Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug)));
        configure?.Invoke(context);
        var host = new Pop3TestHost(store, context);
        host.Account = await store.CreateAccountAsync(Address, Password);
        host.Inbox = await store.Messages.GetSpecialFolderAsync(host.Account.Id, SpecialFolder.Inbox, default);
        host.Port = host.Listen("pop3", implicitTls: false);
        if (implicitTls)
            host.TlsPort = host.Listen("pop3s", implicitTls: true);
        return host;
    }

    private int Listen(string name, bool implicitTls)
    {
        var listener = new Pop3Listener(name, new IPEndPoint(IPAddress.Loopback, 0), implicitTls, Context);
        listener.Start();
        _listeners.Add(listener);
        return listener.LocalEndPoint.Port;
    }

    public Task<StoredMessage> AppendAsync(byte[] raw, MessageFlags flags = MessageFlags.None) =>
        Messages.AppendAsync(Account.Id, Inbox.Id, raw, flags);

    /// <summary>Fills the INBOX with <paramref name="count"/> distinct messages of about <paramref name="size"/> bytes (through the import API).</summary>
    public Task FillAsync(int count, int size = 600) =>
        BulkMessages.FillAsync(Store.Services.GetRequiredService<IImportStore>(), Account.Id, Inbox.Id, count, _ => TestMessages.OfSize(size));

    public Task<RawPop3Client> ConnectAsync() => RawPop3Client.ConnectAsync(Port);

    /// <summary>Connects and logs in with USER/PASS; the greeting and both replies are checked.</summary>
    public async Task<RawPop3Client> LoginAsync()
    {
        var client = await ConnectAsync();
        Assert.Equal("+OK", await client.CommandAsync("USER " + Address));
        Assert.StartsWith("+OK Maildrop has ", await client.CommandAsync("PASS " + Password));
        return client;
    }

    public async Task<IReadOnlyList<MessageSummary>> ListAsync(SpecialFolder folder)
    {
        var f = await Messages.GetSpecialFolderAsync(Account.Id, folder, default);
        return (await Messages.ListAsync(Account.Id, f.Id, 0, 500, MessageSort.DateAscending, default)).Items;
    }

    /// <summary>Stops the listeners the way the server's shutdown does: open sessions end, without the UPDATE state.</summary>
    public async Task StopListenersAsync()
    {
        foreach (var listener in _listeners)
            await listener.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopListenersAsync();
        await Store.DisposeAsync();
    }
}
