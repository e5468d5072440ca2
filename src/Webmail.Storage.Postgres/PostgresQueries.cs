using Npgsql;

namespace Webmail.Storage.Postgres;

/// <summary>One parameterised read on a pooled connection, outside any unit of work (the directory side's reads).</summary>
internal static class PostgresQueries
{
    /// <summary>Runs <paramref name="sql"/> with <c>@name</c> parameters and reads every row with <paramref name="read"/>.</summary>
    /// <exception cref="Webmail.Core.Storage.StoreUnavailableException">The server could not be reached or failed.</exception>
    public static Task<List<T>> QueryAsync<T>(this PostgresDatabase database, string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters) =>
        PostgresUnits.ReadAsync(database, unit =>
        {
            var statement = unit.Sql(sql);
            foreach (var (name, value) in parameters)
                statement.With(name, value);
            return statement.ListAsync(read);
        }, cancellationToken);
}
