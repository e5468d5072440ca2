using Npgsql;
using Webmail.Core.Model;

namespace Webmail.Storage.Postgres;

/// <summary>
/// What PostgreSQL's queries need beyond the provider-neutral column lists and readers (<see cref="MessageRows"/>, which
/// both providers use): the list orders in PostgreSQL's SQL and reader helpers.
/// </summary>
internal static class PostgresRows
{
    /// <summary>The list orders; names compare without case as SQLite's NOCASE does (ASCII letters folded).</summary>
    public static string OrderBy(MessageSort sort) => sort switch
    {
        MessageSort.DateAscending => "m.internal_date ASC, m.id ASC",
        MessageSort.FromAscending => "lower(CASE WHEN m.from_name = '' THEN m.from_address ELSE m.from_name END) COLLATE \"C\" ASC, m.internal_date DESC",
        MessageSort.FromDescending => "lower(CASE WHEN m.from_name = '' THEN m.from_address ELSE m.from_name END) COLLATE \"C\" DESC, m.internal_date DESC",
        MessageSort.SubjectAscending => "lower(m.subject) COLLATE \"C\" ASC, m.internal_date DESC",
        MessageSort.SubjectDescending => "lower(m.subject) COLLATE \"C\" DESC, m.internal_date DESC",
        MessageSort.SizeDescending => "m.size DESC, m.internal_date DESC",
        MessageSort.SizeAscending => "m.size ASC, m.internal_date DESC",
        _ => "m.internal_date DESC, m.id DESC",
    };

    public static long ToUnixMs(this DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromUnixMs(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    public static DateTimeOffset? FromUnixMsOrNull(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : FromUnixMs(reader.GetInt64(ordinal));

    public static string? GetStringOrNull(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
