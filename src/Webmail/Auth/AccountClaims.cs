using System.Security.Claims;
using Webmail.Core.Model;

namespace Webmail.Auth;

/// <summary>The claims a signed-in account carries in its cookie, and how to read them back.</summary>
public static class AccountClaims
{
    public const string AdminRole = "admin";
    public const string SecurityStamp = "webmail:stamp";

    /// <summary>The principal of a signed-in web session; <paramref name="sessionSecret"/> names its server-side record.</summary>
    public static ClaimsPrincipal CreatePrincipal(Account account, string sessionSecret)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, account.Address),
            new(ClaimTypes.GivenName, account.DisplayName),
            new(SecurityStamp, account.SecurityStamp),
            new(WebSignIn.SessionClaim, sessionSecret),
        };
        if (account.IsAdmin)
            claims.Add(new Claim(ClaimTypes.Role, AdminRole));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "Cookies"));
    }

    /// <summary>The signed-in account's id; throws when the principal is not signed in.</summary>
    public static long GetAccountId(this ClaimsPrincipal principal) =>
        long.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not signed in."), System.Globalization.CultureInfo.InvariantCulture);

    public static string GetAddress(this ClaimsPrincipal principal) => principal.FindFirstValue(ClaimTypes.Name) ?? "";
}
