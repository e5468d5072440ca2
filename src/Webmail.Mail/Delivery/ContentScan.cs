using System.Buffers;
using System.Net;

namespace Webmail.Mail.Delivery;

/// <summary>What the content filter (rspamd, issue 20) decided about one arriving message.</summary>
public enum ScanAction
{
    /// <summary>Not spam, or not scanned: INBOX (or wherever the recipient's rules say).</summary>
    Accept,
    /// <summary>Probably spam: delivered to each recipient's Junk folder with the <c>X-Spam-*</c> headers.</summary>
    Junk,
    /// <summary>Try again later (rspamd's soft reject / greylist): <c>451 4.7.1</c>.</summary>
    TempFail,
    /// <summary>Refused at the end of DATA: <c>550 5.7.1</c>.</summary>
    Reject,
}

/// <summary>The envelope the scanner is told about, as rspamd's <c>/checkv2</c> headers carry it.</summary>
/// <param name="MailFrom">The reverse path; empty for the null sender.</param>
/// <param name="QueueId">The pipeline's id for the message, for logs on both sides.</param>
public sealed record ScanRequest(string MailFrom, IReadOnlyList<string> Recipients, IPAddress? ClientAddress, string? Helo, string QueueId);

/// <summary>A scanner's verdict. <paramref name="Symbols"/> are the rules that fired, with their scores.</summary>
/// <param name="Reason">A short text for the SMTP reply or the user ("Why is this in Junk?"), already bounded.</param>
public sealed record ScanVerdict(ScanAction Action, double Score, double RequiredScore, IReadOnlyList<ScanSymbol> Symbols, string? Reason = null)
{
    /// <summary>No scanner configured, or it was down and fail-open let the message through.</summary>
    public static readonly ScanVerdict NotScanned = new(ScanAction.Accept, 0, 0, []);
}

public sealed record ScanSymbol(string Name, double Score);

/// <summary>
/// Content scoring at the end of DATA (DESIGN.md: after DKIM/ARC/DMARC, before the per-recipient
/// allow/block lists and Sieve). Registered in DI when <c>Webmail:Spam:RspamdUrl</c> is set; the
/// pipeline calls it for inbound (not submitted) mail only.
/// </summary>
public interface IContentScanner
{
    Task<ScanVerdict> ScanAsync(ScanRequest request, ReadOnlySequence<byte> message, CancellationToken cancellationToken);
}

/// <summary>
/// Counts what the inbound checks refused or quarantined, for the admin dashboard's charts.
/// The outcome is <c>rejected</c>, <c>tempfailed</c>, <c>quarantined</c> or <c>learned</c>;
/// the reason a short stable key (<c>dmarc</c>, <c>spf</c>, <c>rspamd</c>, <c>dnsbl</c>, <c>blocklist</c>, <c>spam</c>, <c>ham</c>).
/// Optional in DI: the pipeline works without one.
/// </summary>
public interface IInboundFilterCounter
{
    /// <param name="outcome"><c>rejected</c>, <c>tempfailed</c>, <c>quarantined</c> or <c>learned</c>.</param>
    /// <param name="reason">A short stable key, such as <c>dmarc</c> or <c>rspamd</c>.</param>
    ValueTask CountAsync(string outcome, string reason, CancellationToken cancellationToken);
}
