using MimeKit;

namespace Webmail.Web.Tests.Invites;

/// <summary>Invitations as Outlook and Google send them: text, HTML and a text/calendar part with method=REQUEST (or CANCEL).</summary>
public static class InviteSamples
{
    /// <summary>An iCalendar object with CRLF line ends; <paramref name="eventLines"/> go inside the VEVENT.</summary>
    public static string Calendar(string method, params string[] eventLines) =>
        "BEGIN:VCALENDAR\r\nPRODID:-//Test//Invites//EN\r\nVERSION:2.0\r\nMETHOD:" + method + "\r\nBEGIN:VEVENT\r\n"
        + string.Concat(eventLines.Select(l => l + "\r\n")) + "END:VEVENT\r\nEND:VCALENDAR\r\n";

    /// <summary>A design review on Thursday 10 December 2026, 10:00–11:00 Berlin time (09:00–10:00 UTC), SEQUENCE 3.</summary>
    public static string Review(string method, string organizer, string attendee, string uid = "review-42@b.example") => Calendar(method,
        "UID:" + uid,
        "SEQUENCE:3",
        "DTSTAMP:20261201T080000Z",
        // RFC 5545 §3.1: a long line folded with CRLF and a space, and escaped commas.
        "SUMMARY:Design review\\, second round: the invoice screens and the new onboard",
        " ing flow",
        "LOCATION:Room 4\\, Main building",
        "DTSTART;TZID=Europe/Berlin:20261210T100000",
        "DTEND;TZID=Europe/Berlin:20261210T110000",
        "ORGANIZER;CN=Betty Organizer:mailto:" + organizer,
        "ATTENDEE;CN=Lucy;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + attendee,
        "ATTENDEE;CN=Carol;PARTSTAT=ACCEPTED:mailto:carol@c.example");

    /// <summary>The invitation as mail: multipart/alternative with the calendar as the last alternative (RFC 6047 §2.4).</summary>
    public static MimeMessage Message(string from, string to, string subject, string calendar, string method = "REQUEST")
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Betty Organizer", from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        var ics = new TextPart("calendar") { Text = calendar, ContentTransferEncoding = ContentEncoding.Base64 };
        ics.ContentType.Charset = "utf-8";
        ics.ContentType.Parameters.Add("method", method);
        message.Body = new MultipartAlternative
        {
            new TextPart("plain") { Text = "You have been invited to a design review." },
            ics,
        };
        return message;
    }
}
