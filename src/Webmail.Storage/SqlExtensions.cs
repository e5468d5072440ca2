using Microsoft.Data.Sqlite;

namespace Webmail.Storage;

/// <summary>Small conveniences for parameters and time columns (Unix milliseconds, UTC).</summary>
internal static class SqlExtensions
{
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static long ToUnixMs(this DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromUnixMs(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    public static DateTimeOffset? FromUnixMsOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : FromUnixMs(reader.GetInt64(ordinal));

    public static string? GetStringOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>A LIKE pattern (with <c>ESCAPE '\'</c>) that matches text containing <paramref name="search"/> literally; every text for none.</summary>
    public static string ContainsPattern(string? search) =>
        "%" + (search ?? "").Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";

    public static long ScalarLong(this SqliteCommand command) => Convert.ToInt64(command.ExecuteScalar() ?? 0L);

    /// <summary>Binds a list of ids as $p0, $p1... and returns "($p0,$p1,...)".</summary>
    public static string InList(this SqliteCommand command, IEnumerable<long> ids, string prefix = "$i")
    {
        var names = new List<string>();
        foreach (var id in ids)
        {
            var name = prefix + names.Count;
            command.Parameters.AddWithValue(name, id);
            names.Add(name);
        }
        return names.Count == 0 ? "(NULL)" : "(" + string.Join(",", names) + ")";
    }
}
