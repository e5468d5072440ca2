using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webmail.Core.Accounts;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Hosting;
using Webmail.Reading;
using Webmail.Storage;

namespace Webmail.Fuzz;

/// <summary>
/// Bytes → the store's delivery call, as the pipeline makes it for a local recipient: <see cref="MimeInput"/>
/// bounds → MimeKit parse → preview and text extraction (<see cref="MessageParser"/>) → columns, raw bytes and
/// FTS5 rows in a real SQLite file (group-commit writer included). Then what a reader does with it: the list
/// summary, a search for its subject through the search box parser, the reading pane
/// (<see cref="MessageReader"/>: attachments, sanitized HTML document). The message is deleted after each
/// input, so the store does not grow and one input cannot change what the next one finds.
/// The store is made once per process (in a temp folder, on tmpfs where there is one): AFL runs the
/// target in persistent mode, and a fresh store per input would cost far more than the input.
/// </summary>
internal sealed class MimeIngestTarget : IFuzzTarget
{
    private readonly string _directory;
    private readonly ServiceProvider _services;
    private readonly SqliteMessageStore _store;
    private readonly long _accountId;

    public MimeIngestTarget()
    {
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        RemoveStoresOfDeadProcesses(root);
        _directory = Path.Combine(root, "webmail-fuzz-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Webmail:DataDirectory"] = _directory })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddWebmailBase(configuration, _directory);
        _services = services.BuildServiceProvider();
        _store = _services.GetRequiredService<SqliteMessageStore>();

        var directory = _services.GetRequiredService<DirectoryService>();
        directory.AddDomainAsync("local.example", "fuzz", default).GetAwaiter().GetResult();
        _accountId = directory.CreateAccountAsync("fuzz@local.example", "correct horse", null, false, null, "fuzz", default).GetAwaiter().GetResult().Id;
    }

    public void Run(byte[] input) => RunAsync(input).GetAwaiter().GetResult();

    private async Task RunAsync(byte[] input)
    {
        var receipt = await _store.DeliverAsync(new DeliveryRequest(input, [new MailboxDelivery(_accountId, SpecialFolder.Inbox, EnforceQuota: false)]), default);
        var stored = receipt.Mailboxes.Single().Message ?? throw new FuzzInvariantException("Delivery stored nothing.");
        try
        {
            var summary = await _store.GetSummaryAsync(_accountId, stored.Id, default) ?? throw new FuzzInvariantException("The stored message has no summary.");
            if (summary.Preview.Length > MessageParser.PreviewLength || summary.Subject.Length > MessageParser.MaxFieldLength)
                throw new FuzzInvariantException($"Preview of {summary.Preview.Length} or subject of {summary.Subject.Length} characters.");
            if (HasLoneSurrogate(summary.Preview))
                throw new FuzzInvariantException("The preview holds half a surrogate pair.");

            // Whatever the subject holds (quotes, FTS5 operators, NULs) goes through the search box as typed.
            var typed = summary.Subject.Length > 200 ? summary.Subject[..200] : summary.Subject;
            await _store.SearchAsync(_accountId, SearchQuery.Parse(typed), 0, 10, default);

            var raw = await _store.GetRawAsync(_accountId, stored.Id, default);
            if (raw is null || !raw.AsSpan().SequenceEqual(input))
                throw new FuzzInvariantException("The stored raw bytes differ from what was delivered.");

            var message = MessageReader.Load(raw);
            MessageReader.Read(stored.Id, message);
            if (message is not null)
            {
                var document = MessageReader.RenderHtmlDocument(stored.Id, message, allowRemote: false);
                if (document.Contains("<script", StringComparison.OrdinalIgnoreCase))
                    throw new FuzzInvariantException("The reading pane document contains a script element.");
            }
        }
        finally
        {
            await _store.DeleteAsync(_accountId, [stored.Id], default);
        }
    }

    /// <summary>
    /// AFL kills a child that timed out or crashed, and every run ends with a kill: its store is never
    /// disposed. Each new child removes the stores of processes that are gone (tmpfs is memory).
    /// </summary>
    private static void RemoveStoresOfDeadProcesses(string root)
    {
        foreach (var directory in Directory.GetDirectories(root, "webmail-fuzz-*"))
        {
            var parts = Path.GetFileName(directory).Split('-');
            if (parts.Length != 4 || !int.TryParse(parts[2], out var pid) || pid == Environment.ProcessId || Directory.Exists("/proc/" + pid))
                continue;
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Another child is removing it at the same moment.
            }
        }
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return true;
        }
        return false;
    }

    public void Dispose()
    {
        // The store only disposes asynchronously (it drains the group-commit writer).
        _services.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A writer still closing its file: the temp folder goes with the next reboot.
        }
    }
}
