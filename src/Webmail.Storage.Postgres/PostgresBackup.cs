using System.Diagnostics;
using Npgsql;
using Webmail.Core.Configuration;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>What a PostgreSQL backup archive holds, as <c>pg_restore --list</c> reads it back.</summary>
public sealed record PostgresBackupCheck(int Tables, long Bytes);

/// <summary>What a restore put into the database.</summary>
public sealed record PostgresRestoreResult(int SchemaVersion, long Accounts, long Messages);

/// <summary>
/// <c>Webmail backup</c> and <c>restore</c> when the store is PostgreSQL: PostgreSQL's own tools, not a copy of ours.
/// <c>pg_dump --format=custom</c> takes one consistent snapshot while every node keeps serving (a repeatable-read
/// transaction); the archive is written as <c>FILE.partial</c>, read back with <c>pg_restore --list</c>, and only then
/// renamed to <c>FILE</c>. <c>pg_restore</c> restores into an empty database only, in one transaction. The connection
/// comes from <c>Webmail:Store:ConnectionString</c>, handed to the tools as libpq environment variables, so the
/// password never appears in a process list. Continuous archiving (WAL, <c>pg_basebackup</c>) stays the DBA's choice.
/// </summary>
public static class PostgresBackup
{
    /// <summary>Output kept from a tool for its error message.</summary>
    private const int MaxErrorText = 4000;

    /// <exception cref="StoreException">pg_dump is missing or failed, or the archive does not read back.</exception>
    public static async Task<PostgresBackupCheck> BackupAsync(string connectionString, string file, CancellationToken ct)
    {
        var path = Path.GetFullPath(file);
        var partial = path + ".partial";
        File.Delete(partial);
        try
        {
            await RunAsync("pg_dump", connectionString, ["--format=custom", "--no-owner", "--no-privileges", "--file", partial], ct).ConfigureAwait(false);
            var list = await RunAsync("pg_restore", connectionString, ["--list", partial], ct).ConfigureAwait(false);
            var tables = list.Split('\n').Count(l => l.Contains(" TABLE DATA ", StringComparison.Ordinal));
            if (!list.Contains(" TABLE DATA public messages ", StringComparison.Ordinal))
                throw new StoreException($"The archive {partial} holds no messages table; it is not a Webmail store's backup.");
            await using (var stream = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite))
                stream.Flush(flushToDisk: true);
            File.Move(partial, path, overwrite: true);
            return new PostgresBackupCheck(tables, new FileInfo(path).Length);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>Restores an archive <see cref="BackupAsync"/> made into the configured database, which must hold no tables yet.</summary>
    /// <exception cref="StoreException">The database is not empty, pg_restore is missing or failed (nothing is kept then).</exception>
    public static async Task<PostgresRestoreResult> RestoreAsync(string connectionString, string file, CancellationToken ct)
    {
        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
            throw new StoreException($"There is no backup at {path}.");
        var settings = Settings(connectionString);
        await using (var connection = new NpgsqlConnection(settings.ConnectionString))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace = current_schema()::regnamespace", connection);
            if ((long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))! > 0)
                throw new StoreException($"The PostgreSQL database {settings.Database} is not empty; restore only into a new, empty database (createdb) and point Webmail:Store:ConnectionString at it.");
        }
        // One transaction: a failure leaves the database empty, not half restored.
        await RunAsync("pg_restore", connectionString, ["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", "--dbname", settings.Database!, path], ct).ConfigureAwait(false);
        await using (var connection = new NpgsqlConnection(settings.ConnectionString))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT (SELECT max(version) FROM schema_migrations), (SELECT count(*) FROM accounts), (SELECT count(*) FROM messages)", connection);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return new PostgresRestoreResult(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2));
        }
    }

    private static NpgsqlConnectionStringBuilder Settings(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(settings.Password) && Environment.GetEnvironmentVariable(StoreOptions.PasswordVariable) is { Length: > 0 } password)
            settings.Password = password;
        return settings;
    }

    /// <summary>Runs one of PostgreSQL's client tools with the store's connection in libpq's environment variables; returns its standard output.</summary>
    private static async Task<string> RunAsync(string tool, string connectionString, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var program = FindTool(tool) ?? throw new StoreException(
            $"PostgreSQL's {tool} is not installed (Debian: apt-get install postgresql-client). Back the database up with PostgreSQL's own tools (pg_dump, pg_basebackup), or install them and run this again.");
        var settings = Settings(connectionString);
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(name);
        info.Environment["PGHOST"] = settings.Host;
        info.Environment["PGPORT"] = settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["PGDATABASE"] = settings.Database;
        info.Environment["PGUSER"] = settings.Username;
        if (!string.IsNullOrEmpty(settings.Password))
            info.Environment["PGPASSWORD"] = settings.Password;
        info.Environment["PGSSLMODE"] = settings.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Allow => "allow",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => "prefer",
        };
        info.Environment["PGAPPNAME"] = "webmail-" + tool;
        using var process = Process.Start(info) ?? throw new StoreException($"{tool} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var error = (await errors.ConfigureAwait(false)).Trim();
        if (process.ExitCode != 0)
            throw new StoreException($"{tool} failed (exit {process.ExitCode}): {(error.Length > MaxErrorText ? error[..MaxErrorText] : error)}");
        return await output.ConfigureAwait(false);
    }

    /// <summary>The tool on PATH, else the newest of Debian's <c>/usr/lib/postgresql/N/bin</c>; null when neither has it.</summary>
    private static string? FindTool(string tool)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
                return candidate;
        }
        const string debian = "/usr/lib/postgresql";
        return Directory.Exists(debian)
            ? Directory.GetDirectories(debian).Select(d => Path.Combine(d, "bin", tool)).Where(File.Exists)
                .OrderByDescending(p => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))), out var v) ? v : 0).FirstOrDefault()
            : null;
    }
}
