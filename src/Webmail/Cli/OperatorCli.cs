using Webmail.Admin;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Hosting;

namespace Webmail.Cli;

/// <summary>
/// The operator's commands in the server's own executable (as <c>doveadm</c> or <c>postfix</c> do):
/// <c>domain</c>, <c>account</c>, <c>alias</c>, <c>queue</c>. They share the server's configuration and go through
/// the same <see cref="DirectoryService"/> as the admin UI; SQLite's locking makes them safe while the server runs.
/// Exit code 0 on success, 1 with a one-line reason on stderr otherwise, 2 for usage errors.
/// </summary>
public static class OperatorCli
{
    private static readonly string[] HelpSwitches = ["--help", "-h"];
    private static readonly string[] Verbs = ["domain", "account", "alias", "queue", "dkim", "settings", "sieve", "backup", "restore", "import", "export", "store"];

    /// <summary>
    /// True when the arguments name a command: any first word other than <c>serve</c> (a mistyped
    /// verb must answer with usage, not start a server), or a help switch. Switches alone run the server.
    /// </summary>
    public static bool IsCommand(string[] args) =>
        args.Length > 0 && (HelpSwitches.Contains(args[0], StringComparer.Ordinal) || (!args[0].StartsWith('-') && args[0] != "serve"));

    /// <summary>Drops a leading <c>serve</c> verb so the rest are ordinary host switches.</summary>
    public static string[] ServeArguments(string[] args) => args.Length > 0 && args[0] == "serve" ? args[1..] : args;

    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var (words, options, configArgs) = Split(args);
        if (words.Count == 0 || words[0] is "help" or "--help" or "-h")
        {
            await stdout.WriteLineAsync(Usage);
            return 0;
        }
        if (!Verbs.Contains(words[0], StringComparer.Ordinal))
        {
            // Checked before the store is opened, so a typo does not create a data directory.
            await stderr.WriteLineAsync($"usage: unknown command '{words[0]}'; run 'Webmail help'.");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = configArgs.ToArray(), ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Logging.ClearProviders();
        builder.Services.AddWebmailBase(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddWebmailAdmin();
        using var host = builder.Build();
        var commands = new CliCommands(host.Services, stdin, stdout);
        try
        {
            return await commands.RunAsync(words, options, CancellationToken.None);
        }
        catch (DirectoryException e)
        {
            await stderr.WriteLineAsync("error: " + e.Message);
            return 1;
        }
        catch (StoreException e)
        {
            await stderr.WriteLineAsync("error: " + e.Message);
            return 1;
        }
        catch (Webmail.Mail.Transfer.ImportException e)
        {
            await stderr.WriteLineAsync("error: " + e.Message);
            return 1;
        }
        catch (IOException e) when (words[0] is "backup" or "restore" or "import" or "export" or "store")
        {
            await stderr.WriteLineAsync("error: " + e.Message);
            return 1;
        }
        catch (CliUsageException e)
        {
            await stderr.WriteLineAsync("usage: " + e.Message);
            return 2;
        }
        finally
        {
            // Disposing the host disposes the store: the writer drains and the file is closed before exit.
            if (host is IAsyncDisposable disposable)
                await disposable.DisposeAsync();
        }
    }

    /// <summary>
    /// Splits the arguments into verb words, the verb's own options (<c>--admin</c>, <c>--quota 1G</c>)
    /// and configuration switches (<c>--Webmail:DataDirectory=/srv/mail</c>, anything with a colon).
    /// </summary>
    internal static (List<string> Words, Dictionary<string, string?> Options, List<string> Config) Split(string[] args)
    {
        var words = new List<string>();
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        var config = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                words.Add(arg);
                continue;
            }
            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            if (name.Contains(':') || name.Equals("urls", StringComparison.OrdinalIgnoreCase) || name.Equals("environment", StringComparison.OrdinalIgnoreCase))
            {
                config.Add("--" + name);
                config.Add(value ?? (i + 1 < args.Length ? args[++i] : ""));
                continue;
            }
            if (value is null && CliCommands.OptionsWithValues.Contains(name) && i + 1 < args.Length)
                value = args[++i];
            options[name] = value;
        }
        return (words, options, config);
    }

    public const string Usage = """
        Webmail — self-hosted mail server and its operator CLI.

          Webmail [serve]                          run the server (web, SMTP, POP3)
          Webmail domain add|remove <domain>
          Webmail domain list
          Webmail domain catchall <domain> [<account>|--none]
          Webmail account add <address> [--admin] [--quota <size>] [--name <display name>]
                                                   (password: first line of standard input)
          Webmail account passwd <address>         (password: first line of standard input)
          Webmail account list
          Webmail account set <address> [--name <display name>] [--quota <size>|unlimited] [--admin|--no-admin]
          Webmail account disable|enable|remove <address>
          Webmail account policy <address> delete|trash|keep   (POP3 delete policy)
          Webmail alias add <alias> <target>[,<target>...]
          Webmail alias list
          Webmail alias remove <alias>
          Webmail queue list | retry <id> | delete <id> | bounce <id>
                                                   (bounce: give up now and send the sender a DSN)
          Webmail dkim generate <domain>           new DKIM key; prints the DNS TXT record to publish
          Webmail dkim show <domain>               the TXT record for the domain's current key
          Webmail sieve list <address>              the account's Sieve scripts (name, active, size, last error)
          Webmail sieve get <address> <name>        print a script
          Webmail sieve put <address> <name>        store the script read from standard input (validated)
          Webmail sieve activate <address> [<name>] run this script at delivery; no name: filtering off
          Webmail sieve delete <address> <name>     delete an inactive script
          Webmail backup <file>                    a consistent copy of the store while the server runs,
                                                   checked (integrity, counts) before it gets its name
          Webmail restore <file>                   replace the store with a backup (the server must be
                                                   stopped; the current store is kept beside it)
          Webmail store migrate --to postgres --connection "Host=…;Database=…;Username=…"
                                                   copy this data directory's SQLite store into an
                                                   empty PostgreSQL database and verify the copy (the
                                                   server must be stopped; password may come from
                                                   WEBMAIL_STORE_PASSWORD)
          Webmail import mbox|maildir|eml <address> <path> [--folder <name>]
                                                   import a file or Maildir tree (folders kept unless
                                                   --folder names one to put everything in)
          Webmail import imap <address> --host <host> [--port <n>] [--security tls|starttls|none]
                  --user <user> [--folders <a,b>] [--folder <name>]
                                                   copy from another IMAP server (password: first line
                                                   of standard input); a second run copies what is new
          Webmail export <address> <file> [--folder <name>] [--format mbox|zip]
                                                   a folder or the whole account as mbox or zip of .eml
          Webmail settings list                    the live server settings and their values
          Webmail settings set <key> <value>|--configured
                                                   store a value (a running server applies it at its
                                                   next start; the admin page applies it at once)

        Sizes take K, M or G (1024-based). Configuration switches such as
        --Webmail:DataDirectory=/srv/mail apply to every command.
        """;
}

/// <summary>A command line that does not match any verb's shape.</summary>
public sealed class CliUsageException(string message) : Exception(message);
