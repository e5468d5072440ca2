using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Webmail.Core.Security;
using Webmail.ManageSieve.Protocol;

namespace Webmail.ManageSieve.Session;

/// <summary>STARTTLS, AUTHENTICATE and UNAUTHENTICATE (RFC 5804 §2.1, §2.2, §2.14), and the account's re-check.</summary>
public sealed partial class ManageSieveSession
{
    /// <summary>STARTTLS (RFC 5804 §2.2): only before TLS and before login; the capabilities are sent again over TLS.</summary>
    private async Task<bool> StartTlsAsync(SieveCommand command)
    {
        if (command.Arguments.Count != 0)
            return No("STARTTLS takes no arguments");
        if (_connection.IsSecure)
            return No("TLS is active already");
        if (Authenticated)
            return No("STARTTLS is only allowed before authentication");
        var certificate = _server.Certificates.Certificate;
        Out.Ok("Begin TLS negotiation now");
        await Out.FlushAsync(_shutdown).ConfigureAwait(false);
        try
        {
            await _connection.UpgradeToTlsAsync(certificate, _server.TlsHandshakeTimeout, _shutdown).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException || e is OperationCanceledException && !_shutdown.IsCancellationRequested)
        {
            // No channel left to answer on.
            _logger.LogDebug(e, "ManageSieve session {Session}: TLS handshake failed", _id);
            _outcome = "TLS handshake failed";
            _over = true;
            return true;
        }
        // RFC 5804 §2.2: after the handshake the server sends its capabilities again, then OK.
        WriteCapabilities();
        Out.Ok("TLS negotiation successful");
        return true;
    }

    /// <summary>
    /// AUTHENTICATE "PLAIN" (RFC 5804 §2.1, RFC 4616): with the initial response as a second string,
    /// or with an empty challenge (<c>""</c>) to which the client answers with a string; <c>"*"</c>
    /// cancels. The credential check is the one shared by every door, with its limiter; with two
    /// factors on, only app passwords (those for IMAP) are accepted.
    /// </summary>
    private async Task<bool> AuthenticateAsync(SieveCommand command)
    {
        if (Authenticated)
            return No("Already authenticated");
        if (command.Arguments.Count is < 1 or > 2 || command.Arguments.Any(a => a.Kind != SieveTokenKind.String))
            return No("Syntax: AUTHENTICATE \"PLAIN\" [initial-response]");
        if (!string.Equals(command.Arguments[0].Text, "PLAIN", StringComparison.OrdinalIgnoreCase))
            return No("Unsupported SASL mechanism");
        if (!PlaintextAuthAllowed)
            return No("Use STARTTLS before authenticating", "ENCRYPT-NEEDED");

        string response;
        if (command.Arguments.Count == 2)
        {
            response = command.Arguments[1].Text;
        }
        else
        {
            Out.String("").Line();
            await Out.FlushAsync(_shutdown).ConfigureAwait(false);
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
            timer.CancelAfter(_server.Options.Limits.ManageSieveIdleTimeout);
            var read = await _connection.Reader.ReadSaslResponseAsync(MaxShortLiteral, timer.Token).ConfigureAwait(false);
            switch (read.Outcome)
            {
                case ReadOutcome.Command:
                    break;
                case ReadOutcome.SyntaxError:
                    return No(read.Error);
                case ReadOutcome.LiteralTooLarge or ReadOutcome.LineTooLong:
                    // No PLAIN response is that long; its octets are not read.
                    Close("Too much data", "SASL response too long");
                    return true;
                default:
                    _outcome = "connection ended during AUTHENTICATE";
                    _over = true;
                    return true;
            }
            response = read.Arguments[0].Text;
            // RFC 5804 §2.1: the client cancels with "*".
            if (response == "*")
            {
                Out.No("Authentication cancelled");
                return true;
            }
        }

        if (!SaslPlain.TryDecode(response, out var user, out var password))
            return await LoginFailedAsync("Invalid SASL PLAIN response").ConfigureAwait(false);
        var result = await _server.Credentials.VerifyAsync(user, password, RemoteAddress, "managesieve", _shutdown).ConfigureAwait(false);
        switch (result.Status)
        {
            case LoginStatus.Succeeded:
                AccountId = result.AccountId;
                AccountAddress = result.Address;
                _lastAccountCheck = _server.Time.GetTimestamp();
                _failedLogins = 0;
                Out.Ok("Logged in");
                return true;
            case LoginStatus.Throttled:
                Out.No("Too many failed logins, try again later", "TRYLATER");
                return true;
            case LoginStatus.AppPasswordRequired:
                return await LoginFailedAsync("Two-factor sign-in is on for this account: use an app password for IMAP (web Settings, App passwords)").ConfigureAwait(false);
            default:
                // Unknown user and wrong password answer alike (and after the same delay: the verifier's).
                return await LoginFailedAsync("Authentication failed").ConfigureAwait(false);
        }
    }

    private Task<bool> LoginFailedAsync(string text)
    {
        Out.No(text);
        if (++_failedLogins >= MaxFailedLogins)
            Close("Too many failed logins", "too many failed logins");
        return Task.FromResult(true);
    }

    /// <summary>UNAUTHENTICATE (RFC 5804 §2.14): back to the non-authenticated state on the same connection.</summary>
    private bool Unauthenticate(SieveCommand command)
    {
        if (command.Arguments.Count != 0)
            return No("UNAUTHENTICATE takes no arguments");
        if (!Authenticated)
            return No("Not authenticated");
        AccountId = 0;
        AccountAddress = "";
        _unauthenticatedCommands = 0;
        Out.Ok("Unauthenticate completed");
        return true;
    }

    /// <summary>Re-reads the account now and then, so that a disabled account loses an open session too.</summary>
    private async Task<bool> AccountActiveAsync()
    {
        if (_server.Time.GetElapsedTime(_lastAccountCheck) < _server.AccountCheckInterval)
            return true;
        var account = await _server.Directory.GetAccountAsync(AccountId, _shutdown).ConfigureAwait(false);
        _lastAccountCheck = _server.Time.GetTimestamp();
        return account is { IsDisabled: false };
    }
}
