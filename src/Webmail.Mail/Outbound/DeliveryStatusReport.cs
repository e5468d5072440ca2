using System.Globalization;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Webmail.Mail.Outbound;

/// <summary>
/// Builds RFC 3464 delivery status notifications: a multipart/report (RFC 6522) with a human
/// explanation, a message/delivery-status part, and the original message's header
/// (text/rfc822-headers), sent from <c>MAILER-DAEMON@hostname</c> with a null envelope sender.
/// </summary>
public static class DeliveryStatusReport
{
    /// <param name="hostname">Our name (Reporting-MTA and the From address).</param>
    /// <param name="sender">The original envelope sender, who receives the report.</param>
    /// <param name="original">The original message bytes (only its header is quoted).</param>
    /// <param name="arrivalDate">When the message entered the queue.</param>
    /// <param name="outcomes">The recipients being reported on.</param>
    /// <param name="delayed">A "still trying" warning (Action: delayed) rather than a failure.</param>
    /// <param name="now">The report's date.</param>
    public static byte[] Build(string hostname, string sender, ReadOnlySpan<byte> original, DateTimeOffset arrivalDate,
        IReadOnlyList<RecipientOutcome> outcomes, bool delayed, DateTimeOffset now, TimeSpan? retryUntil = null)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + hostname));
        message.To.Add(new MailboxAddress("", sender));
        message.Subject = delayed ? "Delayed Mail (still being retried)" : "Undelivered Mail Returned to Sender";
        message.Date = now;
        message.MessageId = MimeUtils.GenerateMessageId(hostname);
        // RFC 3834 §5: automatic replies are marked so that responders do not answer them.
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var report = new MultipartReport("delivery-status");
        report.Add(new TextPart("plain") { Text = Explanation(hostname, outcomes, delayed, retryUntil) });

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + hostname },
            { "Arrival-Date", DateUtils.FormatDate(arrivalDate) },
        };
        status.StatusGroups.Add(perMessage);
        foreach (var outcome in outcomes)
        {
            var group = new HeaderList
            {
                { "Final-Recipient", "rfc822; " + outcome.Recipient },
                { "Action", delayed ? "delayed" : "failed" },
                { "Status", outcome.Status },
            };
            if (outcome.RemoteHost is not null)
                group.Add("Remote-MTA", "dns; " + outcome.RemoteHost);
            if (outcome.ReplyCode is { } code)
                group.Add("Diagnostic-Code", $"smtp; {code.ToString(CultureInfo.InvariantCulture)} {outcome.Detail}");
            group.Add("Last-Attempt-Date", DateUtils.FormatDate(now));
            if (delayed && retryUntil is { } until)
                group.Add("Will-Retry-Until", DateUtils.FormatDate(arrivalDate + until));
            status.StatusGroups.Add(group);
        }
        report.Add(status);
        if (QuotedHeader(original) is { } quoted)
            report.Add(quoted);
        message.Body = report;

        using var output = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        return output.ToArray();
    }

    private static string Explanation(string hostname, IReadOnlyList<RecipientOutcome> outcomes, bool delayed, TimeSpan? retryUntil)
    {
        var text = new StringBuilder();
        text.Append("This is the mail system at host ").Append(hostname).Append(".\r\n\r\n");
        if (delayed)
        {
            text.Append("Your message could not be delivered yet. The mail system will keep trying");
            if (retryUntil is { } until)
                text.Append(" for up to ").Append(until.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)).Append(" hours");
            text.Append(";\r\nyou do not need to send it again.\r\n\r\n");
        }
        else
        {
            text.Append("Your message could not be delivered to one or more recipients.\r\n\r\n");
        }
        foreach (var outcome in outcomes)
            text.Append('<').Append(outcome.Recipient).Append(">: ").Append(outcome.RemoteHost is null ? "" : outcome.RemoteHost + " said: ").Append(outcome.Describe()).Append("\r\n");
        return text.ToString();
    }

    private static TextRfc822Headers? QuotedHeader(ReadOnlySpan<byte> original)
    {
        var header = HeaderOf(original);
        if (header.Length == 0)
            return null;
        try
        {
            return new TextRfc822Headers { Message = MimeMessage.Load(new MemoryStream(header)) };
        }
        catch (FormatException)
        {
            // An unparsable original header is left out rather than failing the report.
            return null;
        }
    }

    /// <summary>The header block of <paramref name="raw"/> (up to and including the empty line).</summary>
    private static byte[] HeaderOf(ReadOnlySpan<byte> raw)
    {
        var end = raw.IndexOf("\r\n\r\n"u8);
        if (end >= 0)
            return raw[..(end + 4)].ToArray();
        end = raw.IndexOf("\n\n"u8);
        return end >= 0 ? raw[..(end + 2)].ToArray() : raw.ToArray();
    }
}
