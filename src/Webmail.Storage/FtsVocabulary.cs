using Microsoft.Data.Sqlite;

namespace Webmail.Storage;

/// <summary>
/// The terms of one full-text index, held in memory while the index is unchanged, for the one
/// question the index cannot answer: which of its tokens contain a string (a substring search's run
/// that may sit inside a token, <see cref="FtsSubstring"/>). Asked of <c>fts5vocab</c>, that reads
/// every term's document list — the whole index — on every search.
/// </summary>
/// <remarks>
/// The terms are one string, <c>"\nterm\nterm\n"</c>, searched with a vectorised
/// <see cref="string.IndexOf(string, int, StringComparison)"/>: a 100,000-term vocabulary costs about
/// 1.5 MB and a millisecond (a vocabulary past <see cref="MaxHeldChars"/> is not held: it is asked
/// of <c>fts5vocab</c> each time). FTS5 rewrites its structure record (row 10 of <c>%_data</c>) on every
/// change to the index, so the cached terms are used only while that record is byte for byte the
/// one read with them, in the caller's read transaction.
/// </remarks>
internal sealed class FtsVocabulary(string index, int maxHeldChars = FtsVocabulary.MaxHeldChars)
{
    /// <summary>FTS5's structure record (<c>FTS5_STRUCTURE_ROWID</c> in fts5_index.c).</summary>
    private const int StructureRowId = 10;

    /// <summary>
    /// The most characters held by default (16 MB; about a million terms): a larger vocabulary is searched
    /// in SQL each time instead, slower but without the memory.
    /// </summary>
    public const int MaxHeldChars = 8 * 1024 * 1024;

    private readonly Lock _gate = new();
    private byte[]? _version;
    private string? _terms;

    /// <summary>
    /// The index's terms that contain <paramref name="run"/> (that end with it, when
    /// <paramref name="endsToken"/>), at most <paramref name="limit"/> + 1 of them.
    /// </summary>
    public List<string> Containing(SqliteConnection connection, SqliteTransaction transaction, string run, bool endsToken, int limit)
    {
        var terms = Current(connection, transaction);
        if (terms is null)
            return Query(connection, transaction, run, endsToken, limit);
        var found = new List<string>();
        var needle = endsToken ? run + "\n" : run;
        var at = 0;
        while (found.Count <= limit && (at = terms.IndexOf(needle, at, StringComparison.Ordinal)) >= 0)
        {
            var start = terms.LastIndexOf('\n', at) + 1;
            var end = terms.IndexOf('\n', at + run.Length);
            found.Add(terms[start..end]);
            at = end;
        }
        return found;
    }

    /// <summary>The terms containing the run, asked of <c>fts5vocab</c> (a vocabulary too large to hold).</summary>
    private List<string> Query(SqliteConnection connection, SqliteTransaction transaction, string run, bool endsToken, int limit)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = endsToken
            ? $"SELECT term FROM {index}_vocab WHERE length(term) >= length($r) AND substr(term, -length($r)) = $r LIMIT $n"
            : $"SELECT term FROM {index}_vocab WHERE instr(term, $r) > 0 LIMIT $n";
        command.With("$r", run).With("$n", limit + 1);
        var found = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            found.Add(reader.GetString(0));
        return found;
    }

    /// <summary>The terms at the version the transaction sees, or null when there are too many to hold.</summary>
    private string? Current(SqliteConnection connection, SqliteTransaction transaction)
    {
        byte[] version;
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = $"SELECT block FROM {index}_data WHERE id = {StructureRowId}";
            version = command.ExecuteScalar() as byte[] ?? [];
        }
        lock (_gate)
        {
            if (_version is not null && _version.AsSpan().SequenceEqual(version))
                return _terms;
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"SELECT term FROM {index}_vocab";
            var terms = new System.Text.StringBuilder("\n");
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read() && terms.Length <= maxHeldChars)
                    terms.Append(reader.GetString(0)).Append('\n');
            }
            (_version, _terms) = (version, terms.Length <= maxHeldChars ? terms.ToString() : null);
            return _terms;
        }
    }
}
