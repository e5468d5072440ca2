using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Webmail.Auth;
using Webmail.Core.Accounts;
using Webmail.Core.Security;
using Webmail.Core.Storage;

namespace Webmail.Api;

/// <summary>
/// <c>Authorization: Bearer wm_…</c> for the admin API (RFC 6750 §2.1). A token acts as the admin who
/// made it, only while that account is an enabled admin. Failures go through the one
/// <see cref="LoginLimiter"/> (a growing delay, then the address is banned for every door), are logged
/// and audited; a banned address gets 429 without its token being looked at. Cookies never reach the
/// API: its policy names only this scheme.
/// </summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder,
    ApiTokenService tokens, LoginLimiter limiter, IAuditLog audit, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiToken";
    public const string ScopeClaim = "webmail:api-scope";
    public const string ActorClaim = "webmail:actor";
    private const string ThrottledKey = "webmail:api-throttled";
    private const string FailureKey = "webmail:api-failure";
    /// <summary>Longer than any token: refused unlooked-at, and never logged whole.</summary>
    private const int MaxHeaderLength = 200;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
            return AuthenticateResult.NoResult();
        var remote = Context.Connection.RemoteIpAddress;
        var ip = remote?.ToString();
        if (limiter.BlockedFor(remote, null) is { } blocked)
        {
            Context.Items[ThrottledKey] = blocked;
            if (limiter.ShouldReportThrottle(remote))
            {
                Logger.LogWarning("Admin API: token attempts from {RemoteIp} refused while the address is banned (not logged again for a minute)", ip);
                await BestEffortAsync(() => audit.WriteAsync("(api)", "login.throttled", "api", "", ip, Context.RequestAborted));
            }
            return Fail("Too many failed attempts from this address; try again later.");
        }
        const string bearer = "Bearer ";
        var presented = header.Length <= MaxHeaderLength && header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? header[bearer.Length..].Trim() : null;
        var token = presented is null ? null : await tokens.FindAsync(presented, Context.RequestAborted);
        if (token is null)
        {
            limiter.RecordFailure(remote, null);
            var delay = limiter.DelayFor(remote, null);
            Logger.LogWarning("Admin API: an unknown, revoked or malformed token from {RemoteIp}", ip);
            await BestEffortAsync(() => audit.WriteAsync("(api)", "login.failed", "api", presented is null ? "not a bearer token" : "unknown or revoked token", ip, Context.RequestAborted));
            if (delay > TimeSpan.Zero)
                await Task.Delay(delay, time, Context.RequestAborted);
            return Fail(presented is null
                ? "Send the token as Authorization: Bearer <token>."
                : "The token is not valid: it is unknown or revoked, or the admin who made it is disabled or no longer an admin.");
        }
        await BestEffortAsync(() => tokens.RecordUseAsync(token, time.GetUtcNow(), ip, Context.RequestAborted));
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, token.AccountId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, token.Owner),
            new Claim(ClaimTypes.Role, AccountClaims.AdminRole),
            new Claim(ScopeClaim, token.Scope == ApiTokenScope.ReadWrite ? "read-write" : "read-only"),
            new Claim(ActorClaim, ApiTokenService.ActorOf(token)),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private AuthenticateResult Fail(string reason)
    {
        Context.Items[FailureKey] = reason;
        return AuthenticateResult.Fail(reason);
    }

    /// <summary>
    /// 401 (RFC 6750 §3: a <c>WWW-Authenticate: Bearer</c> challenge), or 429 for a banned address with the rest
    /// of its ban in <c>Retry-After</c>, as problem details.
    /// </summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[ThrottledKey] is TimeSpan blocked)
        {
            Hosting.RetryAfter.Set(Response, blocked);
            return ApiProblems.Problem(StatusCodes.Status429TooManyRequests, (string)Context.Items[FailureKey]!).ExecuteAsync(Context);
        }
        var failure = Context.Items[FailureKey] as string;
        Response.Headers.WWWAuthenticate = failure is null
            ? "Bearer realm=\"webmail\""
            : "Bearer realm=\"webmail\", error=\"invalid_token\"";
        return ApiProblems.Problem(StatusCodes.Status401Unauthorized,
            failure ?? "This API needs a token: Authorization: Bearer <token>. An admin makes one under Administration → API tokens.").ExecuteAsync(Context);
    }

    /// <summary>403: a read-only token asked for a change.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblems.Problem(StatusCodes.Status403Forbidden, "This token is read-only; a change needs a read-write token.").ExecuteAsync(Context);

    /// <summary>Sign-in bookkeeping (the audit row, "last used") must not turn a request into an error when the store is busy or failing.</summary>
    private async Task BestEffortAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (StoreUnavailableException e)
        {
            Logger.LogWarning(e, "Admin API: could not record a token use or failure");
        }
    }
}
