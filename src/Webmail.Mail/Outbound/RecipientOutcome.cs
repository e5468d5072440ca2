using System.Text.RegularExpressions;

namespace Webmail.Mail.Outbound;

/// <summary>What happened to one recipient in one delivery attempt.</summary>
/// <param name="Recipient">The envelope address.</param>
/// <param name="State">Delivered, try again later, or failed for good.</param>
/// <param name="Status">RFC 3463 enhanced status code (from the reply when the server sent one).</param>
/// <param name="Detail">The remote reply text, or our own reason when no SMTP reply applies.</param>
/// <param name="ReplyCode">The remote SMTP reply code, or <c>null</c> when the failure was not an SMTP reply.</param>
/// <param name="RemoteHost">The host that answered, when one did.</param>
public sealed partial record RecipientOutcome(string Recipient, RecipientState State, string Status, string Detail, int? ReplyCode = null, string? RemoteHost = null)
{
    [GeneratedRegex(@"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")]
    private static partial Regex EnhancedCode();

    /// <summary>An outcome from an SMTP reply: 2xx delivered, 4xx temporary, 5xx permanent (RFC 5321 §4.2.1).</summary>
    public static RecipientOutcome FromReply(string recipient, int code, string text, string remoteHost)
    {
        var state = code switch
        {
            < 300 => RecipientState.Delivered,
            >= 400 and < 500 => RecipientState.Temporary,
            _ => RecipientState.Permanent,
        };
        text = text.ReplaceLineEndings(" ").Trim();
        var match = EnhancedCode().Match(text);
        var status = match.Success ? match.Value.Trim() : state switch
        {
            RecipientState.Delivered => "2.0.0",
            RecipientState.Temporary => "4.0.0",
            _ => "5.0.0",
        };
        return new RecipientOutcome(recipient, state, status, text, code, remoteHost);
    }

    public static RecipientOutcome TemporaryFailure(string recipient, string reason, string status = "4.4.1") =>
        new(recipient, RecipientState.Temporary, status, reason);

    public static RecipientOutcome PermanentFailure(string recipient, string reason, string status) =>
        new(recipient, RecipientState.Permanent, status, reason);

    /// <summary>The reply as the sender sees it: <c>550 5.1.1 no such user</c>, or our reason.</summary>
    public string Describe() => ReplyCode is { } code ? $"{code} {Detail}" : Detail;
}

public enum RecipientState
{
    Delivered,
    Temporary,
    Permanent,
}
