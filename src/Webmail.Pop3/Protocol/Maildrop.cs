using Webmail.Core.Model;

namespace Webmail.Pop3.Protocol;

/// <summary>
/// The maildrop as the session sees it: the INBOX snapshot taken at login (RFC 1939 §5 message
/// numbers are positions in it, 1-based, and never change during the session), plus the
/// session's marks. Nothing here touches the store; the marks are applied in the UPDATE state.
/// </summary>
public sealed class Maildrop
{
    private readonly IReadOnlyList<MaildropEntry> _entries;
    private readonly bool[] _deleted;
    private readonly bool[] _retrieved;

    public Maildrop(IReadOnlyList<MaildropEntry> entries)
    {
        _entries = entries;
        _deleted = new bool[entries.Count];
        _retrieved = new bool[entries.Count];
        foreach (var entry in entries)
            VisibleOctets += entry.Size;
        VisibleCount = entries.Count;
    }

    /// <summary>Highest message number (deleted ones included).</summary>
    public int Count => _entries.Count;

    /// <summary>Messages not marked deleted (STAT).</summary>
    public int VisibleCount { get; private set; }

    /// <summary>Their total size in octets (STAT).</summary>
    public long VisibleOctets { get; private set; }

    public int DeletedCount => _entries.Count - VisibleCount;

    /// <summary>The entry for message <paramref name="number"/> (1-based).</summary>
    public MaildropEntry this[int number] => _entries[number - 1];

    public bool IsDeleted(int number) => _deleted[number - 1];

    /// <summary>
    /// Resolves a message-number argument. Only plain decimal digits count as a number; anything
    /// else is <see cref="MessageLookup.Invalid"/>, so no argument can have a side effect by accident.
    /// </summary>
    public MessageLookup Find(string argument, out int number)
    {
        number = 0;
        if (!TryParseNumber(argument, out var value))
            return MessageLookup.Invalid;
        if (value < 1 || value > _entries.Count)
            return MessageLookup.NoSuchMessage;
        number = (int)value;
        return _deleted[number - 1] ? MessageLookup.Deleted : MessageLookup.Found;
    }

    /// <summary>Parses decimal digits only (no sign, no spaces); huge values saturate rather than fail.</summary>
    public static bool TryParseNumber(string argument, out long value)
    {
        value = 0;
        if (argument.Length == 0)
            return false;
        foreach (var c in argument)
        {
            if (c is < '0' or > '9')
                return false;
            value = value > int.MaxValue ? value : value * 10 + (c - '0');
        }
        return true;
    }

    /// <summary>DELE: marks only (RFC 1939 §6: removal happens in the UPDATE state).</summary>
    public void MarkDeleted(int number)
    {
        if (_deleted[number - 1])
            return;
        _deleted[number - 1] = true;
        VisibleCount--;
        VisibleOctets -= _entries[number - 1].Size;
    }

    /// <summary>RETR: remembered so the UPDATE state can mark the message \Seen.</summary>
    public void MarkRetrieved(int number) => _retrieved[number - 1] = true;

    /// <summary>RSET: unmarks every deleted message (RFC 1939 §5).</summary>
    public void Reset()
    {
        Array.Clear(_deleted);
        VisibleCount = _entries.Count;
        VisibleOctets = 0;
        foreach (var entry in _entries)
            VisibleOctets += entry.Size;
    }

    public IReadOnlyCollection<long> DeletedIds() => Select(_deleted);

    public IReadOnlyCollection<long> RetrievedIds() => Select(_retrieved);

    private List<long> Select(bool[] marks)
    {
        var ids = new List<long>();
        for (var i = 0; i < marks.Length; i++)
        {
            if (marks[i])
                ids.Add(_entries[i].Id);
        }
        return ids;
    }
}
