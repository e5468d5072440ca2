using Microsoft.Extensions.Logging;
using Webmail.Core.Storage;
using Webmail.Mail.Delivery;

namespace Webmail.Mail.Spam;

/// <summary>
/// <see cref="IInboundFilterCounter"/> over the store (<c>filter_counts</c>, per UTC day). A count that cannot be
/// written is logged and lost: the dashboard is not worth refusing mail for.
/// </summary>
public sealed class StoreInboundFilterCounter(ISpamFilterStore store, ILogger<StoreInboundFilterCounter> logger) : IInboundFilterCounter
{
    public async ValueTask CountAsync(string outcome, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await store.CountFilterOutcomeAsync(outcome, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            logger.LogWarning(e, "Filter count {Outcome}/{Reason} not recorded", outcome, reason);
        }
    }
}
