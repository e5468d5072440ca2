using System.Security.Cryptography;
using System.Text;
using OtpNet;
using Webmail.Core.Storage;

namespace Webmail.Core.Accounts;

/// <summary>
/// Two-factor sign-in with a TOTP authenticator app (RFC 6238: SHA-1, 6 digits, 30-second steps,
/// one step of clock drift either way) and ten one-time recovery codes. A code is accepted at most
/// once: the store keeps the last step taken and takes only later ones, so a code seen over a
/// shoulder or in a log cannot be replayed. Recovery codes are random, so they are stored as SHA-256.
/// Enrolment is two steps: <see cref="NewSecret"/> shows a key, and <see cref="EnableAsync"/> turns
/// two factors on only once a code from it is right, so nobody is locked out by a mistyped key.
/// </summary>
public sealed class TwoFactorService(ITwoFactorStore store, TimeProvider time)
{
    public const int RecoveryCodeCount = 10;
    private const string RecoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    /// <summary>True when <paramref name="requirement"/> (the admin's policy) says <paramref name="account"/> must use two factors.</summary>
    public static bool IsRequired(Model.Account account, Configuration.TwoFactorRequirement requirement) =>
        requirement == Configuration.TwoFactorRequirement.Everyone || (requirement == Configuration.TwoFactorRequirement.Admins && account.IsAdmin);

    /// <summary>A new 160-bit key, Base32 as authenticator apps take it.</summary>
    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));

    /// <summary>The <c>otpauth://</c> URI a QR code carries (Google Authenticator's key URI format).</summary>
    public static string KeyUri(string issuer, string address, string secret) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(address)}?secret={secret}&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits=6&period=30";

    /// <summary>Turns two factors on when <paramref name="code"/> comes from <paramref name="secret"/>; returns the recovery codes, shown once.</summary>
    public async Task<IReadOnlyList<string>> EnableAsync(long accountId, string actor, string secret, string code, CancellationToken cancellationToken)
    {
        if (MatchingStep(secret, code) is not { } step)
            throw new DirectoryException("That code is not right. Check the time on the device and type the code it shows now.");
        var codes = Enumerable.Range(0, RecoveryCodeCount)
            .Select(_ => RandomNumberGenerator.GetString(RecoveryAlphabet, 10).Insert(5, "-")).ToList();
        await store.EnableTwoFactorAsync(accountId, secret, step, codes.Select(HashRecoveryCode).ToList(),
            new AuditRecord(actor, "twofactor.enable", actor), cancellationToken).ConfigureAwait(false);
        return codes;
    }

    /// <summary>Turns two factors off: by the user (<paramref name="action"/> <c>twofactor.disable</c>) or reset by an admin (<c>twofactor.reset</c>).</summary>
    public async Task DisableAsync(long accountId, string address, string actor, string action, CancellationToken cancellationToken)
    {
        if (!await store.DisableTwoFactorAsync(accountId, new AuditRecord(actor, action, address), cancellationToken).ConfigureAwait(false))
            throw new DirectoryException($"Two-factor sign-in is not on for {address}.");
    }

    /// <summary>True when <paramref name="code"/> is the authenticator's current code (not used before) or an unused recovery code; either is then used up.</summary>
    public async Task<bool> VerifyAsync(long accountId, string code, CancellationToken cancellationToken)
    {
        code = (code ?? "").Trim();
        if (code.Length == 6 && code.All(char.IsAsciiDigit))
        {
            return await store.GetTotpSecretAsync(accountId, cancellationToken).ConfigureAwait(false) is { } secret
                && MatchingStep(secret, code) is { } step
                && await store.TryTakeTotpStepAsync(accountId, step, cancellationToken).ConfigureAwait(false);
        }
        return code.Length is > 0 and <= 32
            && await store.TryUseRecoveryCodeAsync(accountId, HashRecoveryCode(code), time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    public Task<int> RecoveryCodesLeftAsync(long accountId, CancellationToken cancellationToken) =>
        store.CountUnusedRecoveryCodesAsync(accountId, cancellationToken);

    /// <summary>The time step whose code <paramref name="code"/> is, within one step either way of now.</summary>
    private long? MatchingStep(string secret, string code)
    {
        code = (code ?? "").Trim().Replace(" ", "", StringComparison.Ordinal);
        if (code.Length != 6 || !code.All(char.IsAsciiDigit))
            return null;
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        return totp.VerifyTotp(time.GetUtcNow().UtcDateTime, code, out var step, VerificationWindow.RfcSpecifiedNetworkDelay) ? step : null;
    }

    /// <summary>Case, spaces and the dash do not matter when a recovery code is typed.</summary>
    private static string HashRecoveryCode(string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(new string(code.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray()))));
}
