using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Mail.Delivery;

namespace Webmail.Smtp;

/// <summary>
/// Hands a received DATA block to the <see cref="DeliveryPipeline"/> and turns its outcome into the
/// reply to the final dot: 250 only after the pipeline's commit is durable, and a temporary
/// 452 4.3.1 (disk full) or 451 4.3.0 (any other store failure) — never a permanent failure — when storing fails.
/// </summary>
internal sealed class SmtpDeliveryStore(DeliveryPipeline pipeline, IOptionsMonitor<WebmailOptions> options, ILogger logger) : IMessageStore
{
    public async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var response = await StoreAsync(context, transaction, buffer, cancellationToken).ConfigureAwait(false);
        var role = new KeyValuePair<string, object?>("role", SmtpSessionState.Of(context).Role);
        var code = (int)response.ReplyCode;
        WebmailMeter.SmtpMessages.Add(1, role, new("outcome", code < 300 ? "accepted" : code < 500 ? "deferred" : "refused"));
        if (code < 300)
            WebmailMeter.SmtpBytes.Add(buffer.Length, role);
        WebmailMeter.DeliveryDuration.Record(WebmailMeter.SecondsSince(start), role);
        return response;
    }

    private async Task<SmtpResponse> StoreAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        // The one place the final CRLF is put back, for inbound and submission alike: every check,
        // stamp and copy below sees the message as the client sent it (RFC 5321 §4.1.1.4).
        buffer = FinalLineBreak.Restore(buffer);
        var state = SmtpSessionState.Of(context);
        if (BareNewline.Contains(buffer))
        {
            state.Rejected++;
            logger.LogWarning("Refused a message with bare CR/LF from {RemoteIp} (possible SMTP smuggling)", SmtpSessionState.RemoteAddress(context));
            return SmtpReplies.BareNewline;
        }
        if (HeaderSection.IsLongerThan(buffer, options.CurrentValue.Limits.MaxHeaderSize))
        {
            state.Rejected++;
            logger.LogWarning("Refused a message with a header section over {Limit} bytes from {RemoteIp}", options.CurrentValue.Limits.MaxHeaderSize, SmtpSessionState.RemoteAddress(context));
            return SmtpReplies.HeaderTooLarge;
        }

        var recipients = transaction.To.Select(SmtpSessionState.AddressOf).Select(a => a.ToLowerInvariant()).ToList();
        var origin = new DeliveryOrigin("smtp", SmtpSessionState.RemoteAddress(context), state.HeloName, context.Pipe.IsSecure);
        try
        {
            var outcome = state.AccountId is { } accountId
                ? await pipeline.SubmitAsync(new SubmissionEnvelope(accountId, SmtpSessionState.AddressOf(transaction.From).ToLowerInvariant(), recipients, origin, state.Resolved), buffer, cancellationToken).ConfigureAwait(false)
                : await pipeline.ReceiveAsync(new InboundEnvelope(SmtpSessionState.AddressOf(transaction.From), recipients, origin, state.Resolved, state.Spf, state.DnsBudget), buffer, cancellationToken).ConfigureAwait(false);
            switch (outcome.Status)
            {
                case DeliveryStatus.Delivered:
                    state.Messages++;
                    return SmtpReplies.Accepted(outcome.Detail ?? "");
                case DeliveryStatus.SenderNotAllowed:
                    state.Rejected++;
                    return SmtpReplies.SenderNotAllowed;
                case DeliveryStatus.LocalSenderNotAuthenticated:
                    state.Rejected++;
                    return SmtpReplies.LocalSenderRefused;
                case DeliveryStatus.AccountDisabled:
                    state.Rejected++;
                    state.AccountId = null;
                    return SmtpReplies.AuthenticationRequired;
                case DeliveryStatus.QuotaExceeded:
                    state.Rejected++;
                    return SmtpReplies.QuotaExceeded;
                case DeliveryStatus.Rejected:
                    state.Rejected++;
                    return SmtpReplies.RejectedByFilter(outcome.Detail ?? "");
                case DeliveryStatus.Deferred:
                    state.Rejected++;
                    return SmtpReplies.Deferred(outcome.Detail ?? "");
                case DeliveryStatus.TooComplex:
                    state.Rejected++;
                    return SmtpReplies.TooComplexToRelay;
                default:
                    state.Rejected++;
                    return SmtpReplies.NoValidRecipients;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A store failure must not become the library's 554: the sender would bounce a message
            // we merely failed to store. 451 makes it retry (RFC 5321 §4.2.5).
            state.Rejected++;
            if (IsOutOfSpace(e))
            {
                logger.LogError("Disk full: could not store a message from {RemoteIp}; answered 452", SmtpSessionState.RemoteAddress(context));
                return SmtpReplies.InsufficientStorage;
            }
            logger.LogError(e, "Could not store a message from {RemoteIp}; answered 451", SmtpSessionState.RemoteAddress(context));
            return SmtpReplies.StorageFailure;
        }
    }

    /// <summary>The store reported a full disk, or a file write met ENOSPC (28), anywhere in the exception chain.</summary>
    private static bool IsOutOfSpace(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is Webmail.Core.Storage.StoreUnavailableException { OutOfSpace: true } || (e is IOException && (e.HResult & 0xFFFF) == 28))
                return true;
        }
        return false;
    }
}
