using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using MimeKit;
using MimeKit.Utils;
using IcalCalendar = Ical.Net.Calendar;

namespace Webmail.Invites;

/// <summary>The attendee's answer to an invitation: the PARTSTAT of RFC 5545 §3.2.12 it sends.</summary>
public enum InviteResponse
{
    Accepted,
    Tentative,
    Declined,
}

/// <summary>
/// Builds the iTIP REPLY (RFC 5546 §3.2.3) to an invitation and the message that carries it (iMIP, RFC 6047 §2.4).
/// </summary>
public static class InviteReply
{
    /// <summary>The PARTSTAT value of a response (RFC 5545 §3.2.12).</summary>
    public static string PartStat(InviteResponse response) => response switch
    {
        InviteResponse.Accepted => "ACCEPTED",
        InviteResponse.Tentative => "TENTATIVE",
        InviteResponse.Declined => "DECLINED",
        _ => throw new ArgumentOutOfRangeException(nameof(response)),
    };

    /// <summary>What the reply's subject starts with ("Accepted: Team lunch"), as Outlook and Google write it.</summary>
    public static string Verb(InviteResponse response) => response switch
    {
        InviteResponse.Accepted => "Accepted",
        InviteResponse.Tentative => "Tentatively accepted",
        InviteResponse.Declined => "Declined",
        _ => throw new ArgumentOutOfRangeException(nameof(response)),
    };

    /// <summary>
    /// The REPLY to <paramref name="request"/>'s event: RFC 5546 §3.2.3 requires METHOD:REPLY, the same UID and
    /// SEQUENCE (and RECURRENCE-ID when it answers one instance), the ORGANIZER, DTSTAMP, and exactly one ATTENDEE —
    /// the one replying — with its PARTSTAT. The summary and the times (in UTC, so no VTIMEZONE is needed) are kept
    /// for clients that show the reply.
    /// </summary>
    public static string BuildCalendar(CalendarEvent request, MailboxAddress attendee, InviteResponse response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(attendee);
        var ev = new CalendarEvent
        {
            Uid = request.Uid,
            Sequence = request.Sequence,
            DtStamp = new CalDateTime(now.UtcDateTime, CalDateTime.UtcTzId, true),
            Summary = request.Summary,
            Organizer = request.Organizer,
        };
        if (request.RecurrenceIdentifier is { } recurrence)
            ev.RecurrenceIdentifier = recurrence;
        if (Utc(request.DtStart) is { } start)
            ev.DtStart = start;
        if (Utc(request.DtEnd) is { } end)
            ev.DtEnd = end;
        ev.Attendees.Add(new Attendee("mailto:" + attendee.Address)
        {
            CommonName = string.IsNullOrWhiteSpace(attendee.Name) ? null : attendee.Name,
            ParticipationStatus = PartStat(response),
        });
        var calendar = new IcalCalendar { Method = "REPLY" };
        calendar.Events.Add(ev);
        return new CalendarSerializer().SerializeToString(calendar) ?? throw new InvalidOperationException("The reply could not be written.");
    }

    /// <summary>
    /// The message that carries the reply to the organizer: a short text for people and the REPLY as
    /// <c>text/calendar; method=REPLY</c> (RFC 6047 §2.4: the method parameter matches the METHOD property).
    /// </summary>
    public static MimeMessage BuildMessage(MailboxAddress from, MailboxAddress organizer, string title, InviteResponse response, string calendar, string hostname)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(organizer);
        var who = string.IsNullOrWhiteSpace(from.Name) ? from.Address : from.Name;
        var text = new TextPart("plain") { Text = $"{who} has {Verb(response).ToLowerInvariant()} this invitation: {title}\r\n" };
        var ics = new TextPart("calendar") { Text = calendar, ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        ics.ContentType.Charset = "utf-8";
        ics.ContentType.Parameters.Add("method", "REPLY");
        var message = new MimeMessage
        {
            Subject = Verb(response) + ": " + title,
            Date = DateTimeOffset.Now,
            MessageId = MimeUtils.GenerateMessageId(string.IsNullOrWhiteSpace(hostname) ? "localhost" : hostname),
            Body = new MultipartAlternative { text, ics },
        };
        message.From.Add(from);
        message.To.Add(organizer);
        return message;
    }

    private static CalDateTime? Utc(CalDateTime? time)
    {
        if (time is null || !time.HasTime || time.IsFloating)
            return time;
        try
        {
            return new CalDateTime(time.AsUtc, CalDateTime.UtcTzId, true);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
