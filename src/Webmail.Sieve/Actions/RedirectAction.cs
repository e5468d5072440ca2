namespace Webmail.Sieve.Actions;

/// <summary>Forward the message unchanged to <see cref="Address"/> (RFC 5228 §4.2); <see cref="Copy"/> as in RFC 3894.</summary>
public sealed record RedirectAction(string Address, bool Copy) : SieveAction
{
    public override string ToString() => $"redirect <{Address}>{(Copy ? " :copy" : "")}";
}
