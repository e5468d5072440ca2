using MailKit.Net.Imap;
using MailKit.Security;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Transfer;

/// <summary>
/// Debian's Dovecot as a real IMAP server on 127.0.0.1 for one user with a password (passwd-file), its mail in a
/// Maildir under a temp folder (Dovecot's default Maildir++ layout) — the "other server" an import copies from,
/// and the writer of a real Dovecot Maildir. Its own base_dir and instance name, so it never meets another Dovecot.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    public const string User = "olduser";
    public const string Password = "old server secret";
    private readonly TempDirectory _root = new("webmail-dovecot");

    private DovecotServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>The user's Maildir as Dovecot writes it.</summary>
    public string Maildir => Path.Combine(_root.Path, "mail", User);

    public static async Task<DovecotServer> StartAsync()
    {
        Assert.True(File.Exists("/usr/sbin/dovecot") && File.Exists("/usr/lib/dovecot/imap"), "Dovecot is missing: install Debian's dovecot-imapd (tests/run.sh does).");
        var server = new DovecotServer(FreePort.Next());
        var root = server._root.Path;
        Directory.CreateDirectory(Path.Combine(root, "mail"));
        Directory.CreateDirectory(Path.Combine(root, "run"));
        var hash = await RunAsync("/usr/bin/doveadm", "pw", "-s", "SHA512-CRYPT", "-p", Password);
        await File.WriteAllTextAsync(Path.Combine(root, "users"), $"{User}:{hash.Trim()}\n");
        await File.WriteAllTextAsync(Path.Combine(root, "dovecot.conf"), $$"""
            protocols = imap
            listen = 127.0.0.1
            base_dir = {{root}}/run
            state_dir = {{root}}/run/state
            instance_name = webmail-import-test-{{server.Port}}
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:{{root}}/mail/%n
            first_valid_uid = 1
            log_path = {{root}}/dovecot.log
            passdb {
              driver = passwd-file
              args = {{root}}/users
            }
            userdb {
              driver = static
              args = uid=mail gid=mail home={{root}}/mail/%n
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{server.Port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            service anvil {
              chroot =
            }
            """);
        // The mail user must reach the Maildir under the temp folder.
        await RunAsync("/usr/bin/chmod", "755", root);
        await RunAsync("/usr/bin/chown", "-R", "mail:mail", Path.Combine(root, "mail"));
        // The master daemonizes; its output goes nowhere, or the test would wait for its pipes to close.
        await RunAsync("/bin/sh", "-c", $"exec /usr/sbin/dovecot -c '{Path.Combine(root, "dovecot.conf")}' </dev/null >/dev/null 2>&1");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = await server.ConnectAsync();
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
        return server;
    }

    /// <summary>A signed-in MailKit client, for filling the mailbox as a mail program would.</summary>
    public async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient { Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(User, Password);
        return client;
    }

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var result = await ExternalProgram.RunAsync(file, arguments, TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output;
    }

    public async ValueTask DisposeAsync()
    {
        // "dovecot stop" ends this instance's master (by its base_dir) and every process under it.
        await ExternalProgram.RunAsync("/usr/sbin/dovecot", ["-c", Path.Combine(_root.Path, "dovecot.conf"), "stop"], TimeSpan.FromSeconds(30));
        _root.Dispose();
    }
}
