using Microsoft.Extensions.Logging;
using MimeKit;
using MimeKit.Utils;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Compose;

// TEMPORARY until the delivery pipeline lands: the lead replaces this registration with the
// pipeline's submitter (Webmail.Mail/Delivery), so that web compose and SMTP submission share one
// path. It does only what the web composer needs meanwhile: From check, Bcc removal, the sender's
// Sent copy (\Seen), local recipients to INBOX and remote ones to the outbound queue, in one
// IMessageStore.DeliverAsync transaction.
public sealed class StoreMessageSubmitter(IMessageStore store, IDirectoryStore directory, ILogger<StoreMessageSubmitter> logger) : IMessageSubmitter
{
    public async Task<SubmitResult> SubmitAsync(long accountId, MimeMessage message, CancellationToken cancellationToken)
    {
        var account = await directory.GetAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        if (account is null || account.IsDisabled)
            return SubmitResult.Refused("The account cannot send mail.");
        var sendAs = await directory.GetSendAsAddressesAsync(accountId, cancellationToken).ConfigureAwait(false);
        var from = message.From.Mailboxes.FirstOrDefault();
        if (from is null || !sendAs.Contains(from.Address, StringComparer.OrdinalIgnoreCase))
            return SubmitResult.Refused("You cannot send as that address.");

        var recipients = message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes)
            .Select(m => m.Address.ToLowerInvariant()).Distinct().ToList();
        message.Bcc.Clear();
        if (string.IsNullOrEmpty(message.MessageId))
            message.MessageId = MimeUtils.GenerateMessageId();

        var mailboxes = new List<MailboxDelivery> { new(accountId, SpecialFolder.Sent, MessageFlags.Seen, EnforceQuota: false) };
        var localAccounts = new HashSet<long>();
        var remote = new List<string>();
        var unknown = new List<string>();
        foreach (var recipient in recipients)
        {
            if (!AddressRules.TryNormalizeAddress(recipient, out var normalized))
            {
                unknown.Add(recipient);
                continue;
            }
            var resolution = await directory.ResolveRecipientAsync(normalized, cancellationToken).ConfigureAwait(false);
            switch (resolution.Kind)
            {
                case RecipientKind.Local:
                    foreach (var target in resolution.Accounts.Where(a => localAccounts.Add(a.Id)))
                        mailboxes.Add(new MailboxDelivery(target.Id, SpecialFolder.Inbox));
                    break;
                case RecipientKind.RemoteDomain:
                    remote.Add(normalized);
                    break;
                default:
                    unknown.Add(recipient);
                    break;
            }
        }
        if (unknown.Count > 0)
            return SubmitResult.Refused("No such recipient here: " + string.Join(", ", unknown), unknown);

        using var buffer = new MemoryStream();
        await message.WriteToAsync(FormatOptions.Default, buffer, cancellationToken).ConfigureAwait(false);
        var outbound = remote.Count > 0 ? new OutboundEnvelope(account.Address, remote, accountId) : null;
        var receipt = await store.DeliverAsync(new DeliveryRequest(buffer.ToArray(), mailboxes, outbound), cancellationToken).ConfigureAwait(false);
        var full = receipt.Mailboxes.Where(m => m.QuotaExceeded).Select(m => m.AccountId).ToList();
        logger.LogInformation("Web submission {MessageId} from account {AccountId}: {Local} local, {Remote} remote, {OverQuota} over quota",
            message.MessageId, accountId, localAccounts.Count, remote.Count, full.Count);
        return full.Count > 0
            ? new SubmitResult(true, "Sent, but some local mailboxes are full and did not receive it.")
            : SubmitResult.Accepted;
    }
}
