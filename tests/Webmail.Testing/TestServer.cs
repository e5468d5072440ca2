using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Hosting;
using Webmail.Storage;

namespace Webmail.Testing;

/// <summary>
/// The whole server in-process, as <c>Webmail serve</c> runs it: web, SMTP inbound and
/// submission, POP3, IMAP, on free loopback ports, over a real SQLite file in a temp folder or (with
/// <see cref="StoreProvider.Postgres"/>) a fresh database on the test PostgreSQL cluster, dropped on dispose.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly TempDirectory? _ownedDirectory;
    private readonly WebApplication _app;
    private readonly LoopbackDnsServer? _ownedDns;
    private readonly string? _postgres;

    private TestServer(WebApplication app, TempDirectory? ownedDirectory, LoopbackDnsServer? ownedDns, string dataDirectory, Dictionary<string, int> ports, string? postgres)
    {
        _app = app;
        _postgres = postgres;
        Provider = postgres is null ? StoreProvider.Sqlite : StoreProvider.Postgres;
        _ownedDirectory = ownedDirectory;
        _ownedDns = ownedDns;
        DataDirectory = dataDirectory;
        WebPort = ports["web"];
        SmtpPort = ports["smtp"];
        SubmissionPort = ports["submission"];
        Pop3Port = ports["pop3"];
        ImapPort = ports["imap"];
        ManageSievePort = ports["managesieve"];
    }

    public StoreProvider Provider { get; }
    public string DataDirectory { get; }
    public int WebPort { get; }
    public int SmtpPort { get; }
    public int SubmissionPort { get; }
    public int Pop3Port { get; }
    public int ImapPort { get; }
    public int ManageSievePort { get; }
    public string BaseUrl => $"http://127.0.0.1:{WebPort}";
    public IServiceProvider Services => _app.Services;
    /// <summary>The whole message store of the provider.</summary>
    public IMessageStore Messages => Services.GetRequiredService<IMessageStore>();

    /// <summary>The SQLite message store itself, for SQLite-only tests.</summary>
    public SqliteMessageStore SqliteMessages => Services.GetRequiredService<SqliteMessageStore>();
    public IDirectoryStore Directory => Services.GetRequiredService<IDirectoryStore>();

    /// <summary>Starts a server. <paramref name="settings"/> are extra configuration keys (e.g. <c>Webmail:Hostname</c>).</summary>
    /// <param name="services">More services, registered after the server's own (a content scanner, a counter).</param>
    /// <param name="provider">The store: SQLite in the data directory, or a fresh PostgreSQL database of its own.</param>
    public static async Task<TestServer> StartAsync(IDictionary<string, string?>? settings = null, string? dataDirectory = null, Action<IServiceCollection>? services = null,
        StoreProvider provider = StoreProvider.Sqlite)
    {
        var postgres = provider == StoreProvider.Postgres ? PostgresCluster.CreateDatabase() : null;
        if (postgres is not null)
        {
            settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
            {
                ["Webmail:Store:Provider"] = "postgres",
                ["Webmail:Store:ConnectionString"] = postgres,
            };
        }
        var owned = dataDirectory is null ? new TempDirectory("webmail-server") : null;
        var dir = dataDirectory ?? owned!.Path;
        var dns = LoopbackDnsServer.UnlessConfigured(settings?.Keys ?? []);
        if (dns is not null)
            settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Webmail:Dns:Servers:0"] = dns.Endpoint };
        // FreePort hands out a port that was free a moment ago; another test process can take it
        // before a listener binds. Then start again on fresh ports.
        for (var attempt = 1; ; attempt++)
        {
            var (app, ports) = Build(settings, dir, services);
            try
            {
                await app.StartAsync();
            }
            catch (IOException e) when (attempt < 3 && IsPortTaken(e))
            {
                await app.DisposeAsync();
                continue;
            }
            // Every listener binds during start-up (a taken port throws above), so all accept now.
            if (!app.Services.GetRequiredService<Webmail.Core.Hosting.ListenerRegistry>().AllUp)
                throw new InvalidOperationException("The server started with a listener down.");
            return new TestServer(app, owned, dns, dir, ports, postgres);
        }
    }

    /// <summary>Kestrel reports a taken port as AddressInUseException; the SMTP and POP3 listeners as a SocketException.</summary>
    private static bool IsPortTaken(IOException e) => e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException
        || e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse };

    private static (WebApplication App, Dictionary<string, int> Ports) Build(IDictionary<string, string?>? settings, string dir, Action<IServiceCollection>? services)
    {
        var ports = new Dictionary<string, int>
        {
            ["web"] = FreePort.Next(), ["smtp"] = FreePort.Next(), ["submission"] = FreePort.Next(), ["pop3"] = FreePort.Next(), ["imap"] = FreePort.Next(), ["managesieve"] = FreePort.Next(),
        };
        var args = new List<string>
        {
            "--urls", $"http://127.0.0.1:{ports["web"]}",
            // Under the test host the entry assembly is testhost; the static assets manifest is Webmail's.
            "--applicationName", "Webmail",
            "--Webmail:DataDirectory", dir,
            "--Webmail:Smtp:Inbound:Endpoint", $"127.0.0.1:{ports["smtp"]}",
            "--Webmail:Smtp:Submission:Endpoint", $"127.0.0.1:{ports["submission"]}",
            "--Webmail:Pop3:Endpoint", $"127.0.0.1:{ports["pop3"]}",
            "--Webmail:Imap:Endpoint", $"127.0.0.1:{ports["imap"]}",
            "--Webmail:ManageSieve:Endpoint", $"127.0.0.1:{ports["managesieve"]}",
            "--Logging:LogLevel:Default", "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            args.Add("--" + key);
            args.Add(value ?? "");
        }
        return (WebmailApp.Build(args.ToArray(), services), ports);
    }

    public async Task<Account> CreateAccountAsync(string address, string password = "correct horse", bool admin = false, long? quota = null)
    {
        var service = Services.GetRequiredService<DirectoryService>();
        var domain = address[(address.IndexOf('@') + 1)..];
        if (await Directory.FindDomainAsync(domain, default) is null)
        {
            try
            {
                await service.AddDomainAsync(domain, "test", default);
            }
            catch (DirectoryException)
            {
                // Tests running side by side on one server: another one may have added it since the check.
                if (await Directory.FindDomainAsync(domain, default) is null)
                    throw;
            }
        }
        return await service.CreateAccountAsync(address, password, null, admin, quota, "test", default);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ownedDns?.Dispose();
        if (_postgres is not null)
            PostgresCluster.DropDatabase(_postgres);
        _ownedDirectory?.Dispose();
    }
}
