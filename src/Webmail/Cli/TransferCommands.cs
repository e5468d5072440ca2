using Webmail.Core;
using Webmail.Core.Accounts;
using Webmail.Core.Filters;
using Webmail.Core.Storage;
using Webmail.Mail.Transfer;

namespace Webmail.Cli;

/// <summary>
/// <c>import mbox|maildir|eml|imap</c> and <c>export</c>: the operator's side of Settings → Import and export,
/// through the same <see cref="MailboxImporter"/> and <see cref="MailboxExporter"/>, with a progress line per batch.
/// </summary>
internal sealed class TransferCommands(IServiceProvider services, TextReader stdin, TextWriter stdout)
{
    public const string ImportUsage = "import mbox|maildir|eml <address> <path> [--folder <name>] | import imap <address> --host <host> [--port <n>] [--security tls|starttls|none] --user <user> [--folders <a,b>] [--folder <name>]";
    public const string ExportUsage = "export <address> <file> [--folder <name>] [--format mbox|zip]";

    public async Task ImportAsync(List<string> words, Dictionary<string, string?> options, CancellationToken ct)
    {
        var kind = words.ElementAtOrDefault(1) ?? throw new CliUsageException(ImportUsage);
        var account = await services.GetRequiredService<DirectoryService>().RequireAccountAsync(words.ElementAtOrDefault(2) ?? throw new CliUsageException(ImportUsage), ct);
        var target = await FolderAsync(account.Id, options.GetValueOrDefault("folder"), ct);
        ImportSource source;
        switch (kind)
        {
            case "mbox" or "maildir" or "eml":
            {
                var path = Path.GetFullPath(words.ElementAtOrDefault(3) ?? throw new CliUsageException(ImportUsage));
                if (kind == "maildir" ? !System.IO.Directory.Exists(path) : !File.Exists(path))
                    throw new ImportException($"{path} does not exist.");
                source = kind switch
                {
                    "mbox" => new MboxSource(path),
                    "maildir" => new MaildirSource(path),
                    _ => new EmlZipSource(path),
                };
                break;
            }
            case "imap":
            {
                var host = options.GetValueOrDefault("host") ?? throw new CliUsageException(ImportUsage);
                var user = options.GetValueOrDefault("user") ?? throw new CliUsageException(ImportUsage);
                var security = options.GetValueOrDefault("security") ?? "tls";
                if (!ImapSourceOptions.SecurityChoices.Contains(security))
                    throw new CliUsageException(ImportUsage);
                var port = options.GetValueOrDefault("port") is { } p ? int.TryParse(p, out var n) && n is > 0 and < 65536 ? n : throw new CliUsageException(ImportUsage) : security == "tls" ? 993 : 143;
                var folders = (options.GetValueOrDefault("folders") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                // The password comes from standard input, never argv (visible in ps).
                var password = (await stdin.ReadLineAsync(ct))?.TrimEnd('\r') ?? throw new ImportException("No password on standard input.");
                var limits = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Core.Configuration.WebmailOptions>>().CurrentValue.Import;
                source = new ImapSource(new ImapSourceOptions(host, port, security, user, folders), password, services.GetRequiredService<IImportStore>(), account.Id, limits.ImapTimeout);
                break;
            }
            default:
                throw new CliUsageException(ImportUsage);
        }
        var progress = new LineProgress(stdout);
        var outcome = await services.GetRequiredService<MailboxImporter>().RunAsync(account.Id, source, target, jobId: null, progress, ct);
        await stdout.WriteLineAsync(outcome.Message);
        if (outcome.QuotaStopped)
            throw new ImportException("the import stopped at the account's quota.");
    }

    public async Task ExportAsync(List<string> words, Dictionary<string, string?> options, CancellationToken ct)
    {
        var account = await services.GetRequiredService<DirectoryService>().RequireAccountAsync(words.ElementAtOrDefault(1) ?? throw new CliUsageException(ExportUsage), ct);
        var file = words.ElementAtOrDefault(2) ?? throw new CliUsageException(ExportUsage);
        var format = (options.GetValueOrDefault("format") ?? (file.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? "zip" : "mbox")) switch
        {
            "mbox" => ExportFormat.Mbox,
            "zip" => ExportFormat.Zip,
            _ => throw new CliUsageException(ExportUsage),
        };
        var folder = await FolderAsync(account.Id, options.GetValueOrDefault("folder"), ct);
        long count;
        await using (var output = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            var shown = 0L;
            count = await services.GetRequiredService<MailboxExporter>().ExportAsync(account.Id, folder, format, output, new SyncProgress<long>(n =>
            {
                if (n - shown >= 1000)
                {
                    shown = n;
                    stdout.WriteLine($"export: {n:N0} messages");
                }
            }), ct);
        }
        await stdout.WriteLineAsync($"exported {count:N0} messages to {Path.GetFullPath(file)} ({ByteSize.FormatCompact(new FileInfo(file).Length)})");
    }

    private async Task<long?> FolderAsync(long accountId, string? name, CancellationToken ct)
    {
        if (name is null)
            return null;
        var paths = new FolderPaths(await services.GetRequiredService<IMailboxReader>().GetFoldersAsync(accountId, ct));
        return (paths.Find(name) ?? throw new StoreException($"The account has no folder named '{name}'.")).Id;
    }

    /// <summary>One line per batch: messages done of the total, and the counts.</summary>
    private sealed class LineProgress(TextWriter stdout) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value)
        {
            var of = value.Total is { } total and > 0 ? $"/{total:N0} ({Math.Min(100, value.Processed * 100 / total)}%)" : "";
            stdout.WriteLine($"import: {value.Processed:N0}{of} — {value.Imported:N0} imported, {value.Duplicates:N0} duplicates, {value.Failed:N0} failed");
        }
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
