using Webmail.Core.Storage;

namespace Webmail.Core.Model;

/// <summary>
/// A message's keywords (RFC 9051 §2.3.2: flags without a backslash, such as <c>$Forwarded</c> or
/// <c>$Junk</c>) as stored: space-separated, each once (compared without case, kept as first spelt).
/// </summary>
public static class Keywords
{
    /// <summary>At most this many keywords on one message; a STORE beyond it is refused.</summary>
    public const int MaxPerMessage = 64;

    /// <summary>The longest keyword accepted.</summary>
    public const int MaxLength = 128;

    /// <summary>The keywords of a stored value.</summary>
    public static IReadOnlyList<string> Parse(string stored) =>
        stored.Length == 0 ? [] : stored.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Adds, removes or replaces keywords and returns the stored value.</summary>
    /// <exception cref="StoreException">More than <see cref="MaxPerMessage"/> keywords would result.</exception>
    public static string Apply(string stored, FlagChangeMode mode, IReadOnlyCollection<string> change)
    {
        var result = mode == FlagChangeMode.Replace ? [] : Parse(stored).ToList();
        foreach (var keyword in change)
        {
            var at = result.FindIndex(k => k.Equals(keyword, StringComparison.OrdinalIgnoreCase));
            if (mode == FlagChangeMode.Remove)
            {
                if (at >= 0)
                    result.RemoveAt(at);
            }
            else if (at < 0)
            {
                result.Add(keyword);
            }
        }
        if (result.Count > MaxPerMessage)
            throw new StoreException($"A message can have at most {MaxPerMessage} keywords.");
        return string.Join(' ', result);
    }
}
