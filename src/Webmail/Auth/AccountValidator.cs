using System.Security.Claims;
using Webmail.Core.Storage;

namespace Webmail.Auth;

/// <summary>
/// Checks that a signed-in principal still stands: the account exists, is enabled, and its
/// security stamp (changed on disable and password change) matches the cookie's.
/// </summary>
public sealed class AccountValidator(IDirectoryStore directory)
{
    public async Task<bool> IsValidAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (principal.Identity?.IsAuthenticated != true || !long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
            return false;
        var account = await directory.GetAccountAsync(id, cancellationToken);
        return account is { IsDisabled: false } && account.SecurityStamp == principal.FindFirstValue(AccountClaims.SecurityStamp)
            && account.IsAdmin == principal.IsInRole(AccountClaims.AdminRole);
    }
}
