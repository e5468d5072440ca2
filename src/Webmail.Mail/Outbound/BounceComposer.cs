using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Mail.Outbound;

/// <summary>
/// Decides where a delivery report goes and wraps it as a <see cref="DeliveryRequest"/>: the local
/// sender's INBOX, or the outbound queue with a null sender for a remote (relayed) sender.
/// </summary>
public sealed class BounceComposer(IDirectoryStore directory, IOptionsMonitor<WebmailOptions> options, ILogger<BounceComposer> logger)
{
    /// <returns>The report to commit, or <c>null</c> when none is due (null sender, unknown local sender).</returns>
    public async Task<DeliveryRequest?> ComposeAsync(QueueEntry entry, byte[] original, IReadOnlyList<RecipientOutcome> outcomes, bool delayed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // RFC 5321 §4.5.5 / RFC 3464 §2: mail with a null reverse-path (itself a report) never gets one.
        if (entry.MailFrom.Length == 0 || outcomes.Count == 0)
            return null;
        var settings = options.CurrentValue;
        var report = DeliveryStatusReport.Build(settings.Hostname, entry.MailFrom, original, entry.CreatedAt, outcomes, delayed, now,
            delayed ? settings.Delivery.MaxQueueLifetime : null);

        if (entry.SenderAccountId is { } accountId && await directory.GetAccountAsync(accountId, cancellationToken).ConfigureAwait(false) is not null)
            return new DeliveryRequest(report, [new MailboxDelivery(accountId, SpecialFolder.Inbox, EnforceQuota: false)]);

        var resolution = await directory.ResolveRecipientAsync(entry.MailFrom, cancellationToken).ConfigureAwait(false);
        switch (resolution.Kind)
        {
            case RecipientKind.Local:
                return new DeliveryRequest(report, resolution.Accounts.Select(a => new MailboxDelivery(a.Id, SpecialFolder.Inbox, EnforceQuota: false)).ToList());
            case RecipientKind.RemoteDomain:
                return new DeliveryRequest(report, [], new OutboundEnvelope("", [entry.MailFrom], null));
            default:
                logger.LogWarning("No report for queue entry {EntryId}: its sender {Sender} is no longer a local address", entry.Id, entry.MailFrom);
                return null;
        }
    }
}
