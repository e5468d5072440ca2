using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using Webmail.Core.Configuration;
using Webmail.Core.Messages;
using Webmail.Core.Storage;
using Webmail.Mail.Delivery;

namespace Webmail.Smtp;

/// <summary>
/// MAIL FROM and RCPT TO policy. Unauthenticated sessions may only deliver to local recipients
/// (no open relay); authenticated ones may send anywhere, but only as their own addresses.
/// Refusals throw <see cref="SmtpResponseException"/> so the client gets the exact code.
/// </summary>
internal sealed class SmtpMailboxFilter(SmtpRole role, DeliveryPipeline pipeline, IDirectoryStore directory, IOptionsMonitor<WebmailOptions> options, ILogger logger) : IMailboxFilter
{
    public async Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
    {
        var state = SmtpSessionState.Of(context);
        state.Recipients = 0;
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
        return true;
    }

    public async Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
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
                break;
            case RecipientKind.UnknownUser:
                throw new SmtpResponseException(SmtpReplies.UnknownUser);
            case RecipientKind.RemoteDomain when !authenticated:
                logger.LogInformation("Relay denied for {Recipient} from {RemoteIp}", address, SmtpSessionState.RemoteAddress(context));
                throw new SmtpResponseException(SmtpReplies.RelayDenied);
        }
        state.Recipients++;
        return true;
    }

    /// <summary>Remote senders' addresses need not follow our own stricter rules; only refuse what could not be an address at all.</summary>
    private static bool IsPlausibleRemoteSender(IMailbox from) =>
        !string.IsNullOrEmpty(from.Host) && from.User.Length <= 64 && from.Host.Length <= 255 && !from.User.Contains('\r') && !from.User.Contains('\n');
}
