using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Webmail.Core.Configuration;
using Webmail.Core.Filters;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Mail.Delivery;
using Webmail.Sieve;
using Webmail.Sieve.Actions;

namespace Webmail.Mail.Filters;

/// <summary>
/// Runs a local recipient's active Sieve script at delivery and turns its actions into the parts of the
/// delivery's one commit (<see cref="SievePlan"/>): copies with folders, flags and keywords, redirects (SRS
/// sender, loop check), vacation replies (RFC 5230) and the reject decision. Reads only; the pipeline commits.
/// A script that fails, or a redirect that cannot be made, leaves the message in INBOX: a script never loses mail.
/// </summary>
public sealed class SieveDelivery(
    SieveScriptService scripts,
    IMailboxReader mailboxes,
    IDirectoryStore directory,
    SrsRewriter srs,
    IOptionsMonitor<WebmailOptions> options,
    ILogger<SieveDelivery> logger)
{
    /// <summary>
    /// The account's plan, or null when it has no active script (the caller files into INBOX as always).
    /// </summary>
    /// <param name="envelopeTo">The RCPT TO address that reached the account (an alias, a subaddress).</param>
    /// <param name="mailFrom">The envelope sender; empty for the null sender.</param>
    /// <param name="auth">The submitting account's address (Sieve's envelope "auth"), or null for mail from outside.</param>
    /// <param name="keepFolder">Where keep files the message (Junk for mail the checks before Sieve judged spam); a fileinto wins over it.</param>
    public async Task<SievePlan?> PlanAsync(Account account, string envelopeTo, string mailFrom, string? auth, ArrivingMessage message, DateTimeOffset now, CancellationToken cancellationToken,
        SpecialFolder keepFolder = SpecialFolder.Inbox)
    {
        if (await scripts.GetActiveAsync(account.Id, cancellationToken).ConfigureAwait(false) is not { } active)
            return null;
        var plan = new SievePlan(active.Name, keepFolder);
        var mime = message.Mime;
        // Delivered-To (as Postfix's local delivery writes it) on every copy the script's account stores and
        // every message it redirects: the redirected copy is byte for byte what the account stored.
        var deliveredTo = $"Delivered-To: {account.Address}\r\n";

        IReadOnlyList<string> folderNames = [];
        if (active.Script.UsesTest("mailboxexists"))
            folderNames = FolderPath.FullNames(await mailboxes.GetFoldersAsync(account.Id, cancellationToken).ConfigureAwait(false));
        var context = new SieveRunContext { Now = now, LocalTimeZone = TimeZoneInfo.Local, MailboxExists = name => FolderPath.Contains(folderNames, name) };

        SieveResult result;
        try
        {
            result = active.Script.Run(new SieveMessage(mime, message.Raw.LongLength), new SieveEnvelope(mailFrom, envelopeTo, auth), context);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
        {
            // The interpreter reports its own failures in the result; anything else is a bug, and the message still arrives.
            logger.LogError(e, "Sieve script {Script} of {Account} failed", LogText.Bound(active.Name), account.Address);
            result = new SieveResult([new KeepAction([], Implicit: true)], new SieveError(0, 0, "the script could not be run: " + e.GetType().Name));
        }
        if (result.Error is { } error)
            plan.Errors.Add(error.ToString());

        var keepNeeded = false;
        foreach (var action in result.Actions)
        {
            switch (action)
            {
                case KeepAction keep:
                    AddCopy(plan, account, deliveredTo, folder: null, create: false, keep.Flags);
                    break;
                case FileIntoAction fileInto:
                    AddCopy(plan, account, deliveredTo, fileInto.Mailbox, fileInto.Create, fileInto.Flags);
                    break;
                case DiscardAction:
                    break;
                case RedirectAction redirect:
                    if (!await RedirectAsync(plan, account, redirect, deliveredTo, mailFrom, message, cancellationToken).ConfigureAwait(false) && !redirect.Copy)
                        keepNeeded = true;
                    break;
                case VacationAction vacation:
                    await VacationAsync(plan, account, envelopeTo, vacation, mailFrom, mime, now, cancellationToken).ConfigureAwait(false);
                    break;
                case RejectAction reject:
                    plan.RejectReason = reject.Reason;
                    plan.RejectionNotice = await RejectionNoticeAsync(account, envelopeTo, reject.Reason, mailFrom, mime, now, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        // A redirect that could not be made must not take the message with it (RFC 5228 §2.10.6: keep on failure).
        if (keepNeeded && !plan.Copies.Any(c => c.AccountId == account.Id))
            AddCopy(plan, account, deliveredTo, folder: null, create: false, []);
        return plan;
    }

    private static void AddCopy(SievePlan plan, Account account, string deliveredTo, string? folder, bool create, IReadOnlyList<string> flags)
    {
        var (system, keywords) = SplitFlags(flags);
        var first = !plan.Copies.Any(c => c.AccountId == account.Id);
        plan.Copies.Add(new MailboxDelivery(account.Id, folder is null ? plan.KeepFolder : SpecialFolder.Inbox, system, Counts: first ? MailEventKind.Received : null,
            FolderPath: folder, CreateFolder: create, Keywords: keywords, TraceHeader: deliveredTo));
    }

    /// <summary>RFC 5232 flags: the system flags the store has bits for, the rest as IMAP keywords (bounded).</summary>
    internal static (MessageFlags Flags, IReadOnlyList<string> Keywords) SplitFlags(IReadOnlyList<string> flags)
    {
        var system = MessageFlags.None;
        var keywords = new List<string>();
        foreach (var flag in flags)
        {
            switch (flag.ToLowerInvariant())
            {
                case "\\seen": system |= MessageFlags.Seen; break;
                case "\\answered": system |= MessageFlags.Answered; break;
                case "\\flagged": system |= MessageFlags.Flagged; break;
                case "\\deleted": system |= MessageFlags.Deleted; break;
                case "\\draft": system |= MessageFlags.Draft; break;
                default:
                    if (!flag.StartsWith('\\') && flag.Length <= Keywords.MaxLength && keywords.Count < Keywords.MaxPerMessage)
                        keywords.Add(flag);
                    break;
            }
        }
        return (system, keywords);
    }

    /// <summary>
    /// The message already went through this account (its <c>Delivered-To</c>, or an <c>X-Loop</c> naming it):
    /// redirecting it again would send it round a loop (RFC 5228 §4.2 asks implementations to stop loops).
    /// </summary>
    internal static bool IsLoop(MimeMessage message, string accountAddress) =>
        message.Headers.Where(h => h.Field.Equals("Delivered-To", StringComparison.OrdinalIgnoreCase) || h.Field.Equals("X-Loop", StringComparison.OrdinalIgnoreCase))
            .Any(h => h.Value.Trim().Trim('<', '>').Equals(accountAddress, StringComparison.OrdinalIgnoreCase)
                || (h.Field.Equals("X-Loop", StringComparison.OrdinalIgnoreCase) && h.Value.Contains(accountAddress, StringComparison.OrdinalIgnoreCase)));

    /// <returns>False when the redirect was not made (a loop, an unknown local address): the caller keeps the message.</returns>
    private async Task<bool> RedirectAsync(SievePlan plan, Account account, RedirectAction redirect, string deliveredTo, string mailFrom, ArrivingMessage message, CancellationToken cancellationToken)
    {
        if (IsLoop(message.Mime, account.Address))
        {
            plan.Errors.Add($"redirect to {redirect.Address} not made: the message was already delivered to {account.Address} (a forwarding loop)");
            return false;
        }
        var resolution = await directory.ResolveRecipientAsync(redirect.Address, cancellationToken).ConfigureAwait(false);
        switch (resolution.Kind)
        {
            case RecipientKind.Local:
                // A local target is delivered in this same commit, to its INBOX; its own script does not run (one
                // script per delivery: no chains to bound, no loops between local accounts).
                foreach (var target in resolution.Accounts)
                {
                    if (target.Id == account.Id)
                    {
                        if (!plan.Copies.Any(c => c.AccountId == account.Id && c.FolderPath is null))
                            AddCopy(plan, account, deliveredTo, folder: null, create: false, []);
                        continue;
                    }
                    plan.Copies.Add(new MailboxDelivery(target.Id, SpecialFolder.Inbox, Counts: MailEventKind.Received, TraceHeader: deliveredTo, Owner: account.Id));
                }
                return true;
            case RecipientKind.RemoteDomain:
            {
                // The queue worker parses what it sends (to sign it): the bound submission applies (DeliveryPipeline.MaxOutboundMimeParts).
                if (MimeInput.CountBoundaryLines(new System.Buffers.ReadOnlySequence<byte>(message.Raw), DeliveryPipeline.MaxOutboundMimeParts) > DeliveryPipeline.MaxOutboundMimeParts)
                {
                    plan.Errors.Add($"redirect to {redirect.Address} not made: the message has more than {DeliveryPipeline.MaxOutboundMimeParts:N0} MIME parts");
                    return false;
                }
                // RFC 5228 §4.2: the message goes unchanged. The envelope sender becomes ours (SRS) unless it already is.
                var sender = mailFrom;
                if (sender.Length > 0 && await directory.FindDomainAsync(AddressRules.DomainOf(sender), cancellationToken).ConfigureAwait(false) is null)
                    sender = await srs.ForwardAsync(sender, AddressRules.DomainOf(account.Address), cancellationToken).ConfigureAwait(false);
                var raw = new byte[System.Text.Encoding.ASCII.GetByteCount(deliveredTo) + message.Raw.Length];
                System.Text.Encoding.ASCII.GetBytes(deliveredTo, raw);
                message.Raw.CopyTo(raw, raw.Length - message.Raw.Length);
                // A bounce of the forward goes to the account that forwarded (SenderAccountId), which can act on it.
                plan.Generated.Add(new GeneratedMessage(raw, new OutboundEnvelope(sender, [redirect.Address.ToLowerInvariant()], account.Id), account.Id));
                return true;
            }
            default:
                plan.Errors.Add($"redirect to {redirect.Address} not made: there is no such address here");
                return false;
        }
    }

    private async Task VacationAsync(SievePlan plan, Account account, string envelopeTo, VacationAction vacation, string mailFrom, MimeMessage mime, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var own = (await directory.GetSendAsAddressesAsync(account.Id, cancellationToken).ConfigureAwait(false)).Append(envelopeTo).Append(account.Address).ToList();
        if (VacationReply.WhyNot(mime, mailFrom, own, vacation) is { } reason)
        {
            logger.LogDebug("No vacation reply from {Account} to {Sender}: {Reason}", account.Address, LogText.Bound(mailFrom), reason);
            return;
        }
        if (await RouteAsync(mailFrom, cancellationToken).ConfigureAwait(false) is not { } route)
            return;
        // RFC 5230 §4.3: a :from that is not the user's own would let a script send as anyone; it falls back to the account.
        var from = account.Address;
        if (vacation.From is { } wanted && MailboxAddress.TryParse(wanted, out var parsed) && own.Contains(parsed.Address, StringComparer.OrdinalIgnoreCase))
            from = parsed.ToString();
        var hostname = options.CurrentValue.Hostname;
        var raw = VacationReply.Compose(mime, mailFrom, from, vacation, TraceHeaders.NewMessageId(hostname), now);
        var guard = new VacationGuard(vacation.Handle, mailFrom.ToLowerInvariant(), now + vacation.Period);
        // RFC 5230 §5.1 / RFC 3834 §3.3: the reply's envelope sender is null, so nothing answers it.
        plan.Generated.Add(new GeneratedMessage(raw, new OutboundEnvelope("", route.Remote, account.Id), account.Id, guard, route.Local));
    }

    private async Task<GeneratedMessage?> RejectionNoticeAsync(Account account, string envelopeTo, string reason, string mailFrom, MimeMessage mime, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // RFC 5429 §2.1 with RFC 3834 §2: nothing goes to the null sender or in answer to automatic mail.
        if (mailFrom.Length == 0 || (mime.Headers[HeaderId.AutoSubmitted] is { } auto && !auto.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase)))
            return null;
        if (await RouteAsync(mailFrom, cancellationToken).ConfigureAwait(false) is not { } route)
            return null;
        var hostname = options.CurrentValue.Hostname;
        var raw = RejectionNotice.Compose(mime, mailFrom, envelopeTo, reason, hostname, TraceHeaders.NewMessageId(hostname), now);
        return new GeneratedMessage(raw, new OutboundEnvelope("", route.Remote, account.Id), account.Id, LocalAccounts: route.Local);
    }

    /// <summary>Where a reply to <paramref name="address"/> goes: local accounts' INBOX, or the queue; null for an address that cannot get mail.</summary>
    private async Task<(IReadOnlyList<string> Remote, IReadOnlyList<long>? Local)?> RouteAsync(string address, CancellationToken cancellationToken)
    {
        if (!AddressRules.TryNormalizeAddress(address, out var normalized))
            return null;
        var resolution = await directory.ResolveRecipientAsync(normalized, cancellationToken).ConfigureAwait(false);
        return resolution.Kind switch
        {
            RecipientKind.Local => ([], resolution.Accounts.Select(a => a.Id).ToList()),
            RecipientKind.RemoteDomain => ([normalized], null),
            _ => null,
        };
    }
}
