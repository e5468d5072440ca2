namespace Webmail.Compose;

/// <summary>The outcome of a submission: accepted, or refused with a reason meant for the user.</summary>
public sealed record SubmitResult(bool Succeeded, string? Error = null, IReadOnlyList<string>? RejectedRecipients = null)
{
    public static readonly SubmitResult Accepted = new(true);

    public static SubmitResult Refused(string error, IReadOnlyList<string>? rejected = null) => new(false, error, rejected);
}
