using MimeKit;
using Webmail.Invites;
using IcalCalendar = Ical.Net.Calendar;

namespace Webmail.Web.Tests.Invites;

/// <summary>The iTIP REPLY (RFC 5546 §3.2.3) and the iMIP message that carries it (RFC 6047), byte for byte where it matters.</summary>
public sealed class InviteReplyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 1, 2, 3, TimeSpan.Zero);

    /// <summary>The content lines of an iCalendar object, unfolded (RFC 5545 §3.1).</summary>
    internal static IReadOnlyList<string> Lines(string calendar) =>
        calendar.ReplaceLineEndings("\n").Replace("\n ", "", StringComparison.Ordinal).Replace("\n\t", "", StringComparison.Ordinal)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static Ical.Net.CalendarComponents.CalendarEvent Request(string text) => IcalCalendar.Load(text)!.Events.First();

    [Theory]
    [InlineData(InviteResponse.Accepted, "ACCEPTED")]
    [InlineData(InviteResponse.Tentative, "TENTATIVE")]
    [InlineData(InviteResponse.Declined, "DECLINED")]
    public void ReplyCarriesMethodUidSequenceOrganizerAndOneAttendeeWithItsPartstat(InviteResponse response, string partstat)
    {
        var request = Request(InviteSamples.Review("REQUEST", "betty@b.example", "lucy@local.example"));

        var lines = Lines(InviteReply.BuildCalendar(request, new MailboxAddress("Lucy Reader", "lucy@local.example"), response, Now));

        Assert.Equal("BEGIN:VCALENDAR", lines[0]);
        Assert.Contains("METHOD:REPLY", lines);
        Assert.Contains("VERSION:2.0", lines);
        Assert.Single(lines, l => l == "BEGIN:VEVENT");
        Assert.Contains("UID:review-42@b.example", lines);
        Assert.Contains("SEQUENCE:3", lines);
        Assert.Contains("DTSTAMP:20261206T010203Z", lines);
        Assert.Contains("ORGANIZER;CN=Betty Organizer:mailto:betty@b.example", lines);
        // Exactly one ATTENDEE: the one replying (RFC 5546 §3.2.3), not the invite's list.
        Assert.Equal([$"ATTENDEE;CN=Lucy Reader;PARTSTAT={partstat}:mailto:lucy@local.example"], lines.Where(l => l.StartsWith("ATTENDEE", StringComparison.Ordinal)));
        // The times in UTC (no VTIMEZONE needed): 10:00 Berlin is 09:00Z.
        Assert.Contains("DTSTART:20261210T090000Z", lines);
        Assert.Contains("DTEND:20261210T100000Z", lines);
        Assert.Contains(@"SUMMARY:Design review\, second round: the invoice screens and the new onboarding flow", lines);
    }

    [Fact]
    public void TheMessageGoesToTheOrganizerAsTextCalendarMethodReply()
    {
        var calendar = InviteReply.BuildCalendar(Request(InviteSamples.Review("REQUEST", "betty@b.example", "lucy@local.example")),
            new MailboxAddress("Lucy", "lucy@local.example"), InviteResponse.Declined, Now);

        using var message = InviteReply.BuildMessage(new MailboxAddress("Lucy", "lucy@local.example"), new MailboxAddress("Betty Organizer", "betty@b.example"),
            "Design review", InviteResponse.Declined, calendar, "mail.local.example");

        Assert.Equal("Declined: Design review", message.Subject);
        Assert.Equal("betty@b.example", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("lucy@local.example", Assert.Single(message.From.Mailboxes).Address);
        Assert.EndsWith("@mail.local.example", message.MessageId, StringComparison.Ordinal);
        var ics = Assert.Single(message.BodyParts.OfType<TextPart>(), p => p.ContentType.IsMimeType("text", "calendar"));
        Assert.Equal("REPLY", ics.ContentType.Parameters["method"]);
        Assert.Equal(calendar.ReplaceLineEndings("\n"), ics.Text.ReplaceLineEndings("\n"));
        // RFC 5545 §3.1: content lines end with CRLF on the wire.
        using var wire = new MemoryStream();
        message.WriteTo(Webmail.Compose.MessageComposer.StorageFormat, wire);
        Assert.Contains("METHOD:REPLY\r\n", System.Text.Encoding.ASCII.GetString(wire.ToArray()).Replace("=\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("has declined this invitation: Design review", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInstanceOfASeriesIsAnsweredWithItsRecurrenceId()
    {
        var request = Request(InviteSamples.Calendar("REQUEST", "UID:weekly@b.example", "SEQUENCE:0", "RECURRENCE-ID:20261210T090000Z",
            "DTSTART:20261210T090000Z", "ORGANIZER:mailto:betty@b.example"));

        var lines = Lines(InviteReply.BuildCalendar(request, new MailboxAddress("", "lucy@local.example"), InviteResponse.Accepted, Now));

        Assert.Contains("RECURRENCE-ID:20261210T090000Z", lines);
        Assert.Contains("SEQUENCE:0", lines);
        Assert.Contains("ATTENDEE;PARTSTAT=ACCEPTED:mailto:lucy@local.example", lines);
    }
}
