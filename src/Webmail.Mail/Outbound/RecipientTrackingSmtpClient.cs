using MailKit.Net.Smtp;
using MimeKit;

namespace Webmail.Mail.Outbound;

/// <summary>
/// MailKit's client, changed to record each RCPT reply instead of failing the whole transaction on
/// the first refused recipient: the accepted ones get the message, the refused ones are reported.
/// </summary>
internal sealed class RecipientTrackingSmtpClient : SmtpClient
{
    public Dictionary<string, (int Code, string Text)> Replies { get; } = new(StringComparer.OrdinalIgnoreCase);

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        Replies[mailbox.Address] = ((int)response.StatusCode, response.Response);

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        Replies[mailbox.Address] = ((int)response.StatusCode, response.Response);

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientAcceptedException();
}
