using Microsoft.Data.Sqlite;

namespace Webmail.Storage;

/// <summary>What a check of a store file found.</summary>
/// <param name="SchemaVersion">The migration the file is at (<c>PRAGMA user_version</c>).</param>
public sealed record StoreFileCheck(bool Intact, string Problem, int SchemaVersion, long Accounts, long Messages, long Bytes);

/// <summary>
/// Hot backup and restore of the SQLite store (<c>Webmail backup|restore</c>, the scheduled backups).
/// A backup is <c>VACUUM INTO</c>: one read transaction, so it is the store as of one commit while the
/// server goes on taking mail (WAL lets the writer continue), written compact to a new file, checked,
/// made durable, and only then given its name. A restore replaces the store file atomically.
/// </summary>
public static class StoreBackup
{
    /// <summary>Copies the store at <paramref name="databasePath"/> to <paramref name="destination"/>, reporting the share written (0–1), then checks the copy.</summary>
    /// <exception cref="IOException">The copy failed its check (the partial file is removed).</exception>
    public static async Task<StoreFileCheck> BackupAsync(string databasePath, string destination, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        destination = Path.GetFullPath(destination);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var partial = destination + ".partial";
        File.Delete(partial);
        long expected;
        using (var source = Open(databasePath, SqliteOpenMode.ReadOnly))
        {
            expected = Math.Max(1, Scalar(source, "PRAGMA page_count") * Scalar(source, "PRAGMA page_size"));
            using var done = new CancellationTokenSource();
            progress?.Report(0);
            var watcher = progress is null ? Task.CompletedTask : WatchAsync(partial, expected, progress, done.Token);
            try
            {
                using var vacuum = source.CreateCommand();
                vacuum.CommandText = "VACUUM INTO $path";
                vacuum.Parameters.AddWithValue("$path", partial);
                await vacuum.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await done.CancelAsync().ConfigureAwait(false);
                await watcher.ConfigureAwait(false);
            }
        }
        var check = Check(partial);
        if (!check.Intact)
        {
            File.Delete(partial);
            throw new IOException($"The backup failed its check: {check.Problem}");
        }
        using (var file = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite))
            file.Flush(flushToDisk: true);
        File.Move(partial, destination, overwrite: true);
        progress?.Report(1);
        return check;
    }

    /// <summary>Checks a store file read-only: SQLite's integrity check, its schema version, what it holds.</summary>
    public static StoreFileCheck Check(string path)
    {
        if (!File.Exists(path))
            return new(false, $"{path} does not exist", 0, 0, 0, 0);
        try
        {
            using var connection = Open(path, SqliteOpenMode.ReadOnly);
            using var integrity = connection.CreateCommand();
            integrity.CommandText = "PRAGMA integrity_check";
            var verdict = Convert.ToString(integrity.ExecuteScalar()) ?? "";
            var version = (int)Scalar(connection, "PRAGMA user_version");
            if (verdict != "ok")
                return new(false, "integrity check: " + verdict, version, 0, 0, 0);
            if (version == 0)
                return new(false, "not a Webmail store (no schema version)", 0, 0, 0, 0);
            if (version > Migrator.LatestVersion)
                return new(false, $"made by a newer Webmail (schema {version}; this one knows up to {Migrator.LatestVersion})", version, 0, 0, 0);
            return new(true, "", version, Scalar(connection, "SELECT count(*) FROM accounts"), Scalar(connection, "SELECT count(*) FROM messages"), new FileInfo(path).Length);
        }
        catch (SqliteException e)
        {
            return new(false, e.Message, 0, 0, 0, 0);
        }
    }

    /// <summary>
    /// Replaces the store at <paramref name="databasePath"/> with <paramref name="backup"/>: checked first;
    /// the current store (its log checkpointed into it) is kept beside it as
    /// <c>webmail.db.before-restore-…</c>; then the copy is renamed over it, so a crash leaves one or the other.
    /// The caller holds the <see cref="Webmail.Core.Hosting.DataDirectoryLock"/>: no server has the store open.
    /// </summary>
    /// <returns>The check of the restored file and where the previous store was kept (null when there was none).</returns>
    public static (StoreFileCheck Check, string? Previous) Restore(string databasePath, string backup, DateTimeOffset now)
    {
        var check = Check(backup);
        if (!check.Intact)
            throw new IOException($"{backup} cannot be restored: {check.Problem}");
        string? previous = null;
        if (File.Exists(databasePath))
        {
            // Everything the log holds goes into the file first: the log of the old store must not be
            // applied to the new one, and the kept copy must be whole.
            using (var old = Open(databasePath, SqliteOpenMode.ReadWrite))
            using (var checkpoint = old.CreateCommand())
            {
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                checkpoint.ExecuteNonQuery();
            }
            previous = $"{databasePath}.before-restore-{now.UtcDateTime:yyyyMMdd-HHmmss}";
            File.Copy(databasePath, previous, overwrite: true);
        }
        var incoming = databasePath + ".restoring";
        File.Copy(backup, incoming, overwrite: true);
        using (var file = new FileStream(incoming, FileMode.Open, FileAccess.ReadWrite))
            file.Flush(flushToDisk: true);
        File.Delete(databasePath + "-wal");
        File.Delete(databasePath + "-shm");
        File.Move(incoming, databasePath, overwrite: true);
        return (check, previous);
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        return connection;
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    private static async Task WatchAsync(string partial, long expected, IProgress<double> progress, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
                if (File.Exists(partial))
                    progress.Report(Math.Min(0.99, new FileInfo(partial).Length / (double)expected));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
