using System.Globalization;
using System.Text;
using MimeKit;

namespace Webmail.Core.Messages;

/// <summary>
/// Ranks the addresses an account has exchanged mail with for compose autocomplete: entries whose address, display
/// name or a word of the name start with the typed text before those that merely contain it, then the most frequent,
/// then alphabetical. Matching folds case and accents in any script (<see cref="Fold"/>: "петр" finds "Пётр", "jose"
/// finds "José"); each suggestion reads <c>Name &lt;address&gt;</c> when a display name is known.
/// </summary>
public sealed class AddressSuggestions
{
    /// <summary>The most suggestions one call returns.</summary>
    public const int MaxLimit = 50;

    private readonly Dictionary<string, (int Count, string Name)> _entries = new(StringComparer.Ordinal);

    /// <summary>Counts <paramref name="count"/> messages from <paramref name="address"/> (already lower case), sent under <paramref name="name"/>.</summary>
    public void AddSender(string address, int count, string name = "") => Add(address, count, name);

    /// <summary>Counts one message to each mailbox of an address list (To and Cc of a sent message); an unparsable list counts nothing.</summary>
    public void AddRecipients(string addressList)
    {
        if (!InternetAddressList.TryParse(addressList, out var list))
            return;
        foreach (var mailbox in list.Mailboxes)
            Add(mailbox.Address.ToLowerInvariant(), 1, mailbox.Name ?? "");
    }

    private void Add(string address, int count, string name)
    {
        var known = _entries.GetValueOrDefault(address);
        _entries[address] = (known.Count + count, string.IsNullOrWhiteSpace(known.Name) ? name.Trim() : known.Name);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> (1 to <see cref="MaxLimit"/>) suggestions matching <paramref name="prefix"/>:
    /// every entry when it is empty, otherwise those whose address or name starts with it or contains it.
    /// </summary>
    public IReadOnlyList<string> Rank(string? prefix, int limit)
    {
        var typed = Fold(prefix ?? "");
        return _entries.Select(pair => (Address: pair.Key, pair.Value.Count, pair.Value.Name, Match: Match(pair.Key, pair.Value.Name, typed)))
            .Where(e => e.Match > 0)
            .OrderByDescending(e => e.Match).ThenByDescending(e => e.Count).ThenBy(e => e.Address, StringComparer.Ordinal)
            .Take(Math.Clamp(limit, 1, MaxLimit))
            .Select(e => string.IsNullOrEmpty(e.Name) || string.Equals(e.Name, e.Address, StringComparison.OrdinalIgnoreCase) ? e.Address : Format(e.Name, e.Address))
            .ToList();
    }

    /// <summary>
    /// <c>Name &lt;address&gt;</c> as a person reads and types it: the name bare unless RFC 5322 §3.2.3 specials in it
    /// need quotes (MimeKit quotes every non-ASCII name, which shows "Пётр Иванов" with quotes around it).
    /// </summary>
    public static string Format(string name, string address)
    {
        var needsQuotes = name.IndexOfAny(['(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '.', '"']) >= 0;
        return needsQuotes ? $"\"{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\" <{address}>" : $"{name} <{address}>";
    }

    /// <summary>2 when the address, the name or a word of it starts with <paramref name="typed"/>; 1 when one contains it; 0 otherwise.</summary>
    public static int Match(string address, string name, string typed)
    {
        if (typed.Length == 0)
            return 2;
        var foldedAddress = Fold(address);
        var foldedName = Fold(name);
        if (foldedAddress.StartsWith(typed, StringComparison.Ordinal) || foldedName.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(w => w.StartsWith(typed, StringComparison.Ordinal))
            || foldedName.StartsWith(typed, StringComparison.Ordinal))
            return 2;
        return foldedAddress.Contains(typed, StringComparison.Ordinal) || foldedName.Contains(typed, StringComparison.Ordinal) ? 1 : 0;
    }

    /// <summary>Text as matching compares it: trimmed, accents and other combining marks removed (Unicode NFD), lower case in any script.</summary>
    public static string Fold(string text)
    {
        var decomposed = text.Trim().Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString().Normalize(NormalizationForm.FormC);
    }
}
