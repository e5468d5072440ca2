using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres.Migration;

/// <summary>One column to copy: its name and its PostgreSQL type (which decides how the SQLite value is written).</summary>
internal sealed record MigrationColumn(string Name, NpgsqlDbType Type);

/// <summary>
/// One table to copy: the columns both schemas have, the column that refers to the table itself (folders' parent,
/// copied parents first), and the identity column whose sequence moves past the copied ids.
/// </summary>
internal sealed record MigrationTable(string Name, IReadOnlyList<MigrationColumn> Columns, string? SelfReference, string? Identity)
{
    public string ColumnList => string.Join(", ", Columns.Select(c => c.Name));
}

/// <summary>
/// What <c>store migrate</c> copies, read from the two live schemas rather than written down a second time: every
/// PostgreSQL table the SQLite store also has (0001_schema.sql keeps SQLite's table and column names on purpose), in
/// foreign-key order. A SQLite table or column PostgreSQL lacks stops the migration before anything is written
/// (its rows would be lost); a PostgreSQL column SQLite lacks keeps its default; a PostgreSQL-only table stays empty.
/// </summary>
internal sealed class MigrationPlan
{
    /// <summary>The migrator's own bookkeeping.</summary>
    private const string SchemaTable = "schema_migrations";

    /// <summary>The PostgreSQL search index: rebuilt from the raw messages (SQLite's FTS5 index is contentless).</summary>
    public const string SearchTable = "message_search";

    private MigrationPlan(IReadOnlyList<MigrationTable> tables, IReadOnlyList<string> postgresOnly)
    {
        Tables = tables;
        PostgresOnly = postgresOnly;
    }

    /// <summary>The tables to copy, each after the tables it refers to.</summary>
    public IReadOnlyList<MigrationTable> Tables { get; }

    /// <summary>PostgreSQL tables with no SQLite counterpart (node-to-node state): left empty.</summary>
    public IReadOnlyList<string> PostgresOnly { get; }

    public bool HasSearchIndex { get; private init; }

    /// <exception cref="StoreException">The SQLite store holds a table or column the PostgreSQL schema does not.</exception>
    public static async Task<MigrationPlan> LoadAsync(SqliteConnection source, NpgsqlConnection target, CancellationToken ct)
    {
        var targetColumns = new Dictionary<string, List<(string Name, string Type, bool Identity)>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
            "SELECT c.table_name, c.column_name, c.data_type, c.is_identity = 'YES' FROM information_schema.columns c " +
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name " +
            "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position", target))
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var table = reader.GetString(0);
                if (!targetColumns.TryGetValue(table, out var list))
                    targetColumns[table] = list = [];
                list.Add((reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
            }
        }
        var hasSearch = targetColumns.Remove(SearchTable);
        targetColumns.Remove(SchemaTable);

        var references = new List<(string Table, string Refers, string Column)>();
        await using (var command = new NpgsqlCommand(
            "SELECT cl.relname, rf.relname, a.attname FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid " +
            "JOIN pg_class rf ON rf.oid = co.confrelid JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1] " +
            "WHERE co.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace", target))
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
                references.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        var sourceTables = SourceTables(source);
        foreach (var (table, columns) in sourceTables)
        {
            if (!targetColumns.TryGetValue(table, out var known))
                throw new StoreException($"The SQLite store has a table '{table}' that the PostgreSQL schema does not; nothing was copied (is this Webmail older than the store?).");
            foreach (var column in columns.Where(c => known.All(t => t.Name != c)))
                throw new StoreException($"The SQLite store has a column '{table}.{column}' that the PostgreSQL schema does not; nothing was copied (is this Webmail older than the store?).");
        }

        var tables = new List<MigrationTable>();
        foreach (var (name, columns) in targetColumns.Where(t => sourceTables.ContainsKey(t.Key)))
        {
            var shared = columns.Where(c => sourceTables[name].Contains(c.Name)).Select(c => new MigrationColumn(c.Name, TypeOf(name, c.Name, c.Type))).ToList();
            var self = references.FirstOrDefault(r => r.Table == name && r.Refers == name).Column;
            tables.Add(new MigrationTable(name, shared, self, columns.FirstOrDefault(c => c.Identity).Name));
        }
        var postgresOnly = targetColumns.Keys.Where(t => !sourceTables.ContainsKey(t)).Order(StringComparer.Ordinal).ToList();
        return new MigrationPlan(InDependencyOrder(tables, references), postgresOnly) { HasSearchIndex = hasSearch };
    }

    /// <summary>The SQLite store's ordinary tables and their columns: not SQLite's own, not full-text indexes and their shadow tables.</summary>
    private static Dictionary<string, HashSet<string>> SourceTables(SqliteConnection source)
    {
        var names = new List<(string Name, bool Virtual)>();
        using (var command = source.CreateCommand())
        {
            command.CommandText = "SELECT name, coalesce(sql, '') LIKE 'CREATE VIRTUAL TABLE%' FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                names.Add((reader.GetString(0), reader.GetBoolean(1)));
        }
        var virtualTables = names.Where(n => n.Virtual).Select(n => n.Name).ToList();
        var tables = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (name, _) in names.Where(n => !n.Virtual && !virtualTables.Any(v => n.Name.StartsWith(v + "_", StringComparison.Ordinal))))
        {
            using var command = source.CreateCommand();
            command.CommandText = "SELECT name FROM pragma_table_info(@t)";
            command.Parameters.AddWithValue("@t", name);
            using var reader = command.ExecuteReader();
            var columns = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read())
                columns.Add(reader.GetString(0));
            tables[name] = columns;
        }
        return tables;
    }

    private static NpgsqlDbType TypeOf(string table, string column, string type) => type switch
    {
        "bigint" => NpgsqlDbType.Bigint,
        "integer" => NpgsqlDbType.Integer,
        "boolean" => NpgsqlDbType.Boolean,
        "text" => NpgsqlDbType.Text,
        "bytea" => NpgsqlDbType.Bytea,
        _ => throw new StoreException($"The PostgreSQL column {table}.{column} has the type {type}, which store migrate does not copy."),
    };

    /// <summary>Each table after every table it refers to (a table referring to itself is ordered by its rows instead).</summary>
    private static List<MigrationTable> InDependencyOrder(List<MigrationTable> tables, List<(string Table, string Refers, string Column)> references)
    {
        var byName = tables.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var ordered = new List<MigrationTable>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        void Place(string name, HashSet<string> visiting)
        {
            if (placed.Contains(name) || !byName.ContainsKey(name))
                return;
            if (!visiting.Add(name))
                throw new StoreException($"The PostgreSQL tables refer to each other in a cycle through {name}; store migrate cannot order them.");
            foreach (var reference in references.Where(r => r.Table == name && r.Refers != name).Select(r => r.Refers).Order(StringComparer.Ordinal))
                Place(reference, visiting);
            visiting.Remove(name);
            placed.Add(name);
            ordered.Add(byName[name]);
        }
        foreach (var table in tables.Select(t => t.Name).Order(StringComparer.Ordinal))
            Place(table, new HashSet<string>(StringComparer.Ordinal));
        return ordered;
    }
}
