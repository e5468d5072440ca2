using System.Text;
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

    /// <summary>Entries separated by ',' or ';' outside quotes and angle brackets, trimmed, empty ones dropped.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        var entries = new List<string>();
        var current = new StringBuilder();
        bool quoted = false, angled = false;
        foreach (var c in text)
        {
            if (c == '"')
                quoted = !quoted;
            else if (c == '<' && !quoted)
                angled = true;
            else if (c == '>' && !quoted)
                angled = false;
            if ((c == ',' || c == ';') && !quoted && !angled)
            {
                Flush();
                continue;
            }
            current.Append(c);
        }
        Flush();
        return entries;

        void Flush()
        {
            var entry = current.ToString().Trim();
            if (entry.Length > 0)
                entries.Add(entry);
            current.Clear();
        }
    }

    /// <summary>The text after the last separator: what autocomplete completes.</summary>
    public static string LastEntry(string text)
    {
        var cut = text.LastIndexOfAny([',', ';']);
        return (cut < 0 ? text : text[(cut + 1)..]).TrimStart();
    }

    /// <summary>Replaces the entry being typed with <paramref name="address"/> and leaves the field ready for the next one.</summary>
    public static string Complete(string text, string address)
    {
        var cut = text.LastIndexOfAny([',', ';']);
        var head = cut < 0 ? "" : text[..(cut + 1)] + " ";
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
