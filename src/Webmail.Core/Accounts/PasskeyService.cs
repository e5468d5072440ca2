using System.Security.Cryptography;
using System.Text.Json;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Microsoft.Extensions.Logging;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Core.Accounts;

/// <summary>
/// Passkeys (WebAuthn Level 2, through the Fido2 library): registered in Settings, used as the second
/// step after the password or alone for a password-less sign-in. Every passkey is a discoverable
/// credential, so the browser can offer it before anyone types an address. The relying party is the
/// host the page was opened on (<see cref="PasskeyRelyingParty"/>), and the origin the browser signs
/// must be that page's; no attestation is asked for (a mail server has no list of approved
/// authenticators to check it against). Ceremony state (the challenge) is the caller's to keep and to
/// use once.
/// </summary>
public sealed class PasskeyService(IPasskeyStore store, TimeProvider time, ILogger<PasskeyService> logger)
{
    public const int MaxNameLength = 50;
    public const int MaxPerAccount = 20;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<IReadOnlyList<Passkey>> ListAsync(long accountId, CancellationToken cancellationToken) =>
        store.ListPasskeysAsync(accountId, cancellationToken);

    /// <summary>
    /// The options for <c>navigator.credentials.create</c>: a new challenge, the account's user handle
    /// (random, made with its first passkey), and its passkeys excluded so one authenticator is not registered twice.
    /// </summary>
    public async Task<CredentialCreateOptions> RegistrationOptionsAsync(Account account, PasskeyRelyingParty relyingParty, CancellationToken cancellationToken)
    {
        var handle = await store.GetPasskeyUserHandleAsync(account.Id, cancellationToken).ConfigureAwait(false) ?? RandomNumberGenerator.GetBytes(32);
        var existing = await store.ListPasskeyCredentialIdsAsync(account.Id, cancellationToken).ConfigureAwait(false);
        return Fido(relyingParty).RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = handle, Name = account.Address, DisplayName = account.DisplayName.Length > 0 ? account.DisplayName : account.Address },
            ExcludeCredentials = existing.Select(id => new PublicKeyCredentialDescriptor(id)).ToList(),
            // Discoverable, so it works password-less; verified (PIN, fingerprint), since it may be the only factor.
            AuthenticatorSelection = new AuthenticatorSelection { ResidentKey = ResidentKeyRequirement.Required, UserVerification = UserVerificationRequirement.Required },
            AttestationPreference = AttestationConveyancePreference.None,
        });
    }

    /// <summary>Checks the browser's answer to <paramref name="options"/> and stores the new passkey under <paramref name="name"/>.</summary>
    /// <param name="attestationJson">The <c>PublicKeyCredential</c> as JSON (WebAuthn's base64url encoding).</param>
    /// <exception cref="DirectoryException">The name is not acceptable, the answer does not verify, the passkey is already registered, or the account has <see cref="MaxPerAccount"/>.</exception>
    public async Task<Passkey> RegisterAsync(Account account, string name, CredentialCreateOptions options, string attestationJson, PasskeyRelyingParty relyingParty, CancellationToken cancellationToken)
    {
        name = CheckName(name);
        if (Parse<AuthenticatorAttestationRawResponse>(attestationJson) is not { } response)
            throw new DirectoryException("The browser's answer could not be read. Try again.");
        RegisteredPublicKeyCredential credential;
        try
        {
            credential = await Fido(relyingParty).MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = options,
                IsCredentialIdUniqueToUserCallback = async (args, ct) => await store.FindPasskeyAsync(args.CredentialId, ct).ConfigureAwait(false) is null,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Fido2VerificationException e)
        {
            logger.LogInformation("Passkey registration for {Account} refused: {Reason}", account.Address, e.Message);
            throw new DirectoryException("The passkey could not be verified, so it was not added. Try again.");
        }
        try
        {
            return await store.AddPasskeyAsync(account.Id, new NewPasskey(credential.Id, credential.PublicKey, credential.SignCount, options.User.Id, name), MaxPerAccount,
                new AuditRecord(account.Address, "passkey.add", account.Address, name), cancellationToken).ConfigureAwait(false)
                ?? throw new DirectoryException($"An account can have at most {MaxPerAccount} passkeys; remove one you no longer use.");
        }
        catch (StoreException e)
        {
            throw new DirectoryException(e.Message);
        }
    }

    /// <summary>
    /// The options for <c>navigator.credentials.get</c>. For the second step of a sign-in
    /// (<paramref name="accountId"/> given) only that account's passkeys are allowed and the password
    /// is the other factor; password-less (null) the browser offers any passkey it holds for this
    /// site, and the user must be verified on the device, as the passkey is then both factors.
    /// </summary>
    public async Task<AssertionOptions> AssertionOptionsAsync(long? accountId, PasskeyRelyingParty relyingParty, CancellationToken cancellationToken)
    {
        var allowed = accountId is { } id
            ? (await store.ListPasskeyCredentialIdsAsync(id, cancellationToken).ConfigureAwait(false)).Select(c => new PublicKeyCredentialDescriptor(c)).ToList()
            : [];
        return Fido(relyingParty).GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = allowed,
            UserVerification = accountId is null ? UserVerificationRequirement.Required : UserVerificationRequirement.Preferred,
        });
    }

    /// <summary>The browser's assertion (<c>PublicKeyCredential</c> as JSON), or null when it is not one.</summary>
    public static AuthenticatorAssertionRawResponse? ParseAssertion(string json) => Parse<AuthenticatorAssertionRawResponse>(json);

    /// <summary>The stored passkey the assertion names (by credential id), whichever account it belongs to.</summary>
    public Task<PasskeyCredential?> FindAsync(AuthenticatorAssertionRawResponse assertion, CancellationToken cancellationToken) =>
        assertion.RawId is { Length: > 0 } id ? store.FindPasskeyAsync(id, cancellationToken) : Task.FromResult<PasskeyCredential?>(null);

    /// <summary>
    /// True when <paramref name="assertion"/> answers <paramref name="options"/> with <paramref name="credential"/>:
    /// the challenge, origin and RP ID are this ceremony's, the signature verifies with the stored key,
    /// the user handle is the passkey's, and the signature counter went up (or the authenticator keeps
    /// none). The use is then recorded; a counter that went down or stayed put means a cloned
    /// authenticator or a replay, and is refused.
    /// </summary>
    public async Task<bool> VerifyAsync(PasskeyCredential credential, AssertionOptions options, AuthenticatorAssertionRawResponse assertion, PasskeyRelyingParty relyingParty, CancellationToken cancellationToken)
    {
        if (options.AllowCredentials is { Count: > 0 } allowed && !allowed.Any(d => d.Id.AsSpan().SequenceEqual(credential.CredentialId)))
            return false;
        // WebAuthn §7.2 step 6: without an allow list (password-less) the response must name its user.
        if (options.AllowCredentials is not { Count: > 0 } && assertion.Response?.UserHandle is not { Length: > 0 })
            return false;
        try
        {
            var result = await Fido(relyingParty).MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = assertion,
                OriginalOptions = options,
                StoredPublicKey = credential.PublicKey,
                StoredSignatureCounter = credential.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (args, _) => Task.FromResult(args.UserHandle.AsSpan().SequenceEqual(credential.UserHandle)),
            }, cancellationToken).ConfigureAwait(false);
            return await store.RecordPasskeyUseAsync(credential.Id, credential.SignCount, result.SignCount, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (Fido2VerificationException e)
        {
            logger.LogInformation("Passkey {PasskeyId} of {Account} refused: {Reason}", credential.Id, credential.Address, e.Message);
            return false;
        }
    }

    public async Task RenameAsync(long accountId, string actor, Passkey passkey, string name, CancellationToken cancellationToken)
    {
        name = CheckName(name);
        if (!await store.RenamePasskeyAsync(accountId, passkey.Id, name, new AuditRecord(actor, "passkey.rename", actor, $"{passkey.Name} → {name}"), cancellationToken).ConfigureAwait(false))
            throw new DirectoryException("That passkey is no longer registered.");
    }

    public async Task RemoveAsync(long accountId, string actor, Passkey passkey, CancellationToken cancellationToken)
    {
        if (!await store.RemovePasskeyAsync(accountId, passkey.Id, new AuditRecord(actor, "passkey.remove", actor, passkey.Name), cancellationToken).ConfigureAwait(false))
            throw new DirectoryException("That passkey is already removed.");
    }

    /// <summary>An admin's reset of the account's second factor: removes all its passkeys (audited as <c>passkey.reset</c> when there were any); the count.</summary>
    public Task<int> ResetAsync(long accountId, string address, string actor, CancellationToken cancellationToken) =>
        store.RemoveAllPasskeysAsync(accountId, new AuditRecord(actor, "passkey.reset", address), cancellationToken);

    private static string CheckName(string name)
    {
        name = (name ?? "").Trim();
        if (name.Length == 0)
            throw new DirectoryException("Give the passkey a name, such as the device or password manager that keeps it.");
        if (name.Length > MaxNameLength)
            throw new DirectoryException($"The name must be at most {MaxNameLength} characters long.");
        if (name.Any(char.IsControl))
            throw new DirectoryException("The name must not contain control characters.");
        return name;
    }

    private static T? Parse<T>(string json) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json ?? "", Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Fido2 Fido(PasskeyRelyingParty relyingParty) => new(new Fido2Configuration
    {
        RPID = relyingParty.Id,
        RPName = relyingParty.Name,
        Origins = new HashSet<string>(StringComparer.Ordinal) { relyingParty.Origin },
    }, metadataService: null);
}
