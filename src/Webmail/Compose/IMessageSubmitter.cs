using MimeKit;

namespace Webmail.Compose;

/// <summary>
/// Hands a composed message to the delivery pipeline as the signed-in account. The message may
/// carry Bcc recipients; the submitter puts them in the envelope and strips the header
/// (RFC 5322 §3.6.3).
/// </summary>
public interface IMessageSubmitter
{
    Task<SubmitResult> SubmitAsync(long accountId, MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>The outcome of a submission: accepted, or refused with a reason meant for the user.</summary>
public sealed record SubmitResult(bool Succeeded, string? Error = null, IReadOnlyList<string>? RejectedRecipients = null)
{
    public static readonly SubmitResult Accepted = new(true);

    public static SubmitResult Refused(string error, IReadOnlyList<string>? rejected = null) => new(false, error, rejected);
}
