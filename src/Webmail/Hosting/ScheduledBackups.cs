using System.Globalization;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Core.Storage;
using Webmail.Storage;
using Webmail.Storage.Postgres;

namespace Webmail.Hosting;

/// <summary>
/// <c>Webmail:Backup:Directory</c> set: a hot backup (<see cref="StoreBackup"/>; on PostgreSQL a <c>pg_dump</c>
/// archive, <see cref="PostgresBackup"/>) every <c>Interval</c>, keeping the newest <c>Keep</c>. A failed backup is
/// logged and tried again at the next interval; the older backups stay.
/// </summary>
public sealed class ScheduledBackups(IOptions<WebmailOptions> options, DataPaths paths, TimeProvider time, ILogger<ScheduledBackups> logger) : BackgroundService
{
    private const string Prefix = "webmail-";
    private const string Suffix = ".db";
    private const string PostgresSuffix = ".dump";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backup = options.Value.Backup;
        if (string.IsNullOrWhiteSpace(backup.Directory))
            return;
        using var timer = new PeriodicTimer(backup.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or StoreException or StoreUnavailableException)
                {
                    logger.LogError(e, "Scheduled backup to {Directory} failed", backup.Directory);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Makes one backup now and deletes those past <c>Keep</c>; returns its path.</summary>
    public async Task<string> RunOnceAsync(CancellationToken cancellationToken)
    {
        var backup = options.Value.Backup;
        var directory = Path.GetFullPath(backup.Directory, paths.DataDirectory);
        DataDirectoryPermissions.CreateDirectory(directory);
        var store = options.Value.Store;
        var suffix = store.IsPostgres ? PostgresSuffix : Suffix;
        var path = Path.Combine(directory, Prefix + time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + suffix);
        if (store.IsPostgres)
        {
            var archive = await PostgresBackup.BackupAsync(store.ConnectionString, path, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Backup {Path}: pg_dump archive of {Tables} tables, {Bytes} bytes, checked", path, archive.Tables, archive.Bytes);
        }
        else
        {
            var check = await StoreBackup.BackupAsync(paths.DatabasePath, path, progress: null, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Backup {Path}: {Accounts} accounts, {Messages} messages, {Bytes} bytes, checked", path, check.Accounts, check.Messages, check.Bytes);
        }
        // The names sort by time; only files of this pattern are ever deleted.
        foreach (var old in Directory.GetFiles(directory, Prefix + "*" + suffix).Order(StringComparer.Ordinal).SkipLast(Math.Max(1, backup.Keep)))
        {
            File.Delete(old);
            logger.LogInformation("Deleted the old backup {Path}", old);
        }
        return path;
    }
}
