using Webmail.Core.Accounts;
using Webmail.Core.Model;

namespace Webmail.Admin;

/// <summary>
/// An admin's reset of an account's two-factor sign-in (after a lost phone and lost recovery codes): the
/// authenticator app and every passkey go, since a reset that left a passkey would leave two factors on.
/// The admin page and the API both call this.
/// </summary>
public sealed class SecondFactorReset(TwoFactorService twoFactor, PasskeyService passkeys)
{
    /// <returns>How many passkeys were removed.</returns>
    public async Task<int> ResetAsync(Account account, string actor, CancellationToken cancellationToken)
    {
        if (account.TwoFactorEnabled)
            await twoFactor.DisableAsync(account.Id, account.Address, actor, "twofactor.reset", cancellationToken).ConfigureAwait(false);
        return await passkeys.ResetAsync(account.Id, account.Address, actor, cancellationToken).ConfigureAwait(false);
    }
}
