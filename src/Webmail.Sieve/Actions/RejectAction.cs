namespace Webmail.Sieve.Actions;

/// <summary>
/// Refuse the message with <see cref="Reason"/> (RFC 5429). <see cref="Extended"/> is ereject:
/// refuse in the SMTP transaction when possible; reject may send a bounce (an MDN) instead.
/// </summary>
public sealed record RejectAction(string Reason, bool Extended) : SieveAction
{
    public override string ToString() => $"{(Extended ? "ereject" : "reject")} \"{Reason}\"";
}
