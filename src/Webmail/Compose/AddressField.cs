using MimeKit;
using Webmail.Core.Messages;

namespace Webmail.Compose;

/// <summary>The result of reading one address field: the addresses that parse and the entries that do not.</summary>
public sealed record ParsedAddresses(IReadOnlyList<MailboxAddress> Valid, IReadOnlyList<string> Invalid)
{
    public bool IsEmpty => Valid.Count == 0 && Invalid.Count == 0;
}

/// <summary>
/// Splits what a user typed into an address field (commas or semicolons, quoted names allowed)
/// and checks every entry, so invalid ones can be flagged before sending.
/// </summary>
public static class AddressField
{
    public static ParsedAddresses Parse(string? text)
    {
        var valid = new List<MailboxAddress>();
        var invalid = new List<string>();
        foreach (var entry in Split(text ?? ""))
        {
            if (HeaderGuard.IsSafe(entry) && MailboxAddress.TryParse(ParserOptions.Default, entry, out var mailbox)
                && AddressRules.TryNormalizeAddress(mailbox.Address, out _) && mailbox.Address.Trim() == mailbox.Address)
                valid.Add(new MailboxAddress(mailbox.Name, mailbox.Address));
            else
                invalid.Add(entry);
        }
        return new ParsedAddresses(valid, invalid);
    }

    /// <summary>Entries separated by ',' or ';' outside quoted strings, angle brackets and comments, trimmed, empty ones dropped.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        var entries = new List<string>();
        var start = 0;
        foreach (var separator in Separators(text).Append(text.Length))
        {
            var entry = text[start..separator].Trim();
            if (entry.Length > 0)
                entries.Add(entry);
            start = separator + 1;
        }
        return entries;
    }

    /// <summary>
    /// Where entries end: each ',' or ';' that separates addresses. RFC 5322 §3.2.4 and §3.2.2: a comma inside a quoted
    /// display name (<c>"Doe, Jane" &lt;jane@example.com&gt;</c>, with <c>\"</c> escapes), inside the angle brackets
    /// or inside a comment is part of the address, not a separator. (';' is accepted as a separator because people type it.)
    /// The browser applies the same rule as the user types (wwwroot/address-field.js); AddressFieldParityTests holds the two equal.
    /// </summary>
    public static IEnumerable<int> Separators(string text)
    {
        bool quoted = false, angled = false, escaped = false;
        var comment = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (escaped)
            {
                escaped = false;
                continue;
            }
            if (c == '\\' && (quoted || comment > 0))
                escaped = true;
            else if (c == '"' && comment == 0)
                quoted = !quoted;
            else if (quoted)
                continue;
            else if (c == '(')
                comment++;
            else if (c == ')' && comment > 0)
                comment--;
            else if (comment > 0)
                continue;
            else if (c == '<')
                angled = true;
            else if (c == '>')
                angled = false;
            else if ((c == ',' || c == ';') && !angled)
                yield return i;
        }
    }

    /// <summary>Where the entry being typed starts: after the last separator (<see cref="Separators"/>), else at 0.</summary>
    private static int LastEntryStart(string text) => Separators(text).Select(i => i + 1).LastOrDefault();

    /// <summary>The text after the last separator: what autocomplete completes, and what stays typed when the entries before it become chips.</summary>
    public static string LastEntry(string text) => text[LastEntryStart(text)..].TrimStart();

    /// <summary>Replaces the entry being typed with <paramref name="address"/> and leaves the field ready for the next one.</summary>
    public static string Complete(string text, string address)
    {
        var start = LastEntryStart(text);
        var head = start == 0 ? "" : text[..start] + " ";
        return head + address + ", ";
    }

    /// <summary>True when <paramref name="entry"/> is one address the composer can send to.</summary>
    public static bool IsValid(string entry) => Parse(entry) is { Invalid.Count: 0, Valid.Count: 1 };

    /// <summary>What a chip shows: the display name when there is one, else the entry as typed.</summary>
    public static string ChipLabel(string entry) =>
        MailboxAddress.TryParse(ParserOptions.Default, entry, out var mailbox) && !string.IsNullOrWhiteSpace(mailbox.Name) ? mailbox.Name : entry;

    /// <summary>The field's text from its chips and the entry still being typed: what a draft stores and Send reads.</summary>
    public static string Join(IEnumerable<string> chips, string typing)
    {
        var entries = chips.ToList();
        if (typing.Trim().Length > 0)
            entries.Add(typing.Trim());
        return string.Join(", ", entries);
    }
}
