using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Core.Storage;
using Webmail.Mail.Outbound.MtaSts;

namespace Webmail.Mail.Outbound;

/// <summary>
/// One SMTP transaction to one host with MailKit: connect, opportunistic (or required) STARTTLS,
/// EHLO with our hostname, optional AUTH for the smart host, MAIL/RCPT/DATA, and a per-recipient
/// account of what the host said. Under a recipient domain's MTA-STS policy (RFC 8461 §5) in <c>enforce</c>, STARTTLS
/// with a certificate valid for the MX name is required (else a temporary failure); in <c>testing</c> its absence is
/// logged and counted, and the mail goes anyway.
/// </summary>
public sealed class SmtpTransmitter(IDnsLookup dns, PkixCertificateCheck certificates, IOptionsMonitor<WebmailOptions> options, ILogger<SmtpTransmitter> logger)
{
    /// <summary>Headers never sent on: Bcc must not reach other recipients (RFC 5322 §3.6.3).</summary>
    private static readonly FormatOptions WireFormat = CreateWireFormat();

    private static FormatOptions CreateWireFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.HiddenHeaders.Add(HeaderId.Bcc);
        format.HiddenHeaders.Add(HeaderId.ResentBcc);
        format.HiddenHeaders.Add(HeaderId.ContentLength);
        return format;
    }

    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="target"/>.
    /// </summary>
    /// <param name="mtaSts">The recipient domain's MTA-STS mode (<see cref="MtaStsMode.None"/> without a policy).</param>
    /// <returns>
    /// Per-recipient outcomes, and whether the failure happened before the host took
    /// responsibility for any recipient (then the next host may be tried).
    /// </returns>
    public async Task<(IReadOnlyList<RecipientOutcome> Outcomes, bool TryNextHost)> TransmitAsync(
        DeliveryTarget target, MimeMessage message, string mailFrom, IReadOnlyList<string> recipients, MtaStsMode mtaSts, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var delivery = settings.Delivery;
        string? certificateProblem = null;
        using var client = new RecipientTrackingSmtpClient
        {
            LocalDomain = settings.Hostname,
            Timeout = (int)Math.Clamp(delivery.CommandTimeout.TotalMilliseconds, 1000, int.MaxValue),
            CheckCertificateRevocation = false,
            // RFC 7435 opportunistic security: MX hosts rarely have certificates that match their
            // names, so encryption without authentication beats plain text. RequireTls only demands TLS.
            // RFC 8461 §4.2: a domain with an MTA-STS policy asks for PKIX and the MX name; enforce refuses without them.
            ServerCertificateValidationCallback = mtaSts == MtaStsMode.None
                ? (_, _, _, _) => true
                : (_, certificate, chain, errors) =>
                {
                    certificateProblem = certificates.Problem(certificate, chain, errors);
                    return certificateProblem is null || mtaSts == MtaStsMode.Testing;
                },
        };

        string stage = "connect";
        try
        {
            var socket = await ConnectAsync(target, delivery.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            var tls = target.Port == 465 ? SecureSocketOptions.SslOnConnect
                : delivery.RequireTls || mtaSts == MtaStsMode.Enforce ? SecureSocketOptions.StartTls
                : SecureSocketOptions.StartTlsWhenAvailable;
            await client.ConnectAsync(socket, target.Host, target.Port, tls, cancellationToken).ConfigureAwait(false);
            if (mtaSts == MtaStsMode.Testing && (!client.IsSecure || certificateProblem is not null))
                ReportTestingFailure(target, client.IsSecure ? certificateProblem! : "STARTTLS not offered");
            if (target.IsSmartHost && !string.IsNullOrEmpty(delivery.SmartHostUser))
            {
                stage = "auth";
                await client.AuthenticateAsync(delivery.SmartHostUser, delivery.SmartHostPassword ?? "", cancellationToken).ConfigureAwait(false);
            }

            stage = "send";
            var sender = new MailboxAddress("", mailFrom);
            var rcpts = recipients.Select(r => new MailboxAddress("", r)).ToList();
            var reply = await client.SendAsync(WireFormat, message, sender, rcpts, cancellationToken).ConfigureAwait(false);
            await QuitAsync(client).ConfigureAwait(false);
            return (recipients.Select(r => client.Replies.TryGetValue(r, out var rcpt) && rcpt.Code >= 300
                ? RecipientOutcome.FromReply(r, rcpt.Code, rcpt.Text, target.Host)
                : RecipientOutcome.FromReply(r, 250, reply, target.Host)).ToList(), false);
        }
        catch (NoRecipientAcceptedException)
        {
            await QuitAsync(client).ConfigureAwait(false);
            return (recipients.Select(r => client.Replies.TryGetValue(r, out var rcpt)
                ? RecipientOutcome.FromReply(r, rcpt.Code, rcpt.Text, target.Host)
                : RecipientOutcome.TemporaryFailure(r, "no reply to RCPT TO")).ToList(), false);
        }
        catch (SmtpCommandException e) when (stage == "send")
        {
            // MAIL FROM or DATA refused: the reply applies to every recipient the host had accepted
            // (and to all of them when MAIL FROM failed); the ones it refused keep their own reply.
            await QuitAsync(client).ConfigureAwait(false);
            logger.LogInformation("Remote {Target} refused the transaction: {Code} {Reply}", target, (int)e.StatusCode, e.Message);
            return (recipients.Select(r => client.Replies.TryGetValue(r, out var rcpt) && rcpt.Code >= 300
                ? RecipientOutcome.FromReply(r, rcpt.Code, rcpt.Text, target.Host)
                : RecipientOutcome.FromReply(r, (int)e.StatusCode, e.Message, target.Host)).ToList(), false);
        }
        catch (Exception e) when (e is SocketException or IOException or SmtpProtocolException or SmtpCommandException
                                      or SslHandshakeException or AuthenticationException or NotSupportedException
                                      or TimeoutException or DnsLookupException or ServiceNotConnectedException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Nothing was handed over: RFC 5321 §4.5.4.1 says try the next MX, then retry later.
            logger.LogInformation("Delivery to {Target} failed at {Stage}: {Error}", target, stage, e.Message);
            var reason = $"{target.Host}:{target.Port}: {e.Message}";
            var status = e is AuthenticationException ? "4.7.0" : "4.4.1";
            if (mtaSts == MtaStsMode.Enforce && stage == "connect" && (certificateProblem is not null || (e is NotSupportedException && !client.IsSecure)))
            {
                // RFC 8461 §5: under enforce, no delivery without TLS and a valid certificate; a temporary failure (4.7.5).
                reason = $"{target.Host}:{target.Port}: MTA-STS policy (enforce): " + (certificateProblem ?? "STARTTLS not offered");
                status = "4.7.5";
                WebmailMeter.MtaStsFailures.Add(1, new KeyValuePair<string, object?>("mode", "enforce"));
            }
            return (recipients.Select(r => RecipientOutcome.TemporaryFailure(r, reason, status)).ToList(), true);
        }
    }

    /// <summary>RFC 8461 §5 (testing): the mail goes anyway; the failure is logged and counted (TLS-RPT reports are not sent).</summary>
    private void ReportTestingFailure(DeliveryTarget target, string problem)
    {
        logger.LogWarning("MTA-STS policy (testing) not met by {Target}: {Problem}; delivered anyway", target, problem);
        WebmailMeter.MtaStsFailures.Add(1, new KeyValuePair<string, object?>("mode", "testing"));
    }

    private async Task<Socket> ConnectAsync(DeliveryTarget target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        IReadOnlyList<IPAddress> addresses = IPAddress.TryParse(target.Host, out var literal)
            ? [literal]
            : await dns.LookupAddressesAsync(target.Host, cancellationToken).ConfigureAwait(false);
        if (addresses.Count == 0)
            throw new DnsLookupException($"{target.Host} has no address record.");
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(timeout);
            try
            {
                await socket.ConnectAsync(address, target.Port, connectTimeout.Token).ConfigureAwait(false);
                return socket;
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                socket.Dispose();
                last = e is OperationCanceledException ? new TimeoutException($"Connecting to {address}:{target.Port} timed out.") : e;
            }
        }
        throw last!;
    }

    private async Task QuitAsync(SmtpClient client)
    {
        if (!client.IsConnected)
            return;
        try
        {
            await client.DisconnectAsync(true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SmtpProtocolException or SmtpCommandException or SocketException or OperationCanceledException)
        {
            // The transaction is already decided; a failed QUIT changes nothing.
            logger.LogDebug("QUIT failed: {Error}", e.Message);
        }
    }
}
