using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Webmail.Core.Security;

/// <summary>
/// Remembers, for a short while, that a password was verified for an account, so a mail client
/// that logs in every minute (POP3 polling, SMTP submission) pays the deliberately slow KDF once
/// and not on every connection — what Dovecot's auth cache does. Only successes are remembered:
/// every wrong password still costs the full KDF. Nothing reversible is kept: an entry is an
/// HMAC, under a key that lives only in this process, of the stored hash and the password, so a
/// changed password (a new stored hash) no longer matches.
/// </summary>
public sealed class VerifiedPasswordCache(TimeProvider time)
{
    /// <summary>How long a verified password is remembered.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, (byte[] Mac, DateTimeOffset Expires)> _entries = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="password"/> was verified against <paramref name="storedHash"/> within <see cref="Lifetime"/>.</summary>
    public bool Matches(string address, string storedHash, string password) =>
        _entries.TryGetValue(address, out var entry)
        && entry.Expires > time.GetUtcNow()
        && CryptographicOperations.FixedTimeEquals(entry.Mac, Mac(storedHash, password));

    public void Remember(string address, string storedHash, string password) =>
        _entries[address] = (Mac(storedHash, password), time.GetUtcNow() + Lifetime);

    public void Forget(string address) => _entries.TryRemove(address, out _);

    private byte[] Mac(string storedHash, string password) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(storedHash + "\0" + password));
}
