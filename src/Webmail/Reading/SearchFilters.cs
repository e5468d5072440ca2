using System.Globalization;
using System.Text;

namespace Webmail.Reading;

/// <summary>
/// The search options panel's fields, written into the search box as the operators
/// <see cref="Core.Storage.SearchQuery"/> reads, so the box stays the one record of a search and the panel
/// only helps to write it.
/// </summary>
public sealed class SearchFilters
{
    public string Words { get; set; } = "";
    public string From { get; set; } = "";
    public string To { get; set; } = "";
    public string Subject { get; set; } = "";
    public bool HasAttachment { get; set; }
    public bool UnreadOnly { get; set; }
    public DateTime? After { get; set; }
    public DateTime? Before { get; set; }

    /// <summary>A folder's name (<c>in:</c>), or null for every folder.</summary>
    public string? Folder { get; set; }

    public string ToSearchText()
    {
        var text = new StringBuilder(Words.Trim());
        Operator("from", From);
        Operator("to", To);
        Operator("subject", Subject);
        Operator("in", Folder);
        if (HasAttachment)
            Append("has:attachment");
        if (UnreadOnly)
            Append("is:unread");
        if (After is { } after)
            Append("after:" + after.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (Before is { } before)
            Append("before:" + before.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        return text.ToString();

        void Operator(string name, string? value)
        {
            // A value with spaces is quoted; quotes inside it cannot be written and are dropped.
            var clean = (value ?? "").Replace("\"", "", StringComparison.Ordinal).Trim();
            if (clean.Length > 0)
                Append(name + ":" + (clean.Any(char.IsWhiteSpace) ? "\"" + clean + "\"" : clean));
        }

        void Append(string part)
        {
            if (text.Length > 0)
                text.Append(' ');
            text.Append(part);
        }
    }
}
