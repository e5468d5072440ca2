namespace Webmail.Sieve.Actions;

/// <summary>
/// Store the message in the default mailbox with these IMAP flags. <see cref="Implicit"/> is true
/// for the implicit keep of RFC 5228 §2.10.2 (no action cancelled it, or the script failed).
/// </summary>
public sealed record KeepAction(IReadOnlyList<string> Flags, bool Implicit) : SieveAction
{
    public override string ToString() => $"keep{(Implicit ? " (implicit)" : "")}{SieveFlags.Describe(Flags)}";
}
