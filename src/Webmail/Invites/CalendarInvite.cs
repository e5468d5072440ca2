using System.Runtime.Serialization;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using MimeKit;
using IcalCalendar = Ical.Net.Calendar;

namespace Webmail.Invites;

/// <summary>What an invitation asks: RFC 5546 §3.2.2 REQUEST (answer it) or §3.2.5 CANCEL (it is off).</summary>
public enum InviteMethod
{
    Request,
    Cancel,
}

/// <summary>One party of an event: the calendar address without <c>mailto:</c>, the CN, and (attendees) the PARTSTAT.</summary>
public sealed record CalendarParty(string Address, string? Name, string? ParticipationStatus = null)
{
    /// <summary>"Name &lt;address&gt;", or the address alone.</summary>
    public override string ToString() => string.IsNullOrWhiteSpace(Name) ? Address : $"{Name} <{Address}>";
}

/// <summary>
/// A time of an event as the invite wrote it (RFC 5545 §3.3.5): an instant (UTC, or a TZID this machine knows),
/// a floating local time (the same wall-clock time wherever the reader is), or a whole day (<c>VALUE=DATE</c>).
/// </summary>
public readonly record struct InviteTime(DateTime Value, bool IsInstant, bool IsDate)
{
    /// <summary>The time on the reader's clock in <paramref name="zone"/>: an instant converted, a floating time or a day as written.</summary>
    public DateTimeOffset In(TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (IsInstant)
            return TimeZoneInfo.ConvertTime(new DateTimeOffset(DateTime.SpecifyKind(Value, DateTimeKind.Utc)), zone);
        var wall = DateTime.SpecifyKind(Value, DateTimeKind.Unspecified);
        return new DateTimeOffset(wall, zone.GetUtcOffset(wall));
    }
}

/// <summary>
/// The event a <c>text/calendar</c> part invites to, as the event card shows it. Parsed with Ical.Net after the
/// part is bounded (<see cref="MaxBytes"/>); every text field is cut to <see cref="MaxTextLength"/> and at most
/// <see cref="MaxAttendees"/> attendees are kept, so a hostile invite costs a bounded amount to show.
/// </summary>
public sealed partial record CalendarInvite(
    InviteMethod Method,
    string Uid,
    int Sequence,
    string Title,
    InviteTime? Start,
    InviteTime? End,
    string? Location,
    CalendarParty? Organizer,
    IReadOnlyList<CalendarParty> Attendees)
{
    /// <summary>The largest calendar part read (decoded); a bigger one shows no card.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>The longest title, location or name kept.</summary>
    public const int MaxTextLength = 300;

    /// <summary>The most attendees kept.</summary>
    public const int MaxAttendees = 200;

    /// <summary>
    /// When the event is, on the reader's clock in <paramref name="zone"/> (<c>Core.Accounts.UserTimeZone</c> picks it):
    /// "Thu, 10 Dec 2026 10:00 – 11:00", across days both ends in full, a whole day as its date
    /// (RFC 5545 §3.6.1: a DATE end is exclusive).
    /// </summary>
    public string When(TimeZoneInfo zone)
    {
        if (Start is not { } start)
            return "(no time given)";
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        var from = start.In(zone);
        if (start.IsDate)
        {
            var lastDay = End is { IsDate: true } end ? end.In(zone).AddDays(-1) : from;
            return lastDay.Date <= from.Date
                ? from.ToString("ddd, d MMM yyyy", culture) + " (all day)"
                : from.ToString("ddd, d MMM", culture) + " – " + lastDay.ToString("ddd, d MMM yyyy", culture);
        }
        var text = from.ToString("ddd, d MMM yyyy HH:mm", culture);
        if (End is not { } to)
            return text;
        var until = to.In(zone);
        return text + " – " + until.ToString(until.Date == from.Date ? "HH:mm" : "ddd, d MMM yyyy HH:mm", culture);
    }

    /// <summary>Whether <paramref name="part"/> is an iCalendar object (RFC 5545 §8.1 <c>text/calendar</c>; <c>application/ics</c> as some clients label it).</summary>
    public static bool IsCalendarPart(MimePart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        return part.ContentType.IsMimeType("text", "calendar") || part.ContentType.IsMimeType("application", "ics");
    }

    /// <summary>The first calendar part of the message's leaf parts (an index into them) with its text, bounded; null when there is none or it is too big.</summary>
    public static (int Index, string Text)? FindPart(IReadOnlyList<MimePart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        for (var i = 0; i < parts.Count; i++)
        {
            if (!IsCalendarPart(parts[i]) || parts[i].Content is null)
                continue;
            var text = ReadBounded(parts[i]);
            return text is null ? null : (i, text);
        }
        return null;
    }

    /// <summary>The invite in the message's first calendar part; null when there is none or it is no REQUEST/CANCEL of an event.</summary>
    public static CalendarInvite? From(IReadOnlyList<MimePart> parts) => FindPart(parts) is { } found ? Parse(found.Text) : null;

    /// <summary>
    /// Reads an iCalendar object's METHOD and its event; null for anything that is not a REQUEST or CANCEL of a
    /// VEVENT with a UID, or that Ical.Net cannot read. Of a series with overrides, the master event (no RECURRENCE-ID) is shown.
    /// </summary>
    public static CalendarInvite? Parse(string text)
    {
        var calendar = Load(text);
        if (calendar is null)
            return null;
        var method = (calendar.Method ?? "").Trim().ToUpperInvariant() switch
        {
            "REQUEST" => InviteMethod.Request,
            "CANCEL" => InviteMethod.Cancel,
            _ => (InviteMethod?)null,
        };
        var ev = MainEvent(calendar);
        // Ical.Net makes up a UID for an event without one; a reply must carry the organizer's (RFC 5546 §3.2.3).
        if (method is null || ev is null || string.IsNullOrWhiteSpace(ev.Uid) || !UidLine().IsMatch(text))
            return null;
        var start = TimeOf(ev.DtStart);
        var end = TimeOf(ev.DtEnd);
        if (end is null && start is { } s && ev.Duration is { } duration && !s.IsDate)
            end = TimeOf(ev.DtStart!.Add(duration));
        return new CalendarInvite(
            method.Value,
            Cut(ev.Uid)!,
            ev.Sequence,
            Cut(ev.Summary) is { Length: > 0 } title ? title : "(no title)",
            start,
            end,
            Cut(ev.Location),
            ev.Organizer is { Value: { } organizer } ? new CalendarParty(Cut(Address(organizer))!, Cut(ev.Organizer.CommonName)) : null,
            ev.Attendees.Where(a => a.Value is not null).Take(MaxAttendees)
                .Select(a => new CalendarParty(Cut(Address(a.Value!))!, Cut(a.CommonName), a.ParticipationStatus)).ToList());
    }

    /// <summary>Parses iCalendar text with Ical.Net within <see cref="MaxBytes"/>; null when it is bigger or unreadable.</summary>
    internal static IcalCalendar? Load(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxBytes)
            return null;
        try
        {
            return IcalCalendar.Load(text);
        }
        // Hostile input reaches a third-party parser: whatever it throws on, the message shows without a card.
        catch (Exception e) when (e is SerializationException or FormatException or ArgumentException or InvalidOperationException
                                       or OverflowException or IndexOutOfRangeException or NullReferenceException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The event answered: the first VEVENT without RECURRENCE-ID, else the first.</summary>
    internal static CalendarEvent? MainEvent(IcalCalendar calendar) =>
        calendar.Events.FirstOrDefault(e => e.RecurrenceIdentifier is null) ?? calendar.Events.FirstOrDefault();

    /// <summary>A <c>mailto:</c> calendar address (RFC 5545 §3.3.3 CAL-ADDRESS) as a mail address.</summary>
    internal static string Address(Uri value)
    {
        var text = value.OriginalString.Trim();
        return text.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) ? Uri.UnescapeDataString(text[7..]) : text;
    }

    private static InviteTime? TimeOf(CalDateTime? time)
    {
        if (time is null)
            return null;
        if (!time.HasTime)
            return new InviteTime(time.Value, IsInstant: false, IsDate: true);
        if (time.IsFloating)
            return new InviteTime(time.Value, IsInstant: false, IsDate: false);
        try
        {
            return new InviteTime(time.AsUtc, IsInstant: true, IsDate: false);
        }
        catch (ArgumentException)
        {
            // A TZID no zone database knows (and no VTIMEZONE Ical.Net can use): shown as written.
            return new InviteTime(time.Value, IsInstant: false, IsDate: false);
        }
    }

    // A UID content line (RFC 5545 §3.8.4.7), unfolded or not: the name starts a line.
    [System.Text.RegularExpressions.GeneratedRegex(@"^UID[;:]", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex UidLine();

    private static string? Cut(string? value)
    {
        if (value is null)
            return null;
        var trimmed = value.Trim();
        return trimmed.Length <= MaxTextLength ? trimmed : trimmed[..MaxTextLength] + "…";
    }

    private static string? ReadBounded(MimePart part)
    {
        // Every transfer encoding decodes to at most as many bytes as it stores (base64 to 3/4), so the stored
        // size bounds the work before anything is decoded.
        var content = part.Content!;
        if (content.Stream is { CanSeek: true } && content.Stream.Length > MaxBytes * 2L)
            return null;
        using var decoded = new MemoryStream();
        content.DecodeTo(decoded);
        if (decoded.Length > MaxBytes)
            return null;
        var charset = part.ContentType.CharsetEncoding ?? System.Text.Encoding.UTF8;
        return charset.GetString(decoded.GetBuffer(), 0, (int)decoded.Length);
    }
}
