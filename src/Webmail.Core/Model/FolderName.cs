using Webmail.Core.Storage;

namespace Webmail.Core.Model;

/// <summary>The rule for a user folder's name: 1 to 100 characters after trimming, no <c>/</c> (the path separator) and no control characters.</summary>
public static class FolderName
{
    /// <summary>The longest name allowed.</summary>
    public const int MaxLength = 100;

    /// <summary>The name as it is stored: trimmed.</summary>
    /// <exception cref="StoreException">The name is empty, too long, or contains <c>/</c> or a control character.</exception>
    public static string Validate(string? name)
    {
        name = (name ?? "").Trim();
        if (name.Length == 0 || name.Length > MaxLength)
            throw new StoreException($"A folder name needs 1 to {MaxLength} characters.");
        if (name.Any(char.IsControl) || name.Contains('/'))
            throw new StoreException("A folder name cannot contain '/' or control characters.");
        return name;
    }
}
