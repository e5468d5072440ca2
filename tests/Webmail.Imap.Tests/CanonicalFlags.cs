using KitFlags = MailKit.MessageFlags;
using MessageFlags = Webmail.Core.Model.MessageFlags;

namespace Webmail.Imap.Tests;

/// <summary>
/// A message's flags and keywords as one comparable string, however a side keeps them (our store's
/// bit mask, MailKit's, a Maildir file name): the system flags with their backslash, then the
/// keywords, each group in ordinal order, e.g. <c>\Flagged \Seen $Forwarded</c>.
/// </summary>
public static class CanonicalFlags
{
    private static readonly (char Letter, MessageFlags Flag)[] MaildirLetters =
        [('S', MessageFlags.Seen), ('R', MessageFlags.Answered), ('F', MessageFlags.Flagged), ('T', MessageFlags.Deleted), ('D', MessageFlags.Draft)];

    public static string From(MessageFlags flags, string keywords) =>
        Join(Enum.GetValues<MessageFlags>().Where(f => f != MessageFlags.None && flags.HasFlag(f)).Select(f => f.ToString()),
            keywords.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>MailKit's flags; <c>\Recent</c> (session state, never stored) and its user-defined marker are left out.</summary>
    public static string From(KitFlags flags, IEnumerable<string> keywords) =>
        Join(new[] { KitFlags.Seen, KitFlags.Answered, KitFlags.Flagged, KitFlags.Deleted, KitFlags.Draft }.Where(f => flags.HasFlag(f)).Select(f => f.ToString()), keywords);

    /// <summary>A Maildir file's flags: the letters after <c>:2,</c> in its name (mbsync keeps no keywords there).</summary>
    public static string FromMaildirName(string file)
    {
        var name = Path.GetFileName(file);
        var info = name.IndexOf(":2,", StringComparison.Ordinal);
        var letters = info < 0 ? "" : name[(info + 3)..];
        var flags = MaildirLetters.Where(m => letters.Contains(m.Letter, StringComparison.Ordinal)).Aggregate(MessageFlags.None, (all, m) => all | m.Flag);
        return From(flags, "");
    }

    private static string Join(IEnumerable<string> systemFlags, IEnumerable<string> keywords) =>
        string.Join(' ', systemFlags.Select(f => "\\" + f).Order(StringComparer.Ordinal).Concat(keywords.Order(StringComparer.Ordinal)));
}
