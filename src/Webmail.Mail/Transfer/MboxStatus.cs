using System.Text;
using MimeKit;
using Webmail.Core.Model;

namespace Webmail.Mail.Transfer;

/// <summary>
/// The header fields mbox programs keep a message's flags in, as mutt, Pine, Dovecot and Thunderbird write
/// and read them: <c>Status</c> (R read, O old: seen by a mail program), <c>X-Status</c> (A answered,
/// F flagged, D deleted, T draft) and <c>X-Keywords</c> (the keywords, separated by spaces). They describe
/// the mailbox, not the message: the export writes them at the end of the header and the import reads them
/// into flags and takes them out again, so a message makes the round trip with its own bytes.
/// </summary>
public static class MboxStatus
{
    private static readonly string[] Fields = ["Status", "X-Status", "X-Keywords"];

    /// <summary>The fields for a message's flags and keywords, each line ending in LF (the export's line end).</summary>
    public static byte[] Lines(MessageFlags flags, IReadOnlyList<string> keywords)
    {
        var text = new StringBuilder("Status: ").Append(flags.HasFlag(MessageFlags.Seen) ? "RO" : "O").Append('\n');
        var x = (flags.HasFlag(MessageFlags.Answered) ? "A" : "") + (flags.HasFlag(MessageFlags.Flagged) ? "F" : "")
            + (flags.HasFlag(MessageFlags.Deleted) ? "D" : "") + (flags.HasFlag(MessageFlags.Draft) ? "T" : "");
        if (x.Length > 0)
            text.Append("X-Status: ").Append(x).Append('\n');
        if (keywords.Count > 0)
            text.Append("X-Keywords: ").AppendJoin(' ', keywords).Append('\n');
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>The flags and keywords the fields give (none when they are absent). Keywords that are not IMAP atoms are left out, at most <see cref="Keywords.MaxPerMessage"/>.</summary>
    public static (MessageFlags Flags, List<string> Keywords) Read(HeaderList headers)
    {
        var flags = MessageFlags.None;
        if (headers["Status"] is { } status && status.Contains('R'))
            flags |= MessageFlags.Seen;
        if (headers["X-Status"] is { } x)
        {
            if (x.Contains('A'))
                flags |= MessageFlags.Answered;
            if (x.Contains('F'))
                flags |= MessageFlags.Flagged;
            if (x.Contains('T'))
                flags |= MessageFlags.Draft;
            if (x.Contains('D'))
                flags |= MessageFlags.Deleted;
        }
        var keywords = new List<string>();
        // Dovecot separates them with spaces; some programs with commas.
        foreach (var word in (headers["X-Keywords"] ?? "").Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (keywords.Count < Keywords.MaxPerMessage && IsAtom(word) && !keywords.Contains(word, StringComparer.OrdinalIgnoreCase))
                keywords.Add(word);
        }
        return (flags, keywords);
    }

    /// <summary>The message without the fields (and their continuation lines) in its header; the same array when it has none.</summary>
    public static byte[] Strip(byte[] raw)
    {
        List<(int Start, int Length)>? dropped = null;
        var dropping = false;
        for (var start = 0; start < raw.Length;)
        {
            var lineFeed = Array.IndexOf(raw, (byte)'\n', start);
            var end = lineFeed < 0 ? raw.Length : lineFeed + 1;
            var content = raw.AsSpan(start, end - start).TrimEnd("\r\n"u8);
            if (content.Length == 0)
                break; // the end of the header
            var continuation = content[0] is (byte)' ' or (byte)'\t';
            if (!continuation)
                dropping = IsField(content);
            if (dropping)
            {
                dropped ??= [];
                dropped.Add((start, end - start));
            }
            start = end;
        }
        if (dropped is null)
            return raw;
        var result = new byte[raw.Length - dropped.Sum(d => d.Length)];
        int from = 0, to = 0;
        foreach (var (start, length) in dropped)
        {
            raw.AsSpan(from, start - from).CopyTo(result.AsSpan(to));
            to += start - from;
            from = start + length;
        }
        raw.AsSpan(from).CopyTo(result.AsSpan(to));
        return result;
    }

    /// <summary>Whether a header line starts one of the fields (its name compared without case, as RFC 5322 §1.2.2 says).</summary>
    public static bool IsField(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
            return false;
        var name = line[..colon].TrimEnd(" \t"u8);
        foreach (var field in Fields)
        {
            if (Ascii.EqualsIgnoreCase(name, Encoding.ASCII.GetBytes(field)))
                return true;
        }
        return false;
    }

    /// <summary>RFC 9051 §9 flag-keyword: an atom (no specials, controls or spaces), not a system flag, within <see cref="Keywords.MaxLength"/>.</summary>
    private static bool IsAtom(string word) =>
        word.Length <= Keywords.MaxLength && word.All(c => c is > ' ' and < (char)127 and not ('(' or ')' or '{' or '%' or '*' or '"' or '\\' or ']'));
}
