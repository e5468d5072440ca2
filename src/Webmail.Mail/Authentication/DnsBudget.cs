using System.Diagnostics;

namespace Webmail.Mail.Authentication;

/// <summary>
/// The time one inbound message's sender checks may wait for DNS in all (<c>Webmail:Dns:MessageBudget</c>): started at
/// MAIL FROM, shared by SPF there and DKIM, ARC and DMARC after DATA. When it runs out, the lookups still waiting are
/// cancelled and their checks end in <c>temperror</c>.
/// </summary>
public sealed class DnsBudget
{
    private readonly long _deadline;

    private DnsBudget(long deadline) => _deadline = deadline;

    public static DnsBudget Start(TimeSpan budget) =>
        new(Stopwatch.GetTimestamp() + (long)(Math.Max(0, budget.TotalSeconds) * Stopwatch.Frequency));

    public TimeSpan Remaining => TimeSpan.FromSeconds(Math.Max(0, _deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);

    /// <summary>A token cancelled when the budget runs out or <paramref name="cancellationToken"/> is; dispose it after the checks.</summary>
    public CancellationTokenSource Link(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(Remaining);
        return source;
    }
}
