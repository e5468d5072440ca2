namespace Webmail.Core.Configuration;

/// <summary>
/// The <c>Webmail</c> configuration section. Every key here is part of the public interface
/// and is documented in README.md.
/// </summary>
public sealed class WebmailOptions
{
    public const string SectionName = "Webmail";

    /// <summary>Folder holding the SQLite file and the generated TLS certificate. Relative paths are resolved against the content root. Default <c>data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Name used in SMTP/POP3 banners, <c>Received</c> headers and bounce senders. Default <c>localhost</c>.</summary>
    public string Hostname { get; set; } = "localhost";

    public SmtpOptions Smtp { get; set; } = new();
    public SpfOptions Spf { get; set; } = new();
    public DmarcOptions Dmarc { get; set; } = new();
    public ListenerOptions Pop3 { get; set; } = new() { Endpoint = "127.0.0.1:1110" };
    public ListenerOptions Pop3Tls { get; set; } = new() { Endpoint = "" };

    /// <summary>IMAP with STARTTLS. Default <c>127.0.0.1:1143</c> (143 in production).</summary>
    public ListenerOptions Imap { get; set; } = new() { Endpoint = "127.0.0.1:1143" };

    /// <summary>IMAP over implicit TLS. Default off (993 in production).</summary>
    public ListenerOptions ImapTls { get; set; } = new() { Endpoint = "" };

    /// <summary>ManageSieve (RFC 5804) with STARTTLS: clients manage their Sieve scripts. Default <c>127.0.0.1:4190</c>.</summary>
    public ListenerOptions ManageSieve { get; set; } = new() { Endpoint = "127.0.0.1:4190" };
    public TlsOptions Tls { get; set; } = new();
    public SecurityOptions Security { get; set; } = new();
    public LimitOptions Limits { get; set; } = new();
    public DeliveryOptions Delivery { get; set; } = new();
    public WebOptions Web { get; set; } = new();
    public DnsOptions Dns { get; set; } = new();
    public SpamOptions Spam { get; set; } = new();
    public MetricsOptions Metrics { get; set; } = new();
    public BackupOptions Backup { get; set; } = new();
    public LoggingFormatOptions Logging { get; set; } = new();
    public ImportOptions Import { get; set; } = new();
    public RetentionOptions Retention { get; set; } = new();
    public StoreOptions Store { get; set; } = new();

    /// <summary>The data directory as an absolute path.</summary>
    public string ResolveDataDirectory(string contentRoot) =>
        Path.IsPathRooted(DataDirectory) ? DataDirectory : Path.GetFullPath(Path.Combine(contentRoot, DataDirectory));
}

/// <summary>Which store holds the mail: one SQLite file in the data directory (default) or a PostgreSQL database.</summary>
public sealed class StoreOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>The environment variable a PostgreSQL password may come from instead of the connection string.</summary>
    public const string PasswordVariable = "WEBMAIL_STORE_PASSWORD";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>For <c>postgres</c>: an Npgsql connection string (<c>Host=…;Database=…;Username=…</c>).</summary>
    public string ConnectionString { get; set; } = "";

    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>Refuses a provider this build does not know, and <c>postgres</c> without a connection string.</summary>
    public void Validate()
    {
        if (!IsPostgres && !string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Webmail:Store:Provider must be \"{Sqlite}\" or \"{Postgres}\", not \"{Provider}\".");
        if (IsPostgres && string.IsNullOrWhiteSpace(ConnectionString))
            throw new InvalidOperationException("Webmail:Store:Provider is postgres but Webmail:Store:ConnectionString is empty.");
    }
}

public sealed class SmtpOptions
{
    public ListenerOptions Inbound { get; set; } = new() { Endpoint = "127.0.0.1:2525" };
    public ListenerOptions Submission { get; set; } = new() { Endpoint = "127.0.0.1:5587" };
    public ListenerOptions SubmissionTls { get; set; } = new() { Endpoint = "" };

    /// <summary>
    /// CIDR blocks (IPv4 or IPv6) whose unauthenticated mail on the inbound port may name a local domain
    /// in <c>MAIL FROM</c>, <c>From:</c> or <c>Sender:</c>. It does not let them relay. Default empty.
    /// </summary>
    public List<string> TrustedNetworks { get; set; } = [];
}

public sealed class ListenerOptions
{
    /// <summary><c>address:port</c>; empty turns the listener off.</summary>
    public string? Endpoint { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);
}

public sealed class TlsOptions
{
    /// <summary>PFX/PKCS#12 file; when empty a self-signed certificate is generated in the data directory.</summary>
    public string? CertificatePath { get; set; }
    public string? CertificatePassword { get; set; }
}

/// <summary>Whose web sign-in must use two factors (<see cref="SecurityOptions.RequireTwoFactor"/>).</summary>
public enum TwoFactorRequirement
{
    None = 0,
    Admins = 1,
    Everyone = 2,
}

public sealed class SecurityOptions
{
    /// <summary>Allow AUTH / USER+PASS without TLS from loopback addresses. Default <c>true</c>.</summary>
    public bool AllowPlaintextAuthOnLoopback { get; set; } = true;

    /// <summary>Failed logins before an IP is banned and before an account's pauses start. Default 10.</summary>
    public int MaxFailedLogins { get; set; } = 10;

    /// <summary>Window over which failed logins are counted, and an IP's ban length. Default 15 minutes.</summary>
    public TimeSpan LoginBanDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Delay added per recent failure (grows linearly up to <see cref="MaxLoginDelay"/>). Default 200 ms.</summary>
    public TimeSpan LoginDelayStep { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxLoginDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Who must turn two-factor sign-in on before using the web UI: <c>None</c> (default), <c>Admins</c> or <c>Everyone</c>.</summary>
    public TwoFactorRequirement RequireTwoFactor { get; set; } = TwoFactorRequirement.None;

    /// <summary>
    /// Longest pause of an account under attack: from <see cref="MaxFailedLogins"/> failures on, each failure
    /// pauses the account (except from addresses it signed in from) for <see cref="LoginDelayStep"/> doubled
    /// per further failure, up to this. Default 1 minute.
    /// </summary>
    public TimeSpan MaxAccountLoginPause { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class LimitOptions
{
    /// <summary>Largest message accepted, in bytes. Default 25 MB.</summary>
    public long MaxMessageSize { get; set; } = 25 * 1024 * 1024;

    /// <summary>Largest header section (everything before the first empty line) accepted over SMTP, in bytes. Default 256 KB.</summary>
    public long MaxHeaderSize { get; set; } = 256 * 1024;

    /// <summary>Recipients per message. Default 100.</summary>
    public int MaxRecipients { get; set; } = 100;

    /// <summary>Concurrent SMTP/POP3 sessions from one IP address. Default 20.</summary>
    public int MaxSessionsPerIp { get; set; } = 20;

    /// <summary>Idle time allowed between commands. Default 5 minutes (SMTP) — POP3 uses <see cref="Pop3IdleTimeout"/>.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Time allowed for a DATA transfer. Default 10 minutes.</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest an SMTP session may last in total, however busy (SmtpServer's session timeout). Default 30 minutes.</summary>
    public TimeSpan SmtpSessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>POP3 autologout timer (RFC 1939 §3: at least 10 minutes). Default 10 minutes.</summary>
    public TimeSpan Pop3IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// POP3 sessions open at once over both POP3 listeners and all addresses; each holds a thread
    /// (blocking I/O, like Dovecot's process per session). 0 means no limit. Default 500.
    /// </summary>
    public int MaxPop3Sessions { get; set; } = 500;

    /// <summary>IMAP autologout timer, also the longest IDLE (RFC 9051 §5.4: at least 30 minutes). Default 30 minutes.</summary>
    public TimeSpan ImapIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>IMAP sessions open at once from all addresses. An idle session costs memory, not a thread. Default 5,000.</summary>
    public int MaxImapSessions { get; set; } = 5000;

    /// <summary>
    /// IMAP sessions one account may have open from one address (as Dovecot's mail_max_userip_connections).
    /// Per account and address, not per address: an office behind one NAT address has hundreds. Default 20.
    /// </summary>
    public int MaxImapSessionsPerAccountAndIp { get; set; } = 20;

    /// <summary>IMAP connections from one address that have not logged in yet. Default 50.</summary>
    public int MaxImapUnauthenticatedPerIp { get; set; } = 50;

    /// <summary>ManageSieve autologout timer: the longest wait for a command, or for the rest of one. Default 10 minutes.</summary>
    public TimeSpan ManageSieveIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>ManageSieve sessions open at once from all addresses (from one address: <see cref="MaxSessionsPerIp"/>). Default 200.</summary>
    public int MaxManageSieveSessions { get; set; } = 200;

    /// <summary>Quota for new accounts in bytes; 0 means unlimited. Default 0.</summary>
    public long DefaultQuota { get; set; }

    /// <summary>Deepest MIME nesting parsed. Default 32.</summary>
    public int MaxMimeDepth { get; set; } = 32;

    /// <summary>How long audit log entries are kept; older ones are removed in the background. Zero keeps them for ever.</summary>
    public TimeSpan AuditRetention { get; set; } = TimeSpan.FromDays(180);

    /// <summary>
    /// Expunged UIDs remembered per folder for IMAP resynchronisation (QRESYNC); older ones are removed in
    /// the background, and a client that last looked before them is answered from the UIDs present. Default 10,000.
    /// </summary>
    public int ExpungeLogPerFolder { get; set; } = 10_000;
}

public sealed class DeliveryOptions
{
    /// <summary>Domain → <c>host:port</c> routes, checked before the smart host and MX lookup.</summary>
    public Dictionary<string, string> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>host:port</c> of a relay that takes all remote mail; empty to use MX records.</summary>
    public string? SmartHost { get; set; }
    public string? SmartHostUser { get; set; }
    public string? SmartHostPassword { get; set; }

    /// <summary>Require STARTTLS on outbound connections. Default false (opportunistic).</summary>
    public bool RequireTls { get; set; }

    /// <summary>Back-off between attempts; the last value repeats. Default 1, 5, 15, 30, 60 minutes.</summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    /// <summary>How long a message may wait before it bounces. Default 5 days.</summary>
    public TimeSpan MaxQueueLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Age at which the sender gets a "still trying" warning. Default 4 hours.</summary>
    public TimeSpan WarnAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How often the worker looks for due entries when not woken. Default 5 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Port used for hosts found through MX (or A/AAAA) records. Default 25; tests point it elsewhere.</summary>
    public int MxPort { get; set; } = 25;

    /// <summary>
    /// How long a node's claim on a queue entry holds without renewal; the node renews it every third of this while it
    /// delivers, and a node that dies holds its entries this long at most before another node takes them. Default 2 minutes.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Queue entries delivered at the same time. Default 4.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 4;

    /// <summary>Time allowed to open a TCP connection to a remote host. Default 30 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for each SMTP command's reply (and the DATA transfer) on outbound connections. Default 2 minutes.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The recipient domains' MTA-STS policies (RFC 8461), honoured for mail routed by MX records.</summary>
    public MtaStsDeliveryOptions MtaSts { get; set; } = new();
}

/// <summary>Outbound MTA-STS (RFC 8461): discovery, the policy fetch, and two knobs that exist for tests only.</summary>
public sealed class MtaStsDeliveryOptions
{
    /// <summary>Look up and honour recipient domains' policies. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time allowed for the whole HTTPS fetch of one policy (RFC 8461 §3.3 asks for a bound). Default 30 seconds.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Test only: the TCP port the policy host <c>mta-sts.&lt;domain&gt;</c> is asked on instead of 443 (the URL, the
    /// TLS server name and the certificate check stay those of port 443). 0, the default: 443, as RFC 8461 §3.3 says.
    /// </summary>
    public int TestHttpsPort { get; set; }

    /// <summary>
    /// Test only: a PEM file with the one root certificate that policy hosts and MX hosts must chain to, instead of the
    /// system's trusted roots. Empty, the default: the system's trusted roots, as RFC 8461 §3.3 and §4.2 say (PKIX).
    /// </summary>
    public string TestTrustedRoot { get; set; } = "";
}

/// <summary><c>/metrics</c> in Prometheus text format: off unless a token or an endpoint of its own is set.</summary>
public sealed class MetricsOptions
{
    /// <summary>A bearer token: <c>/metrics</c> on the web listener answers only <c>Authorization: Bearer</c> it. Empty: not on the web listener.</summary>
    public string Token { get; set; } = "";

    /// <summary><c>address:port</c> of a listener of its own serving <c>/metrics</c> without a token (bind it where only the monitoring can reach). Empty: none.</summary>
    public string Endpoint { get; set; } = "";
}

/// <summary>Scheduled hot backups of the store (<c>Webmail backup</c> on a timer).</summary>
public sealed class BackupOptions
{
    /// <summary>Folder the backups go to, as <c>webmail-YYYYMMDD-HHMMSS.db</c>. Empty (default): no scheduled backups.</summary>
    public string Directory { get; set; } = "";

    /// <summary>Time between backups. Default one day.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Backups kept; older ones are deleted after a new one is made and checked. Default 7.</summary>
    public int Keep { get; set; } = 7;
}

/// <summary>How the log lines on standard output are written.</summary>
/// <summary>Bounds of imports (docs/webmail.md, Import and export); the message size limit is <see cref="LimitOptions.MaxMessageSize"/>.</summary>
public sealed class ImportOptions
{
    /// <summary>Largest file the web UI accepts for an import (the CLI reads files of any size).</summary>
    public long MaxUploadSize { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Entries a zip (of .eml files or a Maildir) may have.</summary>
    public int MaxZipEntries { get; set; } = 100_000;

    /// <summary>Bytes a zip may unpack to in all (a Maildir zip is unpacked to disk beside the upload while it is imported).</summary>
    public long MaxZipBytes { get; set; } = 20L * 1024 * 1024 * 1024;

    /// <summary>Uncompressed to compressed size an entry over 1 MB may have (mail compresses 3–10 to 1; a zip bomb thousands).</summary>
    public int MaxCompressionRatio { get; set; } = 100;

    /// <summary>How long an IMAP import waits for the other server's answer.</summary>
    public TimeSpan ImapTimeout { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// The server's default retention (docs/admin.md, Retention); each account may choose its own in Settings.
/// 0 days: never.
/// </summary>
public sealed class RetentionOptions
{
    /// <summary>Messages in Trash and Junk are deleted this many days after they arrived there.</summary>
    public int TrashDays { get; set; } = 30;

    /// <summary>Read, unflagged messages in the inbox older than this many days move to Archive (0: off).</summary>
    public int ArchiveReadAfterDays { get; set; }

    /// <summary>Time between passes of the retention job.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Messages per write of the job (one commit each), so deliveries never wait long behind it.</summary>
    public int BatchSize { get; set; } = 500;
}

public sealed class LoggingFormatOptions
{
    /// <summary><c>text</c> (default) or <c>json</c>: one JSON object per line, with the session scope (such as <c>imap session imap-42</c>).</summary>
    public string Format { get; set; } = "text";
}

/// <summary>The resolver every DNS question goes through (MX routing, DKIM keys, the admin's DNS check).</summary>
public sealed class DnsOptions
{
    /// <summary>Name servers as <c>host:port</c> (port 53 when left out), asked instead of the system's. Default none: the system's resolver.</summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>Time allowed for one answer before it is asked again (twice more), then a temporary failure. Default 5 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Total time the sender checks of one inbound message (SPF at MAIL FROM, then DKIM, ARC and DMARC after DATA)
    /// may spend waiting for DNS. Used up, the checks stop with <c>temperror</c> and the client gets <c>451</c>. Default 20 seconds.
    /// </summary>
    public TimeSpan MessageBudget { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>The web UI behind a reverse proxy, and its sign-in sessions.</summary>
public sealed class WebOptions
{
    /// <summary>
    /// Addresses (or CIDR networks) of reverse proxies whose <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c>
    /// / <c>X-Forwarded-Host</c> headers are believed. Empty (the default): forwarded headers are ignored.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>
    /// Cookies only over HTTPS. Default: on when a web URL is <c>https</c> or a proxy is configured (it
    /// terminates TLS); otherwise cookies are Secure when the request came over HTTPS.
    /// </summary>
    public bool? SecureCookies { get; set; }

    /// <summary>A signed-in session with "Remember me" ends after this long without use.</summary>
    public TimeSpan RememberedSessionLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>A session without "Remember me" ends with the browser (session cookie), and on the server after this long without use.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);
}
