using System.Security.Cryptography;
using System.Text;
using Webmail.Core.Storage;

namespace Webmail.Core.Accounts;

/// <summary>
/// Tokens for the admin API: made by an admin on the admin page, shown once, read-only or read-write,
/// revocable. The secret is <c>wm_</c> and 40 random base32 letters (200 bits); being random rather than
/// chosen, it is stored as a SHA-256 and found by that hash, with no slow KDF. A token acts as the admin
/// who made it, and only while that account is an enabled admin.
/// </summary>
public sealed class ApiTokenService(IApiTokenStore store)
{
    public const int MaxNameLength = 50;
    public const int MaxPerAccount = 20;
    public const string Prefix = "wm_";
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private const int SecretLetters = 40;

    /// <summary>How often a token's "last used" is written at most (per token, unless the address changes).</summary>
    public static readonly TimeSpan UseRecordInterval = TimeSpan.FromMinutes(1);

    public Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken) => store.ListApiTokensAsync(cancellationToken);

    /// <summary>Makes a token for the admin <paramref name="ownerAddress"/>; returns it and its secret, shown once and never again.</summary>
    /// <exception cref="DirectoryException">The name is empty, too long or has control characters, or the admin has too many tokens.</exception>
    public async Task<(ApiToken Token, string Secret)> CreateAsync(long ownerId, string ownerAddress, string actor, string name, ApiTokenScope scope, CancellationToken cancellationToken)
    {
        name = (name ?? "").Trim();
        if (name.Length == 0)
            throw new DirectoryException("Give the token a name, such as the script or system that uses it.", "name");
        if (name.Length > MaxNameLength)
            throw new DirectoryException($"The name must be at most {MaxNameLength} characters long.", "name");
        if (name.Any(char.IsControl))
            throw new DirectoryException("The name must not contain control characters.", "name");
        if (!Enum.IsDefined(scope))
            throw new DirectoryException("Choose read-only or read-write.", "scope");
        var secret = Prefix + RandomNumberGenerator.GetString(Alphabet, SecretLetters);
        var token = await store.AddApiTokenAsync(ownerId, name, Hash(secret)!, scope, MaxPerAccount,
            new AuditRecord(actor, "apitoken.add", ownerAddress, $"{name} ({Describe(scope)})"), cancellationToken).ConfigureAwait(false)
            ?? throw new DirectoryException($"An admin can have at most {MaxPerAccount} API tokens; revoke one that is no longer used.");
        return (token, secret);
    }

    /// <exception cref="DirectoryException">The token is already revoked.</exception>
    public async Task RevokeAsync(ApiToken token, string actor, CancellationToken cancellationToken)
    {
        if (!await store.RemoveApiTokenAsync(token.Id, new AuditRecord(actor, "apitoken.revoke", token.Owner, token.Name), cancellationToken).ConfigureAwait(false))
            throw new DirectoryException($"The token \"{token.Name}\" is already revoked.");
    }

    /// <summary>The token <paramref name="presented"/> is, while its owner is an enabled admin; null otherwise (also for anything not shaped like a token).</summary>
    public async Task<ApiToken?> FindAsync(string presented, CancellationToken cancellationToken) =>
        Hash(presented) is { } hash ? await store.FindApiTokenAsync(hash, cancellationToken).ConfigureAwait(false) : null;

    /// <summary>Records a use for the admin page's "last used", at most once per <see cref="UseRecordInterval"/> from one address.</summary>
    public Task RecordUseAsync(ApiToken token, DateTimeOffset at, string? remoteIp, CancellationToken cancellationToken) =>
        token.LastUsedAt is { } last && at - last < UseRecordInterval && token.LastIp == remoteIp
            ? Task.CompletedTask
            : store.RecordApiTokenUseAsync(token.Id, at, remoteIp, cancellationToken);

    /// <summary>The audit actor of the token's actions: its owner, naming the token ("root@example.org (API token deploy)").</summary>
    public static string ActorOf(ApiToken token) => $"{token.Owner} (API token {token.Name})";

    public static string Describe(ApiTokenScope scope) => scope == ApiTokenScope.ReadWrite ? "read-write" : "read-only";

    /// <summary>The SHA-256 (hex) of the token, or null when <paramref name="presented"/> is not shaped like one.</summary>
    private static string? Hash(string presented) =>
        presented.Length == Prefix.Length + SecretLetters && presented.StartsWith(Prefix, StringComparison.Ordinal) && presented.AsSpan(Prefix.Length).IndexOfAnyExcept(Alphabet) < 0
            ? Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(presented)))
            : null;
}
