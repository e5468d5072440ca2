namespace Webmail.Sieve.Actions;

/// <summary>
/// Send an automatic reply (RFC 5230) — if the caller decides it is due: the interpreter does not
/// remember earlier replies. The caller replies at most once per <see cref="Period"/> to each
/// sender for this <see cref="Handle"/>, and not to lists, bulk mail or messages that do not name one
/// of the user's <see cref="Addresses"/> (RFC 5230 §4.5–4.6).
/// </summary>
/// <param name="Reason">The reply body; a MIME entity when <see cref="Mime"/> is set.</param>
/// <param name="Subject">The reply's subject, or null for the default ("Auto: " and the original's).</param>
/// <param name="From">The reply's From, or null for the recipient.</param>
/// <param name="Handle">Identifies this reply for the "already replied" check; derived from the arguments when the script gives none.</param>
public sealed record VacationAction(
    string Reason,
    string? Subject,
    string? From,
    IReadOnlyList<string> Addresses,
    bool Mime,
    string Handle,
    TimeSpan Period) : SieveAction
{
    public override string ToString() => $"vacation {Period.TotalSeconds:0}s handle \"{Handle}\"";
}
