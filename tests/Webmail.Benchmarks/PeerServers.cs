using System.Diagnostics;
using System.Text;

namespace Webmail.Benchmarks;

/// <summary>
/// The classic pair the product is measured against: Postfix 3.7 → LMTP → Dovecot 2.3 from
/// Debian's packages, configured on loopback only with their default durability, started for the
/// run and stopped (Postfix's configuration restored) afterwards. Needs root and
/// <c>apt-get install postfix dovecot-pop3d dovecot-lmtpd dovecot-imapd</c>; <see cref="StartAsync"/> returns
/// null (and says why) when either is missing.
/// </summary>
internal sealed class PeerServers : IAsyncDisposable
{
    public const string Domain = "bench.local";
    public const int SmtpPort = 21025, Pop3Port = 21110, LmtpPort = 21024, ImapPort = 21143;

    /// <summary>IMAP sessions Dovecot accepts for one user from one address, and imap processes in all.</summary>
    public const int MaxImapSessions = 1100;
    private const string PostfixConfig = "/etc/postfix";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "webmail-bench-peers-" + Guid.NewGuid().ToString("N")[..8]);
    private string MailRoot => Path.Combine(_root, "mail");
    private string ConfigPath => Path.Combine(_root, "dovecot.conf");

    public static async Task<PeerServers?> StartAsync(IEnumerable<string> users, string password)
    {
        string[] needed = ["/usr/sbin/postfix", "/usr/sbin/postconf", "/usr/sbin/dovecot", "/usr/bin/doveadm", "/usr/lib/dovecot/lmtp", "/usr/lib/dovecot/pop3", "/usr/lib/dovecot/imap"];
        var missing = needed.FirstOrDefault(p => !File.Exists(p));
        if (missing is not null || Environment.UserName != "root")
        {
            Console.WriteLine($"peers: skipped ({missing ?? "root"} needed); "
                + "install with: apt-get install postfix dovecot-pop3d dovecot-lmtpd dovecot-imapd");
            return null;
        }
        var peers = new PeerServers();
        try
        {
            await peers.StartDovecotAsync(users, password);
            await peers.StartPostfixAsync();
            return peers;
        }
        catch
        {
            await peers.DisposeAsync();
            throw;
        }
    }

    private async Task StartDovecotAsync(IEnumerable<string> users, string password)
    {
        Directory.CreateDirectory(MailRoot);
        Directory.CreateDirectory(Path.Combine(_root, "run"));
        // SHA512-CRYPT, the scheme doveadm pw picks by default.
        var hash = (await RunAsync("/usr/bin/doveadm", "pw", "-s", "SHA512-CRYPT", "-p", password)).Trim();
        await File.WriteAllLinesAsync(Path.Combine(_root, "users"), users.Select(u => $"{u}@{Domain}:{hash}"));
        await File.WriteAllTextAsync(ConfigPath, $$"""
            protocols = pop3 lmtp imap
            listen = 127.0.0.1
            base_dir = {{_root}}/run
            state_dir = {{_root}}/run/state
            instance_name = webmail-bench
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain
            mail_location = maildir:{{MailRoot}}/%d/%n
            first_valid_uid = 8
            log_path = {{_root}}/dovecot.log
            passdb {
              driver = passwd-file
              args = {{_root}}/users
            }
            userdb {
              driver = static
              args = uid=mail gid=mail home={{MailRoot}}/%d/%n
            }
            service pop3-login {
              inet_listener pop3 {
                address = 127.0.0.1
                port = {{Pop3Port}}
              }
              inet_listener pop3s {
                port = 0
              }
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{ImapPort}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            service lmtp {
              inet_listener lmtp {
                address = 127.0.0.1
                port = {{LmtpPort}}
              }
            }
            protocol lmtp {
              postmaster_address = postmaster@{{Domain}}
            }
            # The IMAP part holds 1,000 IDLE sessions of one user from one address (default 10 per user and
            # address, 1,024 imap processes, 1,000 clients per service).
            # imap_zlib: COMPRESS=DEFLATE (RFC 4978), for the resync line with compression.
            protocol imap {
              mail_max_userip_connections = {{MaxImapSessions}}
              mail_plugins = $mail_plugins imap_zlib
            }
            service imap {
              process_limit = {{MaxImapSessions}}
            }
            default_client_limit = {{2 * MaxImapSessions}}
            """);
        await RunAsync("/usr/bin/chown", "-R", "mail:mail", MailRoot);
        await RunAsync("/usr/sbin/dovecot", "-c", ConfigPath);
    }

    private async Task StartPostfixAsync()
    {
        foreach (var file in new[] { "main.cf", "master.cf" })
            File.Copy(Path.Combine(PostfixConfig, file), Path.Combine(_root, file), overwrite: true);
        await RunAsync("/usr/sbin/postfix", "stop", allowFailure: true);
        await RunAsync("/usr/sbin/postconf", "-e", "inet_interfaces = loopback-only", "inet_protocols = ipv4", "mydestination = localhost",
            "myhostname = bench-postfix.localdomain", $"virtual_mailbox_domains = {Domain}", $"virtual_transport = lmtp:inet:127.0.0.1:{LmtpPort}",
            "maillog_file = /var/log/postfix-bench.log");
        // smtpd on the loopback port only; Debian's port-25 listener off for the run.
        await RunAsync("/usr/sbin/postconf", "-MX", "smtp/inet");
        await RunAsync("/usr/sbin/postconf", "-M", $"{SmtpPort}/inet={SmtpPort} inet n - y - - smtpd");
        await RunAsync("/usr/sbin/postfix", "start");
        await WaitForPortAsync(SmtpPort);
    }

    /// <summary>Messages delivered so far into <paramref name="user"/>'s maildir.</summary>
    public int Delivered(string user)
    {
        var dir = Path.Combine(MailRoot, Domain, user);
        return new[] { "new", "cur" }.Select(d => Path.Combine(dir, d)).Where(Directory.Exists).Sum(d => Directory.EnumerateFiles(d).Count());
    }

    /// <summary>Puts <paramref name="count"/> copies of <paramref name="raw"/> straight into the user's maildir (for POP3 runs).</summary>
    public Task FillAsync(string user, byte[] raw, int count) => FillAsync(user, Enumerable.Repeat(raw, count));

    /// <summary>Puts the messages straight into the user's maildir, in order, as a delivery would.</summary>
    public async Task FillAsync(string user, IEnumerable<byte[]> messages)
    {
        var dir = Path.Combine(MailRoot, Domain, user);
        foreach (var sub in new[] { "new", "cur", "tmp" })
            Directory.CreateDirectory(Path.Combine(dir, sub));
        var stamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var i = 0;
        foreach (var raw in messages)
        {
            // Maildir keeps LF line ends on disk; Dovecot adds the CR on the wire.
            var lf = Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(raw).Replace("\r\n", "\n"));
            await File.WriteAllBytesAsync(Path.Combine(dir, "new", $"{stamp}.M{i++}P{Environment.ProcessId}.bench,S={lf.Length}"), lf);
        }
        await RunAsync("/usr/bin/chown", "-R", "mail:mail", Path.Combine(MailRoot, Domain));
    }

    /// <summary>Dovecot's master and every process under it (its imap, auth, lmtp... services), not another instance's.</summary>
    public List<int> DovecotProcesses()
    {
        var pidFile = Path.Combine(_root, "run", "master.pid");
        return File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile), out var pid) ? ProcessMemory.ProcessTree(pid) : [];
    }

    /// <summary>The processes of the pair (Postfix's master and daemons, Dovecot's master and services).</summary>
    public static List<int> Processes() => ProcessMemory.ProcessesUnder("/usr/lib/postfix/", "/usr/sbin/dovecot", "/usr/lib/dovecot/");

    public async ValueTask DisposeAsync()
    {
        await RunAsync("/usr/sbin/postfix", "stop", allowFailure: true);
        foreach (var file in new[] { "main.cf", "master.cf" })
        {
            var saved = Path.Combine(_root, file);
            if (File.Exists(saved))
                File.Copy(saved, Path.Combine(PostfixConfig, file), overwrite: true);
        }
        var pidFile = Path.Combine(_root, "run", "master.pid");
        if (File.Exists(pidFile) && int.TryParse(await File.ReadAllTextAsync(pidFile), out var pid))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
        // Postfix's queue may still hold undelivered bench mail: drop it so the next run starts clean.
        await RunCheckedAsync("/usr/sbin/postsuper", ["-d", "ALL"], allowFailure: true);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A late delivery raced the delete; the temp directory is harmless.
        }
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new InvalidOperationException($"Nothing listens on 127.0.0.1:{port}.");
    }

    internal static Task<string> RunAsync(string file, params string[] args) => RunCheckedAsync(file, args, allowFailure: false);

    private static Task<string> RunAsync(string file, string arg, bool allowFailure) => RunCheckedAsync(file, [arg], allowFailure);

    private static async Task<string> RunCheckedAsync(string file, string[] args, bool allowFailure)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && !allowFailure)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await errors}");
        return await output;
    }
}
