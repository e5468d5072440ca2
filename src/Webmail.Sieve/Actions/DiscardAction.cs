namespace Webmail.Sieve.Actions;

/// <summary>Drop the message silently (RFC 5228 §4.4).</summary>
public sealed record DiscardAction : SieveAction
{
    public override string ToString() => "discard";
}
