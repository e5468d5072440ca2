using System.Collections.Concurrent;
using System.Security.Cryptography;
using Fido2NetLib;
using Microsoft.AspNetCore.WebUtilities;

namespace Webmail.Auth;

/// <summary>
/// Sign-in ceremonies with a passkey between the options and the answer: the challenge the browser
/// must sign stays here, under a random id, and is taken once, so an answer cannot be replayed
/// even while its challenge is young. In memory and bounded: anyone may start a ceremony, so at most
/// <see cref="MaxPending"/> wait, each for <see cref="Lifetime"/>. With several nodes a ceremony must
/// end on the node that started it (the same as the circuit of a Blazor page).
/// </summary>
public sealed class PasskeyCeremonies(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    public const int MaxPending = 10_000;

    private readonly ConcurrentDictionary<string, Ceremony> _pending = new(StringComparer.Ordinal);

    /// <param name="Options">What the browser was asked to sign.</param>
    /// <param name="AccountId">The account of a second step after the password; null for a password-less sign-in.</param>
    public sealed record Ceremony(AssertionOptions Options, long? AccountId, DateTimeOffset Expires);

    /// <summary>Keeps <paramref name="options"/> and returns the id to finish it with, or null while too many wait.</summary>
    public string? Start(AssertionOptions options, long? accountId)
    {
        var now = time.GetUtcNow();
        if (_pending.Count >= MaxPending)
        {
            foreach (var (key, ceremony) in _pending)
            {
                if (ceremony.Expires <= now)
                    _pending.TryRemove(key, out _);
            }
            if (_pending.Count >= MaxPending)
                return null;
        }
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(18));
        _pending[id] = new Ceremony(options, accountId, now + Lifetime);
        return id;
    }

    /// <summary>The ceremony <paramref name="id"/>, removed so it cannot be finished twice; null when unknown or expired.</summary>
    public Ceremony? Take(string? id) =>
        id is { Length: > 0 } && _pending.TryRemove(id, out var ceremony) && ceremony.Expires > time.GetUtcNow() ? ceremony : null;
}
