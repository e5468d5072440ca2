using Webmail.Sieve.Actions;

namespace Webmail.Sieve;

/// <summary>
/// What a run decided, in the order the script took the actions. When no action cancelled the
/// implicit keep, the list ends with an implicit <see cref="KeepAction"/>. When the run failed
/// (<see cref="Error"/> set), the list is only that implicit keep (RFC 5228 §2.10.6).
/// </summary>
public sealed record SieveResult(IReadOnlyList<SieveAction> Actions, SieveError? Error)
{
    /// <summary>True when the run failed and fell back to the implicit keep.</summary>
    public bool Failed => Error is not null;

    /// <summary>One action per line, for logs and tests.</summary>
    public override string ToString() =>
        (Error is null ? "" : $"error: {Error}\n") + string.Join("\n", Actions.Select(a => a.ToString()));
}
