namespace Webmail.Core.Model;

/// <summary>
/// The keywords this server gives a meaning to (the IANA IMAP keyword registry, RFC 5788 §3.2), and
/// the rule for the junk verdict keywords when the web UI moves a message in or out of Junk.
/// </summary>
public static class WellKnownKeywords
{
    /// <summary>The message was forwarded (RFC 5550 §5.9); set by the web composer's Forward.</summary>
    public const string Forwarded = "$Forwarded";

    /// <summary>The user judged the message junk (RFC 5788 registry); a spam filter may learn from it.</summary>
    public const string Junk = "$Junk";

    /// <summary>The user judged the message not junk (RFC 5788 registry).</summary>
    public const string NotJunk = "$NotJunk";

    /// <summary>A read receipt was sent for the message (RFC 3503 §3.1).</summary>
    public const string MdnSent = "$MDNSent";

    /// <summary>
    /// What a user's move from a folder of use <paramref name="from"/> to one of use
    /// <paramref name="to"/> says about junk, as Thunderbird and Apple Mail record it: into Junk adds
    /// <c>$Junk</c> and removes <c>$NotJunk</c>; out of Junk adds <c>$NotJunk</c> and removes <c>$Junk</c>.
    /// Deleting a message from Junk (a move to Trash) is no verdict, and neither is any other move.
    /// </summary>
    /// <returns>The change to make, or <c>null</c> for none.</returns>
    public static KeywordEdit? ForMove(SpecialFolder from, SpecialFolder to) => (from, to) switch
    {
        (SpecialFolder.Junk, SpecialFolder.Junk) => null,
        (_, SpecialFolder.Junk) => new KeywordEdit([Junk], [NotJunk]),
        (SpecialFolder.Junk, SpecialFolder.Trash) => null,
        (SpecialFolder.Junk, _) => new KeywordEdit([NotJunk], [Junk]),
        _ => null,
    };

    /// <summary>
    /// What a move (or copy) from a folder of use <paramref name="from"/> to one of use <paramref name="to"/> teaches a
    /// spam filter, by the same rule as <see cref="ForMove"/>: <c>true</c> spam (into Junk), <c>false</c> ham (out of
    /// Junk, not to Trash), <c>null</c> nothing.
    /// </summary>
    public static bool? SpamVerdictForMove(SpecialFolder from, SpecialFolder to) =>
        ForMove(from, to) is null ? null : to == SpecialFolder.Junk;
}
