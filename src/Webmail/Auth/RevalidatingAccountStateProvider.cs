using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Webmail.Core.Storage;

namespace Webmail.Auth;

/// <summary>Re-checks an open circuit's account every 30 seconds: a disabled account loses access within a minute.</summary>
public sealed class RevalidatingAccountStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopeFactory)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<RevalidatingAccountStateProvider>();

    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        try
        {
            return await scope.ServiceProvider.GetRequiredService<AccountValidator>().IsValidAsync(authenticationState.User, cancellationToken);
        }
        catch (StoreUnavailableException e)
        {
            // The store is down (a database restart): the account cannot be checked now, and the base class would
            // sign the open page out for good on an exception. It stays signed in until the next check, 30 seconds
            // on; meanwhile nothing can be read through it either, since every read needs the same store.
            _logger.LogWarning("Could not re-check a signed-in page's account: {Reason}; checking again in {Interval}", e.Message, RevalidationInterval);
            return true;
        }
    }
}
