using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webmail.Testing;

namespace Webmail.Storage.Postgres.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task NodesStartingAtOnceApplyEachMigrationOnce()
    {
        // An empty database, not the migrated template: four "nodes" open it at the same moment.
        var name = $"webmail_empty_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(PostgresCluster.ConnectionString))
        {
            await admin.OpenAsync();
            await new NpgsqlCommand($"CREATE DATABASE {name}", admin).ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(PostgresCluster.ConnectionString) { Database = name }.ConnectionString;
        try
        {
            var nodes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new PostgresDatabase(connectionString, NullLoggerFactory.Instance))));

            await using var connection = await nodes[0].OpenConnectionAsync(default);
            await using var applied = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version", connection);
            var versions = new List<int>();
            await using (var reader = await applied.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    versions.Add(reader.GetInt32(0));
            Assert.Equal(PostgresMigrator.Migrations.Select(m => m.Version), versions);
            Assert.Equal(PostgresMigrator.LatestVersion, PostgresMigrator.GetVersion(connection));
            foreach (var node in nodes)
                await node.DisposeAsync();
        }
        finally
        {
            PostgresCluster.DropDatabase(connectionString);
        }
    }

    [Fact]
    public async Task ANewerSchemaIsRefused()
    {
        var connectionString = PostgresCluster.CreateDatabase();
        try
        {
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await new NpgsqlCommand($"INSERT INTO schema_migrations (version, name) VALUES ({PostgresMigrator.LatestVersion + 1}, 'from_the_future')", connection).ExecuteNonQueryAsync();
            }
            var refused = Assert.Throws<InvalidOperationException>(() => new PostgresDatabase(connectionString, NullLoggerFactory.Instance));
            Assert.Contains($"newer than this build's {PostgresMigrator.LatestVersion}", refused.Message);
        }
        finally
        {
            PostgresCluster.DropDatabase(connectionString);
        }
    }

    [Fact]
    public async Task EveryConnectionCommitsSynchronously()
    {
        var connectionString = PostgresCluster.CreateDatabase();
        try
        {
            await using var database = new PostgresDatabase(connectionString, NullLoggerFactory.Instance);
            await using var connection = await database.OpenConnectionAsync(default);
            await using var show = new NpgsqlCommand("SHOW synchronous_commit", connection);
            Assert.Equal("on", await show.ExecuteScalarAsync());
        }
        finally
        {
            PostgresCluster.DropDatabase(connectionString);
        }
    }
}
