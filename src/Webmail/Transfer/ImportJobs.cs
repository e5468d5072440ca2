using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Webmail.Core;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Core.Storage;
using Webmail.Mail.Transfer;

namespace Webmail.Transfer;

/// <summary>
/// Imports started from Settings → Import run here, in the background on the server: a job record in the
/// store (<see cref="IImportStore"/>) that any page reads back, so closing the page does not stop it. One
/// job runs at a time, in the order they were started. An uploaded file waits in <c>DATA/imports</c> and
/// is deleted when its job ends. The password of an IMAP import is kept in memory only: after a restart
/// such a job ends as failed with a message asking to start it again (it resumes by UID); a file job
/// simply runs again (duplicates are skipped).
/// </summary>
public sealed class ImportJobs(IImportStore store, MailboxImporter importer, DataPaths paths, IOptionsMonitor<WebmailOptions> options, TimeProvider time, ILogger<ImportJobs> logger)
    : BackgroundService
{
    public static readonly IReadOnlyList<string> FileKinds = ["mbox", "eml", "maildir"];

    private readonly ConcurrentDictionary<long, string> _passwords = new();
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _running = new();
    private readonly SemaphoreSlim _signal = new(0);

    private string UploadDirectory => Path.Combine(paths.DataDirectory, "imports");

    /// <summary>
    /// Stages an uploaded file (at most <see cref="ImportOptions.MaxUploadSize"/>) and queues its import. A zip's
    /// kind is read from its entries (<see cref="ImportZip.KindOf"/>): a Maildir tree, or .eml files.
    /// </summary>
    /// <param name="kind"><c>mbox</c> or <c>zip</c>.</param>
    /// <exception cref="ImportException">The file is too large, not a zip, over a zip's bounds, or the kind unknown.</exception>
    public async Task<ImportJob> StartFileAsync(long accountId, string kind, string fileName, Stream content, long? targetFolderId, CancellationToken cancellationToken)
    {
        if (kind is not ("mbox" or "zip"))
            throw new ImportException("Upload an mbox file, or a zip of .eml files or of a Maildir folder.");
        DataDirectoryPermissions.CreateDirectory(UploadDirectory);
        var staged = Path.Combine(UploadDirectory, Guid.NewGuid().ToString("N") + ".upload");
        var max = options.CurrentValue.Import.MaxUploadSize;
        try
        {
            await using (var file = new FileStream(staged, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                var buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > max)
                        throw new ImportException($"The file is larger than {ByteSize.FormatCompact(max)}, the most an upload may be. The operator can import it with the CLI.");
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            if (kind == "zip")
                kind = ImportZip.KindOf(staged, importer.Limits);
            var job = await store.CreateImportJobAsync(accountId, new NewImportJob(kind, Bound(Path.GetFileName(fileName)), targetFolderId, "{}", staged, time.GetUtcNow()), cancellationToken);
            _signal.Release();
            return job;
        }
        catch
        {
            File.Delete(staged);
            throw;
        }
    }

    /// <summary>Queues an import from another IMAP server; the password stays in memory until the job ends.</summary>
    /// <exception cref="ImportException">A value is missing or out of range.</exception>
    public async Task<ImportJob> StartImapAsync(long accountId, ImapSourceOptions source, string password, long? targetFolderId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(source.Host) || source.Host.Length > 253 || source.Host.Any(char.IsWhiteSpace))
            throw new ImportException("Enter the server's host name.");
        if (source.Port is < 1 or > 65535)
            throw new ImportException("The port is a number from 1 to 65535.");
        if (!ImapSourceOptions.SecurityChoices.Contains(source.Security))
            throw new ImportException("Choose TLS, STARTTLS or none.");
        if (string.IsNullOrWhiteSpace(source.User) || source.User.Length > 320 || string.IsNullOrEmpty(password) || password.Length > 1024)
            throw new ImportException("Enter the user name and password (or app password) for that server.");
        if (source.Folders.Count > 1000 || source.Folders.Any(f => f.Length > 500))
            throw new ImportException("Name at most 1,000 folders, each under 500 characters.");
        var job = await store.CreateImportJobAsync(accountId, new NewImportJob("imap", Bound(source.SourceKey), targetFolderId, JsonSerializer.Serialize(source), null, time.GetUtcNow()), cancellationToken);
        _passwords[job.Id] = password;
        _signal.Release();
        return job;
    }

    /// <summary>Stops the account's job if it is queued or running; false when it is not the account's or already over.</summary>
    public async Task<bool> StopAsync(long accountId, long jobId, CancellationToken cancellationToken)
    {
        var job = await store.GetImportJobAsync(accountId, jobId, cancellationToken);
        if (job is null || !job.IsActive)
            return false;
        if (_running.TryGetValue(jobId, out var running))
            await running.CancelAsync();
        else
            await FinishAsync(job, ImportJob.Stopped, "Stopped before it started.", cancellationToken);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var recovered = false;
            var storeFailing = false;
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!recovered)
                    {
                        await RecoverAsync(stoppingToken);
                        recovered = true;
                    }
                    foreach (var job in await store.ListImportJobsInStateAsync(ImportJob.Queued, stoppingToken))
                    {
                        // Stopped while it waited behind another job: the list was read before.
                        if (await store.GetImportJobAsync(job.AccountId, job.Id, stoppingToken) is { State: ImportJob.Queued })
                            await RunAsync(job, stoppingToken);
                    }
                    if (storeFailing)
                        logger.LogInformation("Import jobs: the store answers again");
                    storeFailing = false;
                }
                catch (StoreUnavailableException e)
                {
                    // The store is down (a database restart): the queued jobs wait in it, and the next pass looks
                    // again. An exception leaving ExecuteAsync would stop the whole server.
                    if (!storeFailing)
                        logger.LogWarning(e, "Import jobs: the store is unavailable; looking again every few seconds");
                    storeFailing = true;
                }
                await _signal.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Jobs a stopped server left running: file jobs run again, IMAP jobs need their password again.</summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        foreach (var job in await store.ListImportJobsInStateAsync(ImportJob.Running, cancellationToken))
        {
            if (job.Kind == "imap")
                await FinishAsync(job, ImportJob.FailedState, "The server restarted during the import. Start it again: it continues after the last message copied.", cancellationToken);
            else
                await store.SetImportJobStateAsync(job.Id, ImportJob.Queued, null, "", null, cancellationToken);
        }
        foreach (var job in await store.ListImportJobsInStateAsync(ImportJob.Queued, cancellationToken))
        {
            if (job.Kind == "imap" && !_passwords.ContainsKey(job.Id))
                await FinishAsync(job, ImportJob.FailedState, "The server restarted before the import began. Start it again.", cancellationToken);
        }
    }

    private async Task RunAsync(ImportJob job, CancellationToken stoppingToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _running[job.Id] = cancel;
        try
        {
            var source = SourceOf(job);
            var outcome = await importer.RunAsync(job.AccountId, source, job.TargetFolderId, job.Id, progress: null, cancel.Token);
            await FinishAsync(job, outcome.QuotaStopped ? ImportJob.Stopped : ImportJob.Done, outcome.Message, CancellationToken.None);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            await FinishAsync(job, ImportJob.Stopped, "Stopped. What was imported stays; run it again to continue (duplicates are skipped).", CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
            // The server is stopping: the job stays running and is picked up at the next start.
            _running.TryRemove(job.Id, out _);
            return;
        }
        catch (Exception e) when (e is ImportException or StoreException or IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Import job {JobId} failed: {Reason}", job.Id, e.Message);
            await FinishAsync(job, ImportJob.FailedState, e.Message, CancellationToken.None);
        }
        catch (StoreUnavailableException e)
        {
            logger.LogWarning(e, "Import job {JobId} could not write to the store", job.Id);
            await FinishAsync(job, ImportJob.FailedState, "The mail store could not be written (a temporary failure). Run the import again: what is already imported is skipped.", CancellationToken.None);
        }
        _running.TryRemove(job.Id, out _);
    }

    private ImportSource SourceOf(ImportJob job)
    {
        if (job.Kind == "imap")
        {
            var source = JsonSerializer.Deserialize<ImapSourceOptions>(job.Options) ?? throw new ImportException("The job's server details are unreadable.");
            var password = _passwords.TryGetValue(job.Id, out var p) ? p : throw new ImportException("The password is no longer known (the server restarted). Start the import again.");
            return new ImapSource(source, password, store, job.AccountId, options.CurrentValue.Import.ImapTimeout);
        }
        var path = job.UploadPath ?? throw new ImportException("The uploaded file is gone.");
        if (!File.Exists(path))
            throw new ImportException("The uploaded file is gone.");
        return job.Kind switch
        {
            "eml" => new EmlZipSource(path),
            "maildir" => new MaildirZipSource(path),
            _ => new MboxSource(path),
        };
    }

    private async Task FinishAsync(ImportJob job, string state, string message, CancellationToken cancellationToken)
    {
        _passwords.TryRemove(job.Id, out _);
        if (job.UploadPath is { } path && path.StartsWith(UploadDirectory, StringComparison.Ordinal))
        {
            File.Delete(path);
            MaildirZipSource.DeleteWorkDirectory(path);
        }
        await store.SetImportJobStateAsync(job.Id, state, null, message, time.GetUtcNow(), cancellationToken);
    }

    private static string Bound(string text) => text.Length <= 200 ? text : text[..199] + "…";
}
