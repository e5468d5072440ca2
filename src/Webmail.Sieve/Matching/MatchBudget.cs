using Webmail.Sieve.Execution;

namespace Webmail.Sieve.Matching;

/// <summary>
/// Counts the character comparisons of one run's matching, so no script can spend unbounded time
/// on a message (RFC 5228 §2.7.1 leaves the cost of :matches to the implementation).
/// </summary>
internal sealed class MatchBudget(long limit)
{
    private readonly long _limit = limit;
    private long _remaining = limit;

    public void Spend(long work)
    {
        _remaining -= work;
        if (_remaining < 0)
            throw new SieveRuntimeException($"the matching work limit of {_limit:N0} steps was exceeded for this message");
    }
}
