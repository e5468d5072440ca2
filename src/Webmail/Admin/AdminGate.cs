using Microsoft.AspNetCore.Components.Authorization;
using Webmail.Auth;

namespace Webmail.Admin;

/// <summary>
/// Checks, on the server and at the moment of every admin action, that the circuit's user is
/// still a signed-in admin, and names them for the audit log. The pages are already behind the
/// "Admin" policy; this second check covers a circuit whose user lost the role meanwhile.
/// </summary>
public sealed class AdminGate(AuthenticationStateProvider authentication)
{
    /// <returns>The admin's address, used as the audit actor.</returns>
    /// <exception cref="UnauthorizedAccessException">The user is not a signed-in admin.</exception>
    public async Task<string> RequireAdminAsync()
    {
        var user = (await authentication.GetAuthenticationStateAsync().ConfigureAwait(false)).User;
        if (user.Identity?.IsAuthenticated != true || !user.IsInRole(AccountClaims.AdminRole))
            throw new UnauthorizedAccessException("Only administrators may do this.");
        return user.GetAddress();
    }
}
