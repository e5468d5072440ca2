using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Security;
using Webmail.Mail.Delivery;

namespace Webmail.Mail.Spam;

/// <summary>
/// The content scanner over rspamd (<see cref="RspamdClient"/>). When rspamd cannot be asked,
/// <c>Webmail:Spam:FailOpen</c> decides: deliver unscanned with a warning (default), or answer
/// <c>451 4.7.1</c> (<see cref="ScanAction.TempFail"/>) so the sender tries again.
/// </summary>
public sealed class RspamdScanner(RspamdClient client, IOptionsMonitor<WebmailOptions> options, ILogger<RspamdScanner> logger) : IContentScanner
{
    /// <summary>The reason given with the 451 when rspamd is down and fail-open is off.</summary>
    public const string UnavailableReason = "Content filter unavailable, try again later";

    public async Task<ScanVerdict> ScanAsync(ScanRequest request, ReadOnlySequence<byte> message, CancellationToken cancellationToken)
    {
        try
        {
            var verdict = await client.CheckAsync(request, message, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("rspamd scanned {QueueId} from {Sender}: {Action}, score {Score}/{Required}",
                request.QueueId, LogText.Bound(request.MailFrom), verdict.Action, verdict.Score, verdict.RequiredScore);
            return verdict;
        }
        catch (RspamdException e)
        {
            if (options.CurrentValue.Spam.FailOpen)
            {
                logger.LogWarning("Delivered {QueueId} unscanned (Webmail:Spam:FailOpen): {Reason}", request.QueueId, e.Message);
                return ScanVerdict.NotScanned;
            }
            logger.LogWarning("Deferred {QueueId} with 451: {Reason}", request.QueueId, e.Message);
            return new ScanVerdict(ScanAction.TempFail, 0, 0, [], UnavailableReason);
        }
    }
}
