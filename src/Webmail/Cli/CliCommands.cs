using System.Globalization;
using Microsoft.Extensions.Options;
using Webmail.Admin;
using Webmail.Core;
using Webmail.Core.Accounts;
using Webmail.Core.Configuration;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Mail.Dkim;
using Webmail.Storage;
using Webmail.Core.Hosting;

namespace Webmail.Cli;

/// <summary>The verbs of <see cref="OperatorCli"/>, each a thin call into the shared services.</summary>
internal sealed class CliCommands(IServiceProvider services, TextReader stdin, TextWriter stdout)
{
    public static readonly HashSet<string> OptionsWithValues = ["quota", "name", "folder", "host", "port", "security", "user", "folders", "format", "to", "connection"];
    private const string Actor = "cli";

    private DirectoryService Directory => services.GetRequiredService<DirectoryService>();
    private IDirectoryStore Store => services.GetRequiredService<IDirectoryStore>();

    public async Task<int> RunAsync(List<string> words, Dictionary<string, string?> options, CancellationToken ct)
    {
        var verb = words[0];
        var action = words.Count > 1 ? words[1] : "";
        var rest = words.Skip(2).ToList();
        switch (verb, action)
        {
            case ("import", _):
                await new TransferCommands(services, stdin, stdout).ImportAsync(words, options, ct);
                break;
            case ("export", _):
                await new TransferCommands(services, stdin, stdout).ExportAsync(words, options, ct);
                break;
            case ("store", _):
                await new StoreCommands(services, stdout).MigrateAsync(words, options, ct);
                break;
            case ("backup", _):
                await BackupAsync(Arg(words.Skip(1).ToList(), 0, "backup <file>"), ct);
                break;
            case ("restore", _):
                await RestoreAsync(Arg(words.Skip(1).ToList(), 0, "restore <file>"), ct);
                break;
            case ("domain", "add"):
                await Directory.AddDomainAsync(Arg(rest, 0, "domain add <domain>"), Actor, ct);
                break;
            case ("domain", "remove"):
                await Directory.RemoveDomainAsync(Arg(rest, 0, "domain remove <domain>"), Actor, ct);
                break;
            case ("domain", "list"):
                foreach (var d in await Directory.ListDomainsAsync(ct))
                    await stdout.WriteLineAsync($"{d.Name}\tcatch-all={d.CatchAll ?? "-"}\tdkim={(d.HasDkimKey ? d.DkimSelector : "-")}");
                break;
            case ("domain", "catchall"):
                await Directory.SetCatchAllAsync(Arg(rest, 0, "domain catchall <domain> [<account>|--none]"), options.ContainsKey("none") ? null : rest.ElementAtOrDefault(1), Actor, ct);
                break;
            case ("account", "add"):
            {
                var address = Arg(rest, 0, "account add <address> [--admin] [--quota <size>] [--name <display name>]");
                var quota = options.TryGetValue("quota", out var q) && q is not null ? ParseSize(q) : (long?)null;
                await Directory.CreateAccountAsync(address, await ReadPasswordAsync(), options.GetValueOrDefault("name"), options.ContainsKey("admin"), quota, Actor, ct);
                break;
            }
            case ("account", "passwd"):
                await Directory.SetPasswordAsync(Arg(rest, 0, "account passwd <address>"), await ReadPasswordAsync(), Actor, ct);
                break;
            case ("account", "list"):
            {
                var page = await Store.ListAccountsAsync(null, 0, 500, ct);
                for (var i = 0; page.Items.Count > 0; page = await Store.ListAccountsAsync(null, ++i, 500, ct))
                {
                    foreach (var a in page.Items)
                    {
                        var flags = string.Join(",", new[] { a.IsAdmin ? "admin" : null, a.IsDisabled ? "disabled" : null }.Where(f => f is not null));
                        await stdout.WriteLineAsync($"{a.Address}\t{a.DisplayName}\t{(flags.Length == 0 ? "-" : flags)}\t{ByteSize.FormatCompact(a.UsedBytes)}/{(a.QuotaBytes == 0 ? "unlimited" : ByteSize.FormatCompact(a.QuotaBytes))}\t{a.MessageCount} messages\tpop3={a.Pop3DeletePolicy.ToString().ToLowerInvariant()}");
                    }
                }
                break;
            }
            case ("account", "disable"):
                await Directory.SetDisabledAsync(Arg(rest, 0, "account disable <address>"), true, Actor, ct);
                break;
            case ("account", "enable"):
                await Directory.SetDisabledAsync(Arg(rest, 0, "account enable <address>"), false, Actor, ct);
                break;
            case ("account", "remove"):
                await Directory.RemoveAccountAsync(Arg(rest, 0, "account remove <address>"), Actor, ct);
                break;
            case ("account", "set"):
            {
                // The admin page's "edit": only the options given change.
                const string usage = "account set <address> [--name <display name>] [--quota <size>|unlimited] [--admin|--no-admin]";
                var account = await Directory.RequireAccountAsync(Arg(rest, 0, usage), ct);
                if (!options.Keys.Any(k => k is "name" or "quota" or "admin" or "no-admin"))
                    throw new CliUsageException(usage);
                var quota = account.QuotaBytes;
                if (options.TryGetValue("quota", out var q))
                    quota = q is null ? throw new CliUsageException(usage) : q.Equals("unlimited", StringComparison.OrdinalIgnoreCase) ? 0 : ParseSize(q);
                var isAdmin = options.ContainsKey("admin") || (!options.ContainsKey("no-admin") && account.IsAdmin);
                await Directory.UpdateAccountAsync(account.Address, options.GetValueOrDefault("name") ?? account.DisplayName, isAdmin, quota, account.Pop3DeletePolicy, Actor, ct);
                break;
            }
            case ("account", "policy"):
            {
                var account = await Directory.RequireAccountAsync(Arg(rest, 0, "account policy <address> delete|trash|keep"), ct);
                if (!Enum.TryParse<Pop3DeletePolicy>(Arg(rest, 1, "account policy <address> delete|trash|keep"), ignoreCase: true, out var policy) || !Enum.IsDefined(policy))
                    throw new CliUsageException("account policy <address> delete|trash|keep");
                await Directory.UpdateAccountAsync(account.Address, account.DisplayName, account.IsAdmin, account.QuotaBytes, policy, Actor, ct);
                break;
            }
            case ("alias", "add"):
                await Directory.SetAliasAsync(Arg(rest, 0, "alias add <alias> <target>[,<target>...]"),
                    Arg(rest, 1, "alias add <alias> <target>[,<target>...]").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), Actor, ct);
                break;
            case ("alias", "list"):
                foreach (var alias in await Store.ListAliasesAsync(ct))
                    await stdout.WriteLineAsync($"{alias.Address}\t{string.Join(",", alias.Targets)}");
                break;
            case ("alias", "remove"):
                await Directory.RemoveAliasAsync(Arg(rest, 0, "alias remove <alias>"), Actor, ct);
                break;
            case ("queue", "list"):
            {
                var queue = services.GetRequiredService<IOutboundQueueStore>();
                var page = await queue.ListAsync(0, 500, ct);
                foreach (var e in page.Items)
                    await stdout.WriteLineAsync($"{e.Id}\t{e.MailFrom}\t{string.Join(",", e.Recipients)}\tattempts={e.Attempts}\tnext={e.NextAttemptAt:u}\t{e.LastError ?? ""}");
                break;
            }
            case ("queue", "retry"):
                await Queue.RetryNowAsync(QueueId(rest), Actor, ct);
                break;
            case ("queue", "delete"):
                await Queue.DeleteAsync(QueueId(rest), Actor, ct);
                break;
            case ("queue", "bounce"):
                await Queue.BounceNowAsync(QueueId(rest), Actor, ct);
                break;
            case ("settings", "list"):
            {
                var live = await LoadLiveSettingsAsync(ct);
                var configured = services.GetRequiredService<IOptionsMonitor<WebmailOptions>>().CurrentValue;
                foreach (var setting in LiveSetting.All)
                {
                    var stored = live.GetOverride(setting);
                    var value = stored ?? live.ConfiguredValue(setting) ?? setting.Read(configured);
                    await stdout.WriteLineAsync($"{setting.Key[LiveSetting.Prefix.Length..]}\t{LiveSetting.Format(value)}\t{setting.Unit}\t{(stored is null ? "configured" : "set")}\t{setting.Label}");
                }
                break;
            }
            case ("settings", "set"):
            {
                const string usage = "settings set <key> <value>|--configured";
                var setting = LiveSetting.Find(LiveSetting.Prefix + Arg(rest, 0, usage))
                    ?? throw new CliUsageException($"unknown setting '{rest[0]}'; 'Webmail settings list' shows them.");
                long? value = null;
                if (!options.ContainsKey("configured"))
                    value = LiveSetting.TryParse(Arg(rest, 1, usage), out var parsed) ? parsed : throw new CliUsageException(usage);
                var live = await LoadLiveSettingsAsync(ct);
                try
                {
                    await live.SetAsync(setting, value, Actor, ct);
                }
                catch (ArgumentOutOfRangeException e)
                {
                    throw new DirectoryException(e.Message.Split(" (Parameter")[0]);
                }
                break;
            }
            case ("dkim", "generate"):
            {
                var record = await services.GetRequiredService<DkimKeyService>().GenerateAsync(Arg(rest, 0, "dkim generate <domain>"), Actor, ct);
                await stdout.WriteLineAsync($"Publish this DNS TXT record for {record.Domain} (selector {record.Selector}):");
                await stdout.WriteLineAsync(record.ToZoneLine());
                break;
            }
            case ("dkim", "show"):
            {
                var domain = Arg(rest, 0, "dkim show <domain>");
                var record = await services.GetRequiredService<DkimKeyService>().GetRecordAsync(domain, ct)
                    ?? throw new DirectoryException($"The domain {domain} has no DKIM key; run 'Webmail dkim generate {domain}'.");
                await stdout.WriteLineAsync(record.ToZoneLine());
                break;
            }
            case ("sieve", _):
                await SieveAsync(action, rest, ct);
                break;
            default:
                throw new CliUsageException($"unknown command '{string.Join(' ', words)}'; run 'Webmail help'.");
        }
        return 0;
    }

    /// <summary>
    /// <c>sieve list|get|put|activate|delete</c>: an account's Sieve scripts through <see cref="SieveScriptService"/>,
    /// validated as the web editor and ManageSieve validate them. A refusal is one line: an invalid script's
    /// errors each with their line.
    /// </summary>
    private async Task SieveAsync(string action, List<string> rest, CancellationToken ct)
    {
        var sieve = services.GetRequiredService<SieveScriptService>();
        var usage = action switch
        {
            "list" => "sieve list <address>",
            "get" => "sieve get <address> <name>",
            "put" => "sieve put <address> <name>   (the script on standard input)",
            "activate" => "sieve activate <address> [<name>]",
            "delete" => "sieve delete <address> <name>",
            _ => throw new CliUsageException("sieve list|get|put|activate|delete <address> [<name>]"),
        };
        var account = await Directory.RequireAccountAsync(Arg(rest, 0, usage), ct);
        var actor = Actor + ":" + account.Address;
        switch (action)
        {
            case "list":
                foreach (var script in await sieve.ListAsync(account.Id, ct))
                    await stdout.WriteLineAsync($"{script.Name}	{(script.IsActive ? "active" : "-")}	{script.Size}	{script.UpdatedAt:u}	{script.LastError ?? ""}");
                return;
            case "get":
            {
                var name = Arg(rest, 1, usage);
                var text = await sieve.GetAsync(account.Id, name, ct) ?? throw new DirectoryException($"There is no script named \"{name}\".");
                await stdout.WriteAsync(text);
                return;
            }
            case "put":
            {
                var name = Arg(rest, 1, usage);
                // Bounded read: one octet over the limit is enough to refuse, and a runaway pipe is not read whole.
                var buffer = new char[SieveScriptService.MaxScriptBytes + 1];
                var length = 0;
                for (int read; length < buffer.Length && (read = await stdin.ReadAsync(buffer.AsMemory(length), ct)) > 0;)
                    length += read;
                Refused(await sieve.PutAsync(account.Id, actor, name, new string(buffer, 0, length), ct));
                return;
            }
            case "activate":
                Refused(await sieve.ActivateAsync(account.Id, actor, rest.ElementAtOrDefault(1), ct));
                return;
            case "delete":
                Refused(await sieve.DeleteAsync(account.Id, actor, Arg(rest, 1, usage), ct));
                return;
        }
    }

    /// <summary>Turns a refused change into the CLI's one-line error (an invalid script's errors each with its line).</summary>
    private static void Refused(SieveScriptOutcome outcome)
    {
        if (outcome.Succeeded)
            return;
        throw new DirectoryException(outcome.Status == SieveScriptStatus.Invalid && outcome.Errors.Count > 0
            ? "the script is not valid: " + string.Join("; ", outcome.Errors.Select(e => e.ToString()))
            : outcome.Message);
    }

    private QueueActions Queue => services.GetRequiredService<QueueActions>();

    private static long QueueId(List<string> rest) =>
        long.TryParse(Arg(rest, 0, "queue retry|delete|bounce <id>"), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new CliUsageException("queue retry|delete|bounce <id>");

    private async Task<LiveSettings> LoadLiveSettingsAsync(CancellationToken ct)
    {
        var live = services.GetRequiredService<LiveSettings>();
        await live.LoadAsync(ct);
        return live;
    }

    private StoreOptions StoreSettings => StoreCommands.Configured(services);

    /// <summary>
    /// <c>backup FILE</c>: <see cref="StoreBackup"/> with its progress, then what the checked copy holds; on PostgreSQL
    /// a <c>pg_dump</c> archive (<see cref="Storage.Postgres.PostgresBackup"/>).
    /// </summary>
    private async Task BackupAsync(string file, CancellationToken ct)
    {
        if (StoreSettings.IsPostgres)
        {
            var archive = await Storage.Postgres.PostgresBackup.BackupAsync(StoreSettings.ConnectionString, file, ct);
            await stdout.WriteLineAsync($"backup {Path.GetFullPath(file)}: pg_dump archive, read back by pg_restore --list, {archive.Tables} tables, {ByteSize.FormatCompact(archive.Bytes)}");
            return;
        }
        var paths = services.GetRequiredService<DataPaths>();
        var shown = -1;
        var progress = new SynchronousProgress(share =>
        {
            var percent = (int)(share * 100) / 10 * 10;
            if (percent <= shown)
                return;
            shown = percent;
            stdout.WriteLine($"backup: {percent}%");
        });
        var check = await StoreBackup.BackupAsync(paths.DatabasePath, file, progress, ct);
        await stdout.WriteLineAsync($"backup {Path.GetFullPath(file)}: integrity ok, schema {check.SchemaVersion}, {check.Accounts} accounts, {check.Messages} messages, {ByteSize.FormatCompact(check.Bytes)}");
    }

    /// <summary>
    /// <c>restore FILE</c>: only with no server on the data directory (its lock), the current store kept beside; on
    /// PostgreSQL <c>pg_restore</c> into the configured database, which must be empty.
    /// </summary>
    private async Task RestoreAsync(string file, CancellationToken ct)
    {
        if (StoreSettings.IsPostgres)
        {
            var restored = await Storage.Postgres.PostgresBackup.RestoreAsync(StoreSettings.ConnectionString, file, ct);
            await stdout.WriteLineAsync($"restored {Path.GetFullPath(file)} into the PostgreSQL database: schema {restored.SchemaVersion}, {restored.Accounts} accounts, {restored.Messages} messages");
            return;
        }
        var paths = services.GetRequiredService<DataPaths>();
        using var held = DataDirectoryLock.Acquire(paths.DataDirectory);
        var (check, previous) = StoreBackup.Restore(paths.DatabasePath, Path.GetFullPath(file), DateTimeOffset.UtcNow);
        await stdout.WriteLineAsync($"restored {Path.GetFullPath(file)}: schema {check.SchemaVersion}, {check.Accounts} accounts, {check.Messages} messages"
            + (previous is null ? "" : $"; the store it replaced is kept as {previous}"));
    }

    /// <summary>Reports on the thread that reports (Progress&lt;T&gt; would post to the thread pool, out of order with the summary line).</summary>
    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }

    private static string Arg(List<string> rest, int index, string usage) =>
        index < rest.Count ? rest[index] : throw new CliUsageException(usage);

    /// <summary>The first line of standard input; passwords never come from argv (visible in ps).</summary>
    private async Task<string> ReadPasswordAsync() =>
        (await stdin.ReadLineAsync())?.TrimEnd('\r') ?? throw new DirectoryException("No password on standard input.");

    internal static long ParseSize(string text) =>
        !string.IsNullOrWhiteSpace(text) && ByteSize.TryParse(text, out var bytes)
            ? bytes
            : throw new DirectoryException($"'{text.Trim().ToUpperInvariant()}' is not a size (use e.g. 500M or 2G).");
}
