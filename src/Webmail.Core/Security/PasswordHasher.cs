using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Webmail.Core.Security;

/// <summary>
/// Account passwords, stored as Argon2id (RFC 9106) in the PHC string format that Dovecot, libsodium and the
/// reference <c>argon2</c> tool share: <c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c> (base64 without padding).
/// The cost is OWASP's first recommended configuration (Password Storage Cheat Sheet): 19 MiB of memory, 2 passes,
/// one lane; about 60 ms here against 190 ms for the PBKDF2-HMAC-SHA512 at 210,000 iterations used before, and
/// memory-hard, which PBKDF2 is not. Hashes of that earlier scheme (<c>pbkdf2-sha512$iterations$salt$hash</c>) still
/// verify, and <see cref="NeedsRehash"/> says to store the password anew after it verified.
/// </summary>
public static class PasswordHasher
{
    /// <summary>Memory per hash, in KiB (19 MiB).</summary>
    public const int MemoryKib = 19 * 1024;

    /// <summary>Passes over the memory.</summary>
    public const int Passes = 2;

    private const int SaltBytes = 16; // libsodium's crypto_pwhash_SALTBYTES
    private const int HashBytes = 32;
    private const string Argon2Prefix = "$argon2id$v=19$";
    private static readonly string CurrentParameters = $"m={MemoryKib},t={Passes},p=1";
    private static readonly PasswordBasedKeyDerivationAlgorithm Current = Argon2id(MemoryKib, Passes);

    // Bounds on what a stored hash may ask for (hashes come from this code, or from an import): 256 MiB and 16
    // passes at most, so no stored string can make one sign-in take the machine.
    private const int MaxMemoryKib = 256 * 1024;
    private const int MaxPasses = 16;

    public static string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        // UTF-8, as every other Argon2 implementation takes it (NSec's string overload would hash UTF-16).
        var hash = Current.DeriveBytes(Encoding.UTF8.GetBytes(password), salt, HashBytes);
        return $"{Argon2Prefix}{CurrentParameters}${Base64(salt)}${Base64(hash)}";
    }

    /// <summary>True when <paramref name="password"/> is the one <paramref name="stored"/> was made from; false for any other, and for a stored value that is not a hash this class reads.</summary>
    public static bool Verify(string password, string stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(stored);
        return stored.StartsWith(Argon2Prefix, StringComparison.Ordinal) ? VerifyArgon2id(password, stored) : VerifyPbkdf2(password, stored);
    }

    /// <summary>True when <paramref name="stored"/> is not an Argon2id hash at today's cost: verified once more, it should be stored again by <see cref="Hash"/>.</summary>
    public static bool NeedsRehash(string stored) =>
        !stored.StartsWith(Argon2Prefix + CurrentParameters + "$", StringComparison.Ordinal);

    /// <summary>A hash of a random password, verified against for unknown users so that they cost the same time.</summary>
    public static readonly string DummyHash = Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));

    private static bool VerifyArgon2id(string password, string stored)
    {
        // "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
        var parts = stored.Split('$');
        if (parts.Length != 6 || !TryParseParameters(parts[3], out var memoryKib, out var passes)
            || FromBase64(parts[4]) is not { Length: SaltBytes } salt || FromBase64(parts[5]) is not { Length: >= 16 and <= 64 } expected)
            return false;
        var algorithm = memoryKib == MemoryKib && passes == Passes ? Current : Argon2id(memoryKib, passes);
        var actual = algorithm.DeriveBytes(Encoding.UTF8.GetBytes(password), salt, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static bool TryParseParameters(string text, out int memoryKib, out int passes)
    {
        memoryKib = passes = 0;
        var lanes = 0;
        foreach (var pair in text.Split(','))
        {
            var (name, value) = pair.IndexOf('=') is var eq and > 0 ? (pair[..eq], pair[(eq + 1)..]) : ("", "");
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                return false;
            switch (name)
            {
                case "m": memoryKib = number; break;
                case "t": passes = number; break;
                case "p": lanes = number; break;
                default: return false;
            }
        }
        // libsodium computes one lane; Argon2 needs at least 8 KiB per lane.
        return lanes == 1 && memoryKib is >= 8 and <= MaxMemoryKib && passes is >= 1 and <= MaxPasses;
    }

    private static PasswordBasedKeyDerivationAlgorithm Argon2id(int memoryKib, int passes) =>
        PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = memoryKib, NumberOfPasses = passes });

    /// <summary>The scheme before Argon2id: <c>pbkdf2-sha512$iterations$salt$hash</c>, standard base64.</summary>
    private static bool VerifyPbkdf2(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2-sha512" || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
            || iterations is < 1 or > 1_000_000 || FromBase64(parts[2]) is not { } salt || FromBase64(parts[3]) is not { Length: >= 16 and <= 64 } expected)
            return false;
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static string Base64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    /// <summary>Standard base64 with or without its padding; null when it is not base64.</summary>
    private static byte[]? FromBase64(string text)
    {
        var padded = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        var bytes = new byte[padded.Length / 4 * 3];
        return Convert.TryFromBase64String(padded, bytes, out var written) ? bytes[..written] : null;
    }
}
