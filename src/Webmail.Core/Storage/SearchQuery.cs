using System.Globalization;
using System.Text;

namespace Webmail.Core.Storage;

/// <summary>
/// A parsed search box: free words and "phrases" (full-text), plus the operators
/// <c>from:</c>, <c>to:</c>, <c>subject:</c>, <c>has:attachment</c>, <c>is:unread</c>,
/// <c>is:read</c>, <c>is:flagged</c>, <c>before:yyyy-mm-dd</c>, <c>after:yyyy-mm-dd</c>, <c>in:folder</c>.
/// The last free word, unquoted and not followed by a space, is a prefix (<c>invo</c> finds "invoice"):
/// the box searches as the user types.
/// </summary>
public sealed record SearchQuery
{
    public long? FolderId { get; init; }
    public IReadOnlyList<string> Terms { get; init; } = [];
    public IReadOnlyList<string> From { get; init; } = [];
    public IReadOnlyList<string> To { get; init; } = [];
    public IReadOnlyList<string> Subject { get; init; } = [];
    public bool? HasAttachment { get; init; }
    public bool? IsUnread { get; init; }
    public bool? IsFlagged { get; init; }
    public DateTimeOffset? Before { get; init; }
    public DateTimeOffset? After { get; init; }

    /// <summary>The last of <see cref="Terms"/> is matched as a word prefix (it was still being typed).</summary>
    public bool LastTermIsPrefix { get; init; }

    /// <summary>The folder named by <c>in:</c> (the caller resolves it to <see cref="FolderId"/>); null when none.</summary>
    public string? FolderName { get; init; }

    /// <summary>Longest search text parsed; the rest is ignored (the box is user input, bounded before it reaches the index).</summary>
    public const int MaxLength = 500;

    public bool IsEmpty => Terms.Count == 0 && From.Count == 0 && To.Count == 0 && Subject.Count == 0
        && HasAttachment is null && IsUnread is null && IsFlagged is null && Before is null && After is null && FolderName is null;

    /// <summary>Parses the search box text. Unknown operators are searched as words.</summary>
    /// <param name="zone">The user's time zone: <c>before:</c> and <c>after:</c> days start at its midnight (UTC when null).</param>
    public static SearchQuery Parse(string? text, long? folderId = null, TimeZoneInfo? zone = null)
    {
        text ??= "";
        if (text.Length > MaxLength)
            text = text[..MaxLength];
        zone ??= TimeZoneInfo.Utc;
        var lastIsPrefix = false;
        string? folderName = null;
        var terms = new List<string>();
        var from = new List<string>();
        var to = new List<string>();
        var subject = new List<string>();
        bool? hasAttachment = null, unread = null, flagged = null;
        DateTimeOffset? before = null, after = null;

        var endsInSpace = text.Length == 0 || char.IsWhiteSpace(text[^1]) || text[^1] == '"';
        foreach (var token in Tokenize(text))
        {
            lastIsPrefix = false;
            var colon = token.Quoted ? -1 : token.Text.IndexOf(':');
            if (colon <= 0)
            {
                terms.Add(token.Text);
                lastIsPrefix = !token.Quoted && !endsInSpace;
                continue;
            }
            var key = token.Text[..colon].ToLowerInvariant();
            var value = token.Text[(colon + 1)..].Trim('"');
            switch (key)
            {
                case "from" when value.Length > 0: from.Add(value); break;
                case "to" when value.Length > 0: to.Add(value); break;
                case "subject" when value.Length > 0: subject.Add(value); break;
                case "has" when value.Equals("attachment", StringComparison.OrdinalIgnoreCase): hasAttachment = true; break;
                case "is" when value.Equals("unread", StringComparison.OrdinalIgnoreCase): unread = true; break;
                case "is" when value.Equals("read", StringComparison.OrdinalIgnoreCase): unread = false; break;
                case "is" when value.Equals("flagged", StringComparison.OrdinalIgnoreCase) || value.Equals("starred", StringComparison.OrdinalIgnoreCase): flagged = true; break;
                case "before" when TryDate(value, zone, out var b): before = b; break;
                case "after" when TryDate(value, zone, out var a): after = a; break;
                case "in" when value.Length > 0: folderName = value; break;
                default: terms.Add(token.Text); break;
            }
        }
        return new SearchQuery
        {
            FolderId = folderId, Terms = terms, From = from, To = to, Subject = subject,
            HasAttachment = hasAttachment, IsUnread = unread, IsFlagged = flagged, Before = before, After = after,
            LastTermIsPrefix = lastIsPrefix, FolderName = folderName,
        };
    }

    /// <summary>A day as the instant it starts in <paramref name="zone"/> (the user's midnight, not the server's).</summary>
    private static bool TryDate(string value, TimeZoneInfo zone, out DateTimeOffset date)
    {
        var ok = DateTime.TryParseExact(value, ["yyyy-MM-dd", "yyyy/MM/dd", "yyyy-M-d"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d);
        date = ok ? StartOfDay(DateTime.SpecifyKind(d.Date, DateTimeKind.Unspecified), zone) : default;
        return ok;
    }

    private static DateTimeOffset StartOfDay(DateTime day, TimeZoneInfo zone)
    {
        // A midnight skipped by a daylight-saving jump (some zones change at 00:00) starts the day an hour later.
        while (zone.IsInvalidTime(day))
            day = day.AddMinutes(30);
        return new DateTimeOffset(day, zone.GetUtcOffset(day));
    }

    private static IEnumerable<(string Text, bool Quoted)> Tokenize(string text)
    {
        var current = new StringBuilder();
        var inQuotes = false;
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                inQuotes = !inQuotes;
                if (current.Length == 0)
                    quoted = true;
                else
                    current.Append(c);
                continue;
            }
            if (char.IsWhiteSpace(c) && !inQuotes)
            {
                if (current.Length > 0)
                    yield return (current.ToString().Trim('"'), quoted);
                current.Clear();
                quoted = false;
                continue;
            }
            current.Append(c);
        }
        if (current.Length > 0)
            yield return (current.ToString().Trim('"'), quoted);
    }
}
