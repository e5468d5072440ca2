using MimeKit;
using Webmail.Core.Messages;
using Webmail.Core.Storage;
using Webmail.Mail.Delivery;

namespace Webmail.Compose;

/// <summary>
/// Web Send through the one delivery pipeline that SMTP submission uses: sender check, Received,
/// Sent copy, local delivery and the outbound queue all happen there. This class only turns the
/// composed message into an envelope: Bcc recipients go into the envelope and the header is
/// removed (RFC 5322 §3.6.3), and unknown local recipients are refused before anything is sent.
/// The rest of the Send (draft removal, \Answered, $Forwarded) rides in the envelope and commits with the message.
/// </summary>
public sealed class PipelineMessageSubmitter(DeliveryPipeline pipeline)
{
    /// <summary>Hands a composed message (which may carry Bcc recipients) to the delivery pipeline as the signed-in account.</summary>
    /// <param name="senderChanges">What else the Send changes in the account's mailbox, committed with the message only if it is sent; <c>null</c> for nothing.</param>
    public async Task<SubmitResult> SubmitAsync(long accountId, MimeMessage message, SenderMailboxChanges? senderChanges, CancellationToken cancellationToken)
    {
        var (resolved, refusal) = await ResolveAsync(message, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
            return refusal;

        message.Bcc.Clear();
        using var buffer = new MemoryStream();
        await message.WriteToAsync(MessageComposer.StorageFormat, buffer, cancellationToken).ConfigureAwait(false);
        var outcome = await pipeline.SubmitAsync(new SubmissionEnvelope(accountId, null, resolved.Keys.ToList(), DeliveryOrigin.Web, resolved, senderChanges),
            buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
        return outcome.Status switch
        {
            DeliveryStatus.Delivered => SubmitResult.Accepted,
            DeliveryStatus.SenderNotAllowed => SubmitResult.Refused("You cannot send as that address."),
            DeliveryStatus.AccountDisabled => SubmitResult.Refused("The account cannot send mail."),
            DeliveryStatus.QuotaExceeded => SubmitResult.Refused("The recipients' mailboxes are full."),
            DeliveryStatus.TooComplex => SubmitResult.Refused($"The message has too many parts to send outside this server ({outcome.Detail})."),
            _ => SubmitResult.Refused(outcome.Detail ?? "The message could not be sent."),
        };
    }

    /// <summary>
    /// The recipients of <paramref name="message"/> (To, Cc, Bcc) as the pipeline resolves them, or the refusal a Send
    /// would get: unknown local recipients, or none at all. The composer asks before holding a message for undo send.
    /// </summary>
    public async Task<(Dictionary<string, RecipientResolution> Resolved, SubmitResult? Refusal)> ResolveAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var recipients = message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes)
            .Select(m => m.Address.ToLowerInvariant()).Distinct().ToList();
        var unknown = new List<string>();
        var resolved = new Dictionary<string, RecipientResolution>(StringComparer.OrdinalIgnoreCase);
        foreach (var recipient in recipients)
        {
            if (!AddressRules.TryNormalizeAddress(recipient, out var normalized))
            {
                unknown.Add(recipient);
                continue;
            }
            var check = await pipeline.CheckRecipientAsync(normalized, 0, cancellationToken).ConfigureAwait(false);
            if (check.Kind == RecipientKind.UnknownUser)
                unknown.Add(recipient);
            else
                resolved[normalized] = check.Resolution;
        }
        if (unknown.Count > 0)
            return (resolved, SubmitResult.Refused("No such recipient here: " + string.Join(", ", unknown), unknown));
        if (resolved.Count == 0)
            return (resolved, SubmitResult.Refused("Add at least one recipient."));
        return (resolved, null);
    }
}
