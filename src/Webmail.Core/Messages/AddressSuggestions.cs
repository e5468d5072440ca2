using MimeKit;

namespace Webmail.Core.Messages;

/// <summary>
/// Ranks the addresses an account has exchanged mail with for compose autocomplete: addresses that
/// start with the typed text before those that merely contain it, then the most frequent, then
/// alphabetical. Addresses are compared in lower case.
/// </summary>
public sealed class AddressSuggestions
{
    /// <summary>The most suggestions one call returns.</summary>
    public const int MaxLimit = 50;

    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Counts <paramref name="count"/> messages from <paramref name="address"/> (already lower case).</summary>
    public void AddSender(string address, int count) => _counts[address] = _counts.GetValueOrDefault(address) + count;

    /// <summary>Counts one message to each mailbox of an address list (To and Cc of a sent message); an unparsable list counts nothing.</summary>
    public void AddRecipients(string addressList)
    {
        if (!InternetAddressList.TryParse(addressList, out var list))
            return;
        foreach (var mailbox in list.Mailboxes)
        {
            var address = mailbox.Address.ToLowerInvariant();
            _counts[address] = _counts.GetValueOrDefault(address) + 1;
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> (1 to <see cref="MaxLimit"/>) addresses matching <paramref name="prefix"/>:
    /// every address when it is empty, otherwise those that start with it or contain it.
    /// </summary>
    public IReadOnlyList<string> Rank(string? prefix, int limit)
    {
        prefix = (prefix ?? "").Trim().ToLowerInvariant();
        return _counts.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal) || pair.Key.Contains(prefix, StringComparison.Ordinal) && prefix.Length > 0)
            .OrderByDescending(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal)).ThenByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Take(Math.Clamp(limit, 1, MaxLimit)).Select(pair => pair.Key).ToList();
    }
}
