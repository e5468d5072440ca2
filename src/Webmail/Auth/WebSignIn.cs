using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;

namespace Webmail.Auth;

/// <summary>
/// Web sign-in and sign-out with a server-side session behind every cookie: the cookie carries a
/// random secret, the store keeps its hash, and signing out deletes the record, so a copied cookie
/// stops working at once (on its next request, and in an open circuit at its next revalidation).
/// </summary>
public sealed class WebSignIn(IWebSessionStore sessions, IAuditLog audit, IOptionsMonitor<WebmailOptions> options, TimeProvider time, ILogger<WebSignIn> logger)
{
    /// <summary>The claim that carries the session secret.</summary>
    public const string SessionClaim = "webmail:sid";

    // Recording use costs a write; once in a few minutes is enough to slide the session.
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(5);

    /// <summary>Starts a session for <paramref name="account"/>, sets the cookie and redirects to <paramref name="returnUrl"/> if it is local (<see cref="LocalUrl"/>), else home.</summary>
    /// <param name="remember">"Remember me": a persistent cookie and the longer server-side lifetime.</param>
    public async Task SignInAsync(HttpContext context, Account account, bool remember, string? returnUrl)
    {
        var secret = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        await sessions.CreateAsync(new WebSessionRecord(
            Hash(secret), account.Id, now, now, now + Lifetime(remember), remember,
            context.Connection.RemoteIpAddress?.ToString(), LogText.Bound(context.Request.Headers.UserAgent.ToString(), 256)),
            context.RequestAborted);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AccountClaims.CreatePrincipal(account, secret),
            // The cookie handler itself redirects a sign-in on the login path to the ReturnUrl query value
            // after only a "starts with one slash" check; naming the target here is what it follows instead.
            new AuthenticationProperties { IsPersistent = remember, RedirectUri = LocalUrl.OrHome(returnUrl) });
    }

    /// <summary>Ends the signed-in session on the server and removes the cookie.</summary>
    public async Task SignOutAsync(HttpContext context)
    {
        if (context.User.FindFirstValue(SessionClaim) is { Length: > 0 } secret)
            await sessions.EndAsync(Hash(secret), context.RequestAborted);
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    /// <summary>True while the principal's session exists, belongs to its account and has not expired; slides its end.</summary>
    public async Task<bool> IsActiveAsync(ClaimsPrincipal principal, long accountId, CancellationToken cancellationToken)
    {
        if (principal.FindFirstValue(SessionClaim) is not { Length: > 0 } secret)
            return false;
        var now = time.GetUtcNow();
        var session = await sessions.FindActiveAsync(Hash(secret), now, cancellationToken).ConfigureAwait(false);
        if (session is null || session.AccountId != accountId)
            return false;
        if (now - session.LastSeen >= TouchInterval)
        {
            try
            {
                await sessions.TouchAsync(session.IdHash, now, now + Lifetime(session.Persistent), cancellationToken).ConfigureAwait(false);
            }
            catch (StoreUnavailableException e)
            {
                // Reading mail must go on while the store cannot write (a full disk): the session keeps its old end.
                logger.LogDebug(e, "Could not record use of a web session");
            }
        }
        return true;
    }

    /// <summary>The store's name for the principal's session (the hash of its secret), or null.</summary>
    public static string? SessionOf(ClaimsPrincipal principal) =>
        principal.FindFirstValue(SessionClaim) is { Length: > 0 } secret ? Hash(secret) : null;

    /// <summary>The account's signed-in sessions, most recently seen first.</summary>
    public Task<IReadOnlyList<WebSessionRecord>> ListAsync(long accountId, CancellationToken cancellationToken) =>
        sessions.ListActiveAsync(accountId, time.GetUtcNow(), cancellationToken);

    /// <summary>
    /// Ends one of the account's sessions (<paramref name="idHash"/>), or every one but the
    /// principal's own when it is null; their open pages lose access at their next revalidation.
    /// </summary>
    public async Task<int> EndOthersAsync(ClaimsPrincipal principal, long accountId, string? idHash, CancellationToken cancellationToken)
    {
        var ended = await sessions.EndAccountSessionsAsync(accountId, idHash, SessionOf(principal), cancellationToken).ConfigureAwait(false);
        var address = principal.GetAddress();
        await audit.WriteAsync(address, "sessions.end", address, $"{ended} ended by the user", null, cancellationToken).ConfigureAwait(false);
        return ended;
    }

    /// <summary>Ends every web session of <paramref name="account"/> (the admin's "sign out everywhere"), audited under <paramref name="actor"/>.</summary>
    public async Task<int> EndAllAsync(Account account, string actor, CancellationToken cancellationToken)
    {
        var ended = await sessions.EndAccountSessionsAsync(account.Id, null, null, cancellationToken).ConfigureAwait(false);
        await audit.WriteAsync(actor, "sessions.end", account.Address, $"{ended} ended by an admin", null, cancellationToken).ConfigureAwait(false);
        return ended;
    }

    private TimeSpan Lifetime(bool remember) =>
        remember ? options.CurrentValue.Web.RememberedSessionLifetime : options.CurrentValue.Web.SessionLifetime;

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
