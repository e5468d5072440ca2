using System.Diagnostics;
using System.Globalization;
using MimeKit;
using Webmail.Invites;

namespace Webmail.Web.Tests.Invites;

/// <summary>Reading invitations (RFC 5545 / RFC 5546) for the event card: the fields, the times in the reader's zone, and hostile input bounded.</summary>
public sealed class CalendarInviteTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    public CalendarInviteTests() => CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

    [Fact]
    public void RequestIsReadWithUnfoldedEscapedTextAndItsTimeInTheReadersZone()
    {
        var invite = CalendarInvite.Parse(InviteSamples.Review("REQUEST", "betty@b.example", "lucy@local.example"));

        Assert.NotNull(invite);
        Assert.Equal(InviteMethod.Request, invite.Method);
        Assert.Equal("review-42@b.example", invite.Uid);
        Assert.Equal(3, invite.Sequence);
        Assert.Equal("Design review, second round: the invoice screens and the new onboarding flow", invite.Title);
        Assert.Equal("Room 4, Main building", invite.Location);
        Assert.Equal(new CalendarParty("betty@b.example", "Betty Organizer"), invite.Organizer);
        Assert.Equal("Betty Organizer <betty@b.example>", invite.Organizer!.ToString());
        Assert.Equal(["lucy@local.example", "carol@c.example"], invite.Attendees.Select(a => a.Address));
        Assert.Equal("NEEDS-ACTION", invite.Attendees[0].ParticipationStatus);
        // 10:00 in Berlin (UTC+1 in December) is 04:00 in New York and 18:00 in Tokyo.
        Assert.Equal("Thu, 10 Dec 2026 04:00 – 05:00", invite.When(NewYork));
        Assert.Equal("Thu, 10 Dec 2026 18:00 – 19:00", invite.When(Tokyo));
    }

    [Fact]
    public void UtcTimesConvertAndFloatingTimesStayOnTheWallClock()
    {
        var utc = CalendarInvite.Parse(InviteSamples.Calendar("REQUEST", "UID:u1", "SUMMARY:Call", "DTSTART:20261210T233000Z", "DURATION:PT1H"));
        var floating = CalendarInvite.Parse(InviteSamples.Calendar("REQUEST", "UID:u2", "SUMMARY:Lunch", "DTSTART:20261210T120000", "DTEND:20261210T130000"));

        // 23:30 UTC is the next morning in Tokyo; the DURATION gives the end.
        Assert.Equal("Fri, 11 Dec 2026 08:30 – 09:30", utc!.When(Tokyo));
        Assert.Equal("Thu, 10 Dec 2026 18:30 – 19:30", utc.When(NewYork));
        // RFC 5545 §3.3.5 form #1: a floating time is the same local time wherever the reader is.
        Assert.Equal("Thu, 10 Dec 2026 12:00 – 13:00", floating!.When(Tokyo));
        Assert.Equal("Thu, 10 Dec 2026 12:00 – 13:00", floating.When(NewYork));
    }

    [Fact]
    public void AllDayEventsShowTheirDaysWithTheExclusiveEnd()
    {
        var one = CalendarInvite.Parse(InviteSamples.Calendar("REQUEST", "UID:d1", "SUMMARY:Offsite", "DTSTART;VALUE=DATE:20261210", "DTEND;VALUE=DATE:20261211"));
        var three = CalendarInvite.Parse(InviteSamples.Calendar("REQUEST", "UID:d2", "SUMMARY:Conference", "DTSTART;VALUE=DATE:20261210", "DTEND;VALUE=DATE:20261213"));

        Assert.Equal("Thu, 10 Dec 2026 (all day)", one!.When(Tokyo));
        Assert.Equal("Thu, 10 Dec – Sat, 12 Dec 2026", three!.When(NewYork));
    }

    [Fact]
    public void AnUnknownTzidIsShownAsWritten()
    {
        var invite = CalendarInvite.Parse(InviteSamples.Calendar("REQUEST", "UID:z", "SUMMARY:Somewhere", "DTSTART;TZID=Nowhere/Land:20261210T100000"));

        Assert.Equal("Thu, 10 Dec 2026 10:00", invite!.When(Tokyo));
    }

    [Fact]
    public void CancelIsReadAndOtherMethodsAreNotInvitations()
    {
        Assert.Equal(InviteMethod.Cancel, CalendarInvite.Parse(InviteSamples.Review("CANCEL", "b@b.example", "l@local.example"))!.Method);
        Assert.Null(CalendarInvite.Parse(InviteSamples.Review("PUBLISH", "b@b.example", "l@local.example")));
        Assert.Null(CalendarInvite.Parse(InviteSamples.Review("REPLY", "b@b.example", "l@local.example")));
        Assert.Null(CalendarInvite.Parse(InviteSamples.Calendar("REQUEST", "SUMMARY:No UID")));
        Assert.Null(CalendarInvite.Parse("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"));
    }

    [Fact]
    public void HostileCalendarsAreRefusedOrCutInBoundedTime()
    {
        var clock = Stopwatch.StartNew();
        Assert.Null(CalendarInvite.Parse("not a calendar at all"));
        Assert.Null(CalendarInvite.Parse(""));
        Assert.Null(CalendarInvite.Parse("BEGIN:VCALENDAR\r\n" + string.Concat(Enumerable.Repeat("BEGIN:X\r\n", 20_000))));
        Assert.Null(CalendarInvite.Parse(InviteSamples.Calendar("REQUEST", "UID:big", "DESCRIPTION:" + new string('a', CalendarInvite.MaxBytes))));
        Assert.False(CalendarInvite.Parse(InviteSamples.Calendar("REQUEST", "UID:bad", "DTSTART:2026121")) is { Start: not null });

        var crowd = Enumerable.Range(0, 3_000).Select(i => $"ATTENDEE:mailto:a{i}@c.example");
        var crowded = CalendarInvite.Parse(InviteSamples.Calendar("REQUEST", ["UID:crowd", "SUMMARY:" + new string('t', 5_000), .. crowd]));
        Assert.Equal(CalendarInvite.MaxAttendees, crowded!.Attendees.Count);
        Assert.Equal(CalendarInvite.MaxTextLength + 1, crowded.Title.Length); // cut, with an ellipsis
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void TheInviteComesFromTheMessagesCalendarPartAndATooBigPartShowsNone()
    {
        var message = InviteSamples.Message("betty@b.example", "lucy@local.example", "Invitation", InviteSamples.Review("REQUEST", "betty@b.example", "lucy@local.example"));
        var parts = message.BodyParts.OfType<MimePart>().ToList();
        Assert.Equal("review-42@b.example", CalendarInvite.From(parts)!.Uid);

        var huge = InviteSamples.Message("betty@b.example", "lucy@local.example", "Invitation",
            InviteSamples.Calendar("REQUEST", "UID:huge", "DESCRIPTION:" + new string('x', 3 * CalendarInvite.MaxBytes)));
        Assert.Null(CalendarInvite.From(huge.BodyParts.OfType<MimePart>().ToList()));
        Assert.Null(CalendarInvite.From(new MimeMessage { Body = new TextPart("plain") { Text = "hi" } }.BodyParts.OfType<MimePart>().ToList()));
    }

    [Fact]
    public void TheReadingPaneCarriesTheInviteAndDoesNotListTheInlineCalendarAsAnAttachment()
    {
        var message = InviteSamples.Message("betty@b.example", "lucy@local.example", "Invitation", InviteSamples.Review("REQUEST", "betty@b.example", "lucy@local.example"));
        using var raw = new MemoryStream();
        message.WriteTo(raw);

        var content = Webmail.Reading.MessageReader.Read(1, Webmail.Reading.MessageReader.Load(raw.ToArray()));

        Assert.Equal("review-42@b.example", content.Invite!.Uid);
        Assert.Empty(content.Attachments);
    }
}
