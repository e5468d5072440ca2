namespace Webmail.Mail.Outbound;

/// <summary>Every RCPT was refused; the per-recipient replies are in <see cref="RecipientTrackingSmtpClient.Replies"/>.</summary>
internal sealed class NoRecipientAcceptedException() : Exception("No recipient was accepted.");
