namespace Webmail.Core.Accounts;

/// <summary>A passkey as its owner sees it in Settings: a name, when it was added and last used.</summary>
public sealed record Passkey(long Id, long AccountId, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>
/// What a sign-in needs to check an assertion: the stored public key and counter, the user handle
/// given at registration, and the account the passkey belongs to.
/// </summary>
public sealed record PasskeyCredential(long Id, long AccountId, string Address, bool AccountDisabled, string Name,
    byte[] CredentialId, byte[] PublicKey, uint SignCount, byte[] UserHandle);

/// <summary>A verified registration, ready to store.</summary>
public sealed record NewPasskey(byte[] CredentialId, byte[] PublicKey, uint SignCount, byte[] UserHandle, string Name);

/// <summary>
/// The WebAuthn relying party a ceremony runs for: <paramref name="Id"/> is the host the browser was
/// given (the RP ID), <paramref name="Origin"/> the page's origin (<c>scheme://host[:port]</c>) that
/// the browser's signed client data must name.
/// </summary>
public sealed record PasskeyRelyingParty(string Id, string Origin, string Name);
