using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webmail.Core;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Core.Storage;
using Webmail.Storage;
using Webmail.Storage.Postgres;
using Webmail.Storage.Postgres.Migration;

namespace Webmail.Cli;

/// <summary>
/// <c>store migrate --to postgres --connection "…"</c>: the data directory's SQLite store copied into an empty
/// PostgreSQL database (<see cref="StoreMigration"/>), then checked (<see cref="StoreMigrationVerifier"/>), with a
/// progress bar. The server must be stopped (the data directory's lock): mail it took during the copy would be lost.
/// </summary>
internal sealed class StoreCommands(IServiceProvider services, TextWriter stdout)
{
    public const string MigrateUsage = "store migrate --to postgres --connection \"Host=…;Database=…;Username=…\"";

    /// <summary>
    /// <c>Webmail:Store</c> as configured, read without <c>IOptions&lt;WebmailOptions&gt;</c>: its live-settings
    /// post-configuration opens (and so migrates) the store, which <c>restore</c> into an empty database must not do.
    /// </summary>
    public static StoreOptions Configured(IServiceProvider services) =>
        services.GetRequiredService<IConfiguration>().GetSection(WebmailOptions.SectionName + ":Store").Get<StoreOptions>() ?? new StoreOptions();

    public async Task MigrateAsync(List<string> words, Dictionary<string, string?> options, CancellationToken ct)
    {
        if (words.ElementAtOrDefault(1) != "migrate" || words.Count > 2)
            throw new CliUsageException(MigrateUsage);
        if (options.GetValueOrDefault("to") is not { } to || !to.Equals(StoreOptions.Postgres, StringComparison.OrdinalIgnoreCase))
            throw new CliUsageException(MigrateUsage);
        if (options.GetValueOrDefault("connection") is not { Length: > 0 } connectionString)
            throw new CliUsageException(MigrateUsage);
        if (Configured(services).IsPostgres)
            throw new StoreException("The configured store is already PostgreSQL; store migrate copies the data directory's SQLite store (run it with Webmail:Store:Provider=sqlite).");

        var paths = services.GetRequiredService<DataPaths>();
        if (!File.Exists(paths.DatabasePath))
            throw new StoreException($"There is no SQLite store at {paths.DatabasePath}.");
        using var held = DataDirectoryLock.Acquire(paths.DataDirectory);
        // Opening the SQLite store brings its schema up to date, so both schemas are this build's.
        services.GetRequiredService<SqliteDatabase>();

        var display = new ProgressDisplay(stdout, ProgressDisplay.IsTerminal(stdout));
        try
        {
            await using var target = new PostgresDatabase(connectionString, NullLoggerFactory.Instance);
            await stdout.WriteLineAsync($"migrate: {paths.DatabasePath} → PostgreSQL database {new NpgsqlConnectionStringBuilder(connectionString).Database} on {new NpgsqlConnectionStringBuilder(connectionString).Host}");
            var copied = await new StoreMigration(paths.DatabasePath, target.DataSource).CopyAsync(display, ct);
            display.Finish();
            await stdout.WriteLineAsync($"copied {copied.Tables.Sum(t => t.Rows):N0} rows of {copied.Tables.Count} tables: {copied.Messages:N0} messages ({ByteSize.FormatCompact(copied.Bytes)}) in {copied.Elapsed.TotalSeconds:N1} s"
                + (copied.PostgresOnly.Count > 0 ? $"; left empty (PostgreSQL only): {string.Join(", ", copied.PostgresOnly)}" : ""));
            var verified = await new StoreMigrationVerifier(paths.DatabasePath, target.DataSource).VerifyAsync(display, ct);
            display.Finish();
            await stdout.WriteLineAsync($"verified: row counts of {verified.Tables.Count} tables, {verified.Folders:N0} folders with {verified.Messages:N0} messages (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and a checksum over UIDs, flags and bytes) are the same in PostgreSQL");
            await stdout.WriteLineAsync("To serve from it, set Webmail:Store:Provider=postgres and Webmail:Store:ConnectionString, then start the server. The SQLite store is left as it was.");
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            display.Finish();
            throw new StoreException($"Cannot reach the PostgreSQL database: {e.Message}");
        }
        catch (PostgresException e)
        {
            display.Finish();
            throw new StoreException($"PostgreSQL refused: {e.MessageText}");
        }
        catch (StoreException)
        {
            display.Finish();
            throw;
        }
    }
}
