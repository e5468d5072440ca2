using MimeKit;

namespace Webmail.Mail.Filters;

/// <summary>
/// The notice a Sieve <c>reject</c> sends when the message can no longer be refused in the SMTP transaction
/// (RFC 5429 §2.1): an MDN (RFC 8098) whose disposition is "deleted", with the reason as its human-readable part
/// and the original's header as its third part. Sent with the null envelope sender, like any report.
/// </summary>
public static class RejectionNotice
{
    public static byte[] Compose(MimeMessage original, string sender, string recipient, string reason, string hostname, string messageId, DateTimeOffset now)
    {
        var notice = new MimeMessage();
        notice.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + hostname));
        notice.To.Add(MailboxAddress.Parse(sender));
        notice.Subject = "Rejected: " + Truncate((original.Subject ?? "").ReplaceLineEndings(" "), 200);
        notice.Date = now;
        notice.MessageId = messageId.Trim('<', '>');
        if (original.MessageId is { Length: > 0 } inReplyTo)
            notice.InReplyTo = inReplyTo;
        notice.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");

        var report = new MultipartReport("disposition-notification");
        report.Add(new TextPart("plain") { Text = $"Your message to <{recipient}> was rejected by the recipient's mail filter:\r\n\r\n{reason}\r\n" });
        var mdn = new MessageDispositionNotification();
        // RFC 8098 §3.2: the fields of the machine-readable part; RFC 5429 §2.1 asks for the "deleted" disposition.
        mdn.Fields.Add("Reporting-UA", hostname + "; Webmail Sieve");
        mdn.Fields.Add("Final-Recipient", "rfc822; " + recipient);
        if (original.MessageId is { Length: > 0 } id)
            mdn.Fields.Add("Original-Message-ID", "<" + id + ">");
        mdn.Fields.Add("Disposition", "automatic-action/MDN-sent-automatically; deleted");
        report.Add(mdn);
        var headers = new MimePart("text", "rfc822-headers");
        using (var stream = new MemoryStream())
        {
            original.Headers.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, stream);
            headers.Content = new MimeContent(new MemoryStream(stream.ToArray()));
        }
        report.Add(headers);
        notice.Body = report;

        using var output = new MemoryStream();
        notice.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        return output.ToArray();
    }

    private static string Truncate(string text, int length) => text.Length > length ? text[..length] : text;
}
