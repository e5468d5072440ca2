using System.Globalization;
using System.Text;

namespace Webmail.Core.Storage;

/// <summary>
/// A parsed search box: free words and "phrases" (full-text), plus the operators
/// <c>from:</c>, <c>to:</c>, <c>subject:</c>, <c>has:attachment</c>, <c>is:unread</c>,
/// <c>is:read</c>, <c>is:flagged</c>, <c>before:yyyy-mm-dd</c>, <c>after:yyyy-mm-dd</c>.
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

    public bool IsEmpty => Terms.Count == 0 && From.Count == 0 && To.Count == 0 && Subject.Count == 0
        && HasAttachment is null && IsUnread is null && IsFlagged is null && Before is null && After is null;

    /// <summary>Parses the search box text. Unknown operators are searched as words.</summary>
    public static SearchQuery Parse(string? text, long? folderId = null)
    {
        var terms = new List<string>();
        var from = new List<string>();
        var to = new List<string>();
        var subject = new List<string>();
        bool? hasAttachment = null, unread = null, flagged = null;
        DateTimeOffset? before = null, after = null;

        foreach (var token in Tokenize(text ?? ""))
        {
            var colon = token.Quoted ? -1 : token.Text.IndexOf(':');
            if (colon <= 0)
            {
                terms.Add(token.Text);
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
                case "before" when TryDate(value, out var b): before = b; break;
                case "after" when TryDate(value, out var a): after = a; break;
                default: terms.Add(token.Text); break;
            }
        }
        return new SearchQuery
        {
            FolderId = folderId, Terms = terms, From = from, To = to, Subject = subject,
            HasAttachment = hasAttachment, IsUnread = unread, IsFlagged = flagged, Before = before, After = after,
        };
    }

    private static bool TryDate(string value, out DateTimeOffset date)
    {
        var ok = DateTime.TryParseExact(value, ["yyyy-MM-dd", "yyyy/MM/dd", "yyyy-M-d"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d);
        date = ok ? new DateTimeOffset(d, TimeSpan.Zero) : default;
        return ok;
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
