using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;
using Webmail.Core.Configuration;
using Webmail.Core.Security;

namespace Webmail.Smtp;

/// <summary>
/// AUTH PLAIN / LOGIN (RFC 4954) through the shared <see cref="CredentialVerifier"/>, so failures
/// are delayed, limited and audited like every other door.
/// </summary>
internal sealed class SmtpAuthenticator(CredentialVerifier verifier, IOptionsMonitor<WebmailOptions> options, ILogger logger) : IUserAuthenticator
{
    public async Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
    {
        var remote = SmtpSessionState.RemoteAddress(context);
        if (!IsAllowed(context, options.CurrentValue))
            throw new SmtpResponseException(SmtpReplies.EncryptionRequired);

        LoginResult result;
        try
        {
            // The verifier bounds what it logs and audits (LogText), whatever the client sent.
            result = await verifier.VerifyAsync(user, password, remote, "smtp", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not SmtpResponseException and not OperationCanceledException and not OutOfMemoryException)
        {
            // RFC 4954 §6: 454 4.7.0 when the check itself could not be done.
            logger.LogError(e, "Credential check failed for a session from {RemoteIp}; answered 454", remote);
            throw new SmtpResponseException(SmtpReplies.AuthUnavailable);
        }
        switch (result.Status)
        {
            case LoginStatus.Succeeded:
                var state = SmtpSessionState.Of(context);
                state.AccountId = result.AccountId;
                state.AccountAddress = result.Address;
                return true;
            case LoginStatus.Throttled:
                throw new SmtpResponseException(SmtpReplies.AuthThrottled);
            case LoginStatus.AppPasswordRequired:
                throw new SmtpResponseException(SmtpReplies.AppPasswordRequired);
            default:
                throw new SmtpResponseException(SmtpReplies.InvalidCredentials);
        }
    }

    /// <summary>AUTH is offered over TLS, or in plaintext only from loopback when the configuration allows it.</summary>
    public static bool IsAllowed(ISessionContext context, WebmailOptions options)
    {
        if (context.Pipe.IsSecure)
            return true;
        var remote = SmtpSessionState.RemoteAddress(context);
        return options.Security.AllowPlaintextAuthOnLoopback && remote is not null && IPAddress.IsLoopback(remote);
    }
}
