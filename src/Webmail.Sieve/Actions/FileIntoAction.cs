namespace Webmail.Sieve.Actions;

/// <summary>
/// Store the message in <see cref="Mailbox"/> with these IMAP flags (RFC 5228 §4.1, RFC 5232 §5);
/// <see cref="Create"/>: create the mailbox first if missing (RFC 5490 §3.2); <see cref="Copy"/>:
/// the script used :copy (RFC 3894), so this did not cancel the implicit keep.
/// </summary>
public sealed record FileIntoAction(string Mailbox, IReadOnlyList<string> Flags, bool Copy, bool Create) : SieveAction
{
    public override string ToString() =>
        $"fileinto \"{Mailbox}\"{SieveFlags.Describe(Flags)}{(Copy ? " :copy" : "")}{(Create ? " :create" : "")}";
}
