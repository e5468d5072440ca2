using System.Security.Cryptography;
using System.Text;
using Webmail.Core.Storage;

namespace Webmail.Mail.Filters;

/// <summary>
/// The Sender Rewriting Scheme for forwarded mail: a redirect from one of our accounts keeps the original sender
/// in an address of our own domain, <c>SRS0=HHHH=TT=domain=local@ours</c>, so the receiver's SPF check (RFC 7208)
/// sees our domain, which may send from our hosts. <c>HHHH</c> is the start of an HMAC-SHA1 over the timestamp and
/// the original address under a secret kept in the server state (made on first use); <c>TT</c> is the day number
/// modulo 1024 in base 32, as libsrs2 and Postfix's postsrsd write them, so a later reverse path can check both.
/// </summary>
public sealed class SrsRewriter(IServerStateStore state, TimeProvider time)
{
    /// <summary>Where the secret is kept in <c>server_settings</c>.</summary>
    public const string SecretKey = "srs.secret";

    /// <summary>How long a rewritten address is honoured on the way back: libsrs2's and postsrsd's default.</summary>
    public const int MaxAgeDays = 21;

    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private byte[]? _secret;

    /// <summary>
    /// <paramref name="sender"/> rewritten into <paramref name="ourDomain"/>. The null sender stays null (RFC 5321
    /// §4.5.5: nothing may answer it); an address without a domain is kept as it is.
    /// </summary>
    public async Task<string> ForwardAsync(string sender, string ourDomain, CancellationToken cancellationToken)
    {
        var at = sender.LastIndexOf('@');
        if (sender.Length == 0 || at <= 0 || at == sender.Length - 1)
            return sender;
        var secret = await SecretAsync(cancellationToken).ConfigureAwait(false);
        var local = sender[..at];
        var domain = sender[(at + 1)..];
        var day = (int)(time.GetUtcNow().ToUnixTimeSeconds() / 86_400 % 1024);
        var stamp = new string([Base32[day >> 5], Base32[day & 31]]);
        return $"SRS0={Hash(secret, stamp, domain, local)}={stamp}={domain}={local}@{ourDomain}";
    }

    /// <summary>
    /// The original sender behind <paramref name="address"/>, an SRS0 address this server made (any of our
    /// domains): its hash must match, compared without case as libsrs2 does (a relay may fold the case of a local
    /// part), and its timestamp be at most <see cref="MaxAgeDays"/> old. Anything else is null: without the
    /// check, our SRS addresses would relay anyone's mail anywhere.
    /// </summary>
    public async Task<string?> ReverseAsync(string address, CancellationToken cancellationToken)
    {
        var at = address.LastIndexOf('@');
        if (at < 0 || !address.StartsWith("SRS0=", StringComparison.OrdinalIgnoreCase))
            return null;
        // SRS0=HHHH=TT=domain=local: the original local part may itself hold '='.
        var fields = address[5..at].Split('=', 4);
        if (fields is not [var hash, var stamp, var domain, var local] || hash.Length != 4 || stamp.Length != 2 || domain.Length == 0 || local.Length == 0)
            return null;
        int high = Base32.IndexOf(char.ToUpperInvariant(stamp[0])), low = Base32.IndexOf(char.ToUpperInvariant(stamp[1]));
        if (high < 0 || low < 0)
            return null;
        var today = (int)(time.GetUtcNow().ToUnixTimeSeconds() / 86_400 % 1024);
        if ((today - (high << 5 | low) + 1024) % 1024 > MaxAgeDays)
            return null;
        var expected = Hash(await SecretAsync(cancellationToken).ConfigureAwait(false), stamp, domain, local);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected.ToUpperInvariant()), Encoding.ASCII.GetBytes(hash.ToUpperInvariant()))
            ? $"{local}@{domain}"
            : null;
    }

    /// <summary>The first four base64 characters of HMAC-SHA1(secret, timestamp + domain + local), case folded as libsrs2 does.</summary>
    internal static string Hash(byte[] secret, string stamp, string domain, string local)
    {
        var mac = HMACSHA1.HashData(secret, Encoding.UTF8.GetBytes((stamp + domain + local).ToLowerInvariant()));
        return Convert.ToBase64String(mac)[..4];
    }

    private async Task<byte[]> SecretAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _secret) is { } known)
            return known;
        var stored = await state.GetSettingAsync(SecretKey, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            stored = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            await state.SetSettingAsync(SecretKey, stored, cancellationToken).ConfigureAwait(false);
            // Two first uses at once may both write; read back so every rewrite uses the one that stayed.
            stored = await state.GetSettingAsync(SecretKey, cancellationToken).ConfigureAwait(false) ?? stored;
        }
        var secret = Convert.FromBase64String(stored);
        Volatile.Write(ref _secret, secret);
        return secret;
    }
}
