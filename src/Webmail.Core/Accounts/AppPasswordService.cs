using System.Security.Cryptography;
using System.Text;
using Webmail.Core.Storage;

namespace Webmail.Core.Accounts;

/// <summary>
/// App passwords: one per mail program ("Phone", "Thunderbird"), optionally limited to protocols,
/// shown once and revocable one by one. The secret is 16 random letters (about 75 bits), written
/// in four groups of four; being random rather than chosen, it is stored as a SHA-256 and found by
/// that hash, with no slow KDF (which guards chosen passwords against guessing), so a revoked one
/// is refused at the next login.
/// </summary>
public sealed class AppPasswordService(IAppPasswordStore store)
{
    public const int MaxNameLength = 50;
    public const int MaxPerAccount = 50;
    private const int SecretLetters = 16;

    public Task<IReadOnlyList<AppPassword>> ListAsync(long accountId, CancellationToken cancellationToken) =>
        store.ListAppPasswordsAsync(accountId, cancellationToken);

    /// <summary>Creates an app password; returns it and its secret, which is shown once and never again.</summary>
    public async Task<(AppPassword Password, string Secret)> CreateAsync(long accountId, string actor, string name, AppPasswordProtocols protocols, CancellationToken cancellationToken)
    {
        name = (name ?? "").Trim();
        if (name.Length == 0)
            throw new DirectoryException("Give the app password a name, such as the program or device it is for.");
        if (name.Length > MaxNameLength)
            throw new DirectoryException($"The name must be at most {MaxNameLength} characters long.");
        if (name.Any(char.IsControl))
            throw new DirectoryException("The name must not contain control characters.");
        protocols &= AppPasswordProtocols.All;
        if (protocols == AppPasswordProtocols.None)
            throw new DirectoryException("Choose at least one of IMAP, POP3 and SMTP.");
        var secret = string.Join(' ', RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz", SecretLetters).Chunk(4).Select(c => new string(c)));
        var created = await store.AddAppPasswordAsync(accountId, name, Hash(secret)!, protocols, MaxPerAccount,
            new AuditRecord(actor, "apppassword.add", actor, $"{name} ({protocols})"), cancellationToken).ConfigureAwait(false)
            ?? throw new DirectoryException($"An account can have at most {MaxPerAccount} app passwords; revoke one you no longer use.");
        return (created, secret);
    }

    public async Task RevokeAsync(long accountId, string actor, AppPassword password, CancellationToken cancellationToken)
    {
        if (!await store.RemoveAppPasswordAsync(accountId, password.Id, new AuditRecord(actor, "apppassword.revoke", actor, password.Name), cancellationToken).ConfigureAwait(false))
            throw new DirectoryException("That app password is already revoked.");
    }

    /// <summary>
    /// The account the app password belongs to when <paramref name="typed"/> is one (spaces and case
    /// do not matter) and it may be used for <paramref name="protocol"/>; null otherwise.
    /// </summary>
    public async Task<(AppPassword Password, string Address)?> FindAsync(string typed, AppPasswordProtocols protocol, CancellationToken cancellationToken)
    {
        if (Hash(typed) is not { } hash || await store.FindAppPasswordAsync(hash, cancellationToken).ConfigureAwait(false) is not { } found)
            return null;
        return found.Password.Protocols.HasFlag(protocol) ? found : null;
    }

    public Task RecordUseAsync(AppPassword password, DateTimeOffset at, string? remoteIp, CancellationToken cancellationToken) =>
        store.RecordAppPasswordUseAsync(password.Id, at, remoteIp, cancellationToken);

    /// <summary>The SHA-256 (hex) of the 16 letters, or null when <paramref name="typed"/> is not shaped like an app password.</summary>
    private static string? Hash(string typed)
    {
        var letters = typed.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        return letters.Length == SecretLetters && letters.All(char.IsAsciiLetterLower)
            ? Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(letters)))
            : null;
    }
}
