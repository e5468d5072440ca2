using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Webmail.Auth;

/// <summary>
/// A sign-in between its two steps: the password was right, the second factor is still to come.
/// Carried to the code page as a protected, five-minute token (account, "remember me", where to go,
/// and the account's security stamp, so a password change in between voids it); nothing is signed in yet.
/// </summary>
public sealed record PendingSignIn(long AccountId, bool Remember, string? ReturnUrl, string SecurityStamp)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private const string Purpose = "Webmail.SignIn.SecondFactor";

    public string Protect(IDataProtectionProvider provider) =>
        provider.CreateProtector(Purpose).ToTimeLimitedDataProtector()
            .Protect(string.Join('\n', AccountId.ToString(CultureInfo.InvariantCulture), Remember ? "1" : "0", SecurityStamp, ReturnUrl ?? ""), Lifetime);

    /// <summary>The sign-in the token carries, or null when it is forged, damaged or older than <see cref="Lifetime"/>.</summary>
    public static PendingSignIn? Unprotect(IDataProtectionProvider provider, string? token)
    {
        if (string.IsNullOrEmpty(token))
            return null;
        try
        {
            var parts = provider.CreateProtector(Purpose).ToTimeLimitedDataProtector().Unprotect(token).Split('\n', 4);
            return new PendingSignIn(long.Parse(parts[0], CultureInfo.InvariantCulture), parts[1] == "1", parts[3].Length == 0 ? null : parts[3], parts[2]);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
