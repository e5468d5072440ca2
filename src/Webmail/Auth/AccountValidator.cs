using System.Security.Claims;
using Webmail.Core.Storage;

namespace Webmail.Auth;

/// <summary>
/// Checks that a signed-in principal still stands: the account exists, is enabled, and its
/// security stamp (changed on disable and password change) matches the cookie's, and its web
/// session has not been ended (sign-out) or expired.
/// </summary>
public sealed class AccountValidator(IDirectoryStore directory, WebSignIn signIn)
{
    public async Task<bool> IsValidAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (principal.Identity?.IsAuthenticated != true || !long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
            return false;
        var account = await directory.GetAccountAsync(id, cancellationToken);
        return account is { IsDisabled: false } && account.SecurityStamp == principal.FindFirstValue(AccountClaims.SecurityStamp)
            && account.IsAdmin == principal.IsInRole(AccountClaims.AdminRole)
            && await signIn.IsActiveAsync(principal, id, cancellationToken);
    }
}
