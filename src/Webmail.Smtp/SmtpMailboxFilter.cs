using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using Webmail.Core.Configuration;
using Webmail.Core.Messages;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Mail.Delivery;

namespace Webmail.Smtp;

/// <summary>
/// MAIL FROM and RCPT TO policy. Unauthenticated sessions may only deliver to local recipients
/// (no open relay); authenticated ones may send anywhere, but only as their own addresses.
/// Refusals throw <see cref="SmtpResponseException"/> so the client gets the exact code.
/// </summary>
internal sealed class SmtpMailboxFilter(SmtpRole role, DeliveryPipeline pipeline, IDirectoryStore directory, IOptionsMonitor<WebmailOptions> options, ILogger logger,
    Webmail.Mail.Authentication.SenderAuthenticator? authenticator = null) : IMailboxFilter
{
    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
        GuardedAsync(context, () => AcceptFromAsync(context, from, size, cancellationToken));

    public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
        GuardedAsync(context, () => DeliverToAsync(context, to, cancellationToken));

    /// <summary>A failure that is not a policy answer (a store error, a bug) becomes 451 4.3.0 and a log line; the session goes on.</summary>
    private async Task<bool> GuardedAsync(ISessionContext context, Func<Task<bool>> check)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not SmtpResponseException and not OperationCanceledException and not OutOfMemoryException)
        {
            logger.LogError(e, "Envelope check failed for a session from {RemoteIp}; answered 451", SmtpSessionState.RemoteAddress(context));
            throw new SmtpResponseException(SmtpReplies.StorageFailure);
        }
    }

    private async Task<bool> AcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
    {
        var state = SmtpSessionState.Of(context);
        if (state.RefusedBy is not null)
            throw new SmtpResponseException(SmtpReplies.RefusedAtConnect);
        state.Recipients = 0;
        state.Resolved.Clear();
        state.Spf = null;
        state.DnsBudget = null;
        state.DeclaredSize = Math.Max(0, size);
        if (state.AccountId is { } accountId)
        {
            // An account disabled after AUTH loses its open sessions at the next transaction.
            var account = await directory.GetAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
            if (account is null || account.IsDisabled)
            {
                logger.LogWarning("Refused MAIL from disabled account {Account}", state.AccountAddress);
                state.AccountId = null;
                throw new SmtpResponseException(SmtpReplies.AuthenticationRequired);
            }
            var sender = SmtpSessionState.AddressOf(from).ToLowerInvariant();
            var sendAs = await directory.GetSendAsAddressesAsync(accountId, cancellationToken).ConfigureAwait(false);
            if (!sendAs.Contains(sender, StringComparer.OrdinalIgnoreCase))
                throw new SmtpResponseException(SmtpReplies.SenderNotAllowed);
            return true;
        }

        if (role == SmtpRole.Submission)
            throw new SmtpResponseException(SmtpReplies.AuthenticationRequired);
        var reversePath = SmtpSessionState.AddressOf(from);
        // RFC 5321 §4.5.5: the null reverse path <> (bounces) must be accepted.
        if (reversePath.Length > 0 && !AddressRules.TryNormalizeAddress(reversePath, out _) && !IsPlausibleRemoteSender(from))
            throw new SmtpResponseException(SmtpReplies.BadSenderSyntax);
        // Refused at once rather than after DATA; the pipeline checks the same rule again, and the From: and Sender: fields.
        if (await pipeline.FindForgedLocalSenderAsync([reversePath], SmtpSessionState.RemoteAddress(context), cancellationToken).ConfigureAwait(false) is not null)
        {
            logger.LogInformation("Refused MAIL FROM a local domain from {RemoteIp} without authentication: {Sender}", SmtpSessionState.RemoteAddress(context), LogText.Bound(reversePath));
            throw new SmtpResponseException(SmtpReplies.LocalSenderRefused);
        }
        // RFC 7208 §2.4: SPF is checked at MAIL FROM (the HELO name for the null sender). A fail is not refused here:
        // DMARC decides after DATA, where an aligned DKIM signature can still vouch for forwarded mail (RFC 7489 §10.1).
        var remote = SmtpSessionState.RemoteAddress(context);
        if (authenticator is not null && !pipeline.TrustedNetworks.Contains(remote))
        {
            state.DnsBudget = authenticator.StartBudget();
            state.Spf = await authenticator.CheckSpfAsync(remote, reversePath, state.HeloName, state.DnsBudget, cancellationToken).ConfigureAwait(false);
            // RFC 7208 §8.6: temperror → a temporary failure, so the sender tries again rather than the check being skipped.
            if (state.Spf is { Verdict: Webmail.Mail.Authentication.SpfVerdict.TempError })
                throw new SmtpResponseException(SmtpReplies.SpfTempError);
        }
        return true;
    }

    private async Task<bool> DeliverToAsync(ISessionContext context, IMailbox to, CancellationToken cancellationToken)
    {
        var state = SmtpSessionState.Of(context);
        var authenticated = state.AccountId is not null;
        if (state.Recipients >= options.CurrentValue.Limits.MaxRecipients)
            throw new SmtpResponseException(SmtpReplies.TooManyRecipients);

        // Routing tricks (%-hack, bang paths, quoted local parts with '@', address literals) are not
        // addresses we deliver to; for an anonymous client they are relay attempts (RFC 5321 §3.6.1, §3.6.2).
        if (!AddressRules.TryNormalizeAddress(SmtpSessionState.AddressOf(to), out var address))
            throw new SmtpResponseException(authenticated ? SmtpReplies.BadRecipientSyntax : SmtpReplies.RelayDenied);

        var check = await pipeline.CheckRecipientAsync(address, state.DeclaredSize, cancellationToken).ConfigureAwait(false);
        switch (check.Kind)
        {
            case RecipientKind.Local when check.QuotaExceeded:
                throw new SmtpResponseException(SmtpReplies.QuotaExceeded);
            case RecipientKind.Local:
            case RecipientKind.ReturnPath:
                break;
            case RecipientKind.UnknownUser:
                throw new SmtpResponseException(SmtpReplies.UnknownUser);
            case RecipientKind.RemoteDomain when !authenticated:
                logger.LogInformation("Relay denied for {Recipient} from {RemoteIp}", LogText.Bound(address), SmtpSessionState.RemoteAddress(context));
                throw new SmtpResponseException(SmtpReplies.RelayDenied);
        }
        state.Recipients++;
        state.Resolved[address] = check.Resolution;
        return true;
    }

    /// <summary>Remote senders' addresses need not follow our own stricter rules; only refuse what could not be an address at all.</summary>
    private static bool IsPlausibleRemoteSender(IMailbox from) =>
        !string.IsNullOrEmpty(from.Host) && from.User.Length <= 64 && from.Host.Length <= 255 && !from.User.Contains('\r') && !from.User.Contains('\n');
}
