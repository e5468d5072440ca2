using Webmail.Core.Messages;
using Webmail.Core.Nodes;
using Webmail.Core.Storage;

namespace Webmail.Core.Accounts;

/// <summary>
/// An account's always-allow and always-block lists of senders: what may be put on them (Settings → Senders), and
/// which entry a message's senders match at delivery (the pipeline asks <see cref="Match"/>). An entry is an address
/// or a domain; a domain covers its subdomains. The most specific entry wins (an address over a domain, a longer
/// domain over a shorter one), so "allow friend@example.com, block example.com" does what it says.
/// </summary>
public sealed class SenderListService(ISenderListStore store, INodeSignals nodes, TimeProvider time) : IDisposable
{
    public const int MaxEntries = 500;
    public const int MaxPatternLength = 254;

    // Every delivery to the account reads its lists; they change when the person edits them here.
    private readonly AccountCache<IReadOnlyList<SenderListEntry>> _lists = new("senders", nodes, time);

    public Task<IReadOnlyList<SenderListEntry>> ListAsync(long accountId, CancellationToken cancellationToken) =>
        _lists.GetAsync(accountId, ct => store.ListSenderEntriesAsync(accountId, ct), cancellationToken);

    /// <summary>Puts <paramref name="text"/> on the <paramref name="kind"/> list (moving it from the other one if it was there).</summary>
    /// <exception cref="DirectoryException">Not an address or domain, or the lists are full; the message says which.</exception>
    public async Task<SenderListEntry> AddAsync(long accountId, SenderListKind kind, string text, CancellationToken cancellationToken)
    {
        var pattern = Normalize(text) ?? throw new DirectoryException("Enter an address such as friend@example.com or a domain such as example.com.");
        var entry = await store.PutSenderEntryAsync(accountId, kind, pattern, MaxEntries, cancellationToken).ConfigureAwait(false)
            ?? throw new DirectoryException($"The lists hold at most {MaxEntries} entries together; remove some you no longer need.");
        _lists.Changed(accountId);
        return entry;
    }

    /// <exception cref="DirectoryException">The entry is not the account's, or already gone.</exception>
    public async Task RemoveAsync(long accountId, long entryId, CancellationToken cancellationToken)
    {
        if (!await store.RemoveSenderEntryAsync(accountId, entryId, cancellationToken).ConfigureAwait(false))
            throw new DirectoryException("That entry is no longer on the list.");
        _lists.Changed(accountId);
    }

    public void Dispose() => _lists.Dispose();

    /// <summary>
    /// The lower-case address or domain <paramref name="text"/> stands for (a leading <c>@</c> or <c>*.</c> on a domain
    /// is dropped), or null when it is neither.
    /// </summary>
    public static string? Normalize(string? text)
    {
        var value = (text ?? "").Trim().ToLowerInvariant();
        if (value.StartsWith("*.", StringComparison.Ordinal))
            value = value[2..];
        else if (value.StartsWith('@'))
            value = value[1..];
        value = value.TrimEnd('.');
        if (value.Length is 0 or > MaxPatternLength || value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            return null;
        if (value.Contains('@'))
            return AddressRules.TryNormalizeAddress(value, out var address) ? address.ToLowerInvariant() : null;
        return IsDomain(value) ? value : null;
    }

    private static bool IsDomain(string value)
    {
        var labels = value.Split('.');
        return labels.Length >= 2 && labels.All(l => l.Length is > 0 and <= 63 && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && l[0] != '-' && l[^1] != '-')
            && !labels[^1].All(char.IsAsciiDigit);
    }

    /// <summary>
    /// The list the most specific matching entry is on, or null when none matches any of <paramref name="senders"/>
    /// (addresses, lower case). With equally specific entries on both lists, block wins.
    /// </summary>
    public static SenderListKind? Match(IReadOnlyList<SenderListEntry> entries, IEnumerable<string> senders)
    {
        SenderListKind? best = null;
        var bestRank = -1;
        foreach (var sender in senders)
        {
            var at = sender.LastIndexOf('@');
            if (at <= 0)
                continue;
            var address = sender.ToLowerInvariant();
            var domain = address[(at + 1)..];
            foreach (var entry in entries)
            {
                // An address entry ranks above every domain entry; a domain entry by its length.
                var rank = entry.IsDomain
                    ? domain == entry.Pattern || domain.EndsWith("." + entry.Pattern, StringComparison.Ordinal) ? entry.Pattern.Length : -1
                    : address == entry.Pattern ? MaxPatternLength + 1 : -1;
                if (rank > bestRank || (rank == bestRank && rank >= 0 && entry.Kind == SenderListKind.Block))
                {
                    bestRank = rank;
                    best = entry.Kind;
                }
            }
        }
        return best;
    }
}
