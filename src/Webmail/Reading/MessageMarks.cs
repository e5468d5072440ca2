using Webmail.Core.Model;

namespace Webmail.Reading;

/// <summary>
/// What the web UI shows of a message's flags and keywords besides read and flagged: the Replied and
/// Forwarded icons, and the keywords other clients made (tags) as read-only chips. The keywords that
/// have a meaning here are not chips: <c>$Forwarded</c> is the icon, <c>$Junk</c> / <c>$NotJunk</c> is
/// what the Junk folder already says, and the rest in <see cref="Hidden"/> is client bookkeeping.
/// </summary>
/// <param name="Chips">The chips to show, at most <see cref="MaxChips"/>.</param>
/// <param name="MoreChips">How many keywords were left out beyond <see cref="MaxChips"/>.</param>
public sealed record MessageMarks(bool Answered, bool Forwarded, IReadOnlyList<MessageMarks.Chip> Chips, int MoreChips)
{
    /// <summary>One keyword as a chip: its label (at most <see cref="MaxChipLength"/> characters) and the whole keyword.</summary>
    public sealed record Chip(string Label, string Keyword);

    /// <summary>At most this many chips are rendered; a client may store up to <see cref="Keywords.MaxPerMessage"/>.</summary>
    public const int MaxChips = 8;

    /// <summary>A longer keyword (up to <see cref="Keywords.MaxLength"/>) is shortened to this many characters with an ellipsis.</summary>
    public const int MaxChipLength = 32;

    /// <summary>Keywords with a meaning of their own in the web UI, or none for a reader; compared without case.</summary>
    public static readonly IReadOnlySet<string> Hidden = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        WellKnownKeywords.Forwarded,
        WellKnownKeywords.Junk,
        WellKnownKeywords.NotJunk,
        "Junk", // Thunderbird's older spelling of the junk verdict
        "NonJunk",
        WellKnownKeywords.MdnSent, // this UI sends no read receipts; a client's note that it did
        "$Phishing", // the filter's verdict, not a tag the user made
        "$SubmitPending",
        "$Submitted",
        "$HasAttachment", // the list shows attachments from the message itself
        "$HasNoAttachment",
        "$MailFlagBit0", // Apple Mail's flag colour, three bits of one number
        "$MailFlagBit1",
        "$MailFlagBit2",
    };

    /// <summary>The marks of one message.</summary>
    public static MessageMarks Of(MessageSummary message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var shown = message.KeywordList.Where(k => !Hidden.Contains(k)).ToList();
        var chips = shown.Take(MaxChips).Select(k => new Chip(Shorten(k), k)).ToList();
        return new MessageMarks(message.IsAnswered, message.IsForwarded, chips, shown.Count - chips.Count);
    }

    private static string Shorten(string keyword) =>
        keyword.Length <= MaxChipLength ? keyword : keyword[..(MaxChipLength - 1)] + "…";
}
