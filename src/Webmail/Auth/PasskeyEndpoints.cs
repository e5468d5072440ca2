using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;

namespace Webmail.Auth;

/// <summary>
/// Sign-in with a passkey, for the script on <c>/signin</c> (password-less) and <c>/signin/code</c>
/// (the second step after the password, carrying its <see cref="PendingSignIn"/> token): one POST
/// for the options, one for the browser's answer, which starts the session like the forms do. Both
/// are same-origin only and carry the page's antiforgery token in the <c>RequestVerificationToken</c>
/// header, as the sign-in forms carry it in a field. Registration needs no endpoint: Settings runs it
/// over the signed-in circuit.
/// </summary>
public static class PasskeyEndpoints
{
    public const string OptionsPath = "/signin/passkey/options";
    public const string SignInPath = "/signin/passkey";

    public static IEndpointRouteBuilder MapPasskeyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Antiforgery is checked below, for a JSON body (the middleware checks only form posts).
        endpoints.MapPost(OptionsPath, OptionsAsync).AllowAnonymous().DisableAntiforgery();
        endpoints.MapPost(SignInPath, SignInAsync).AllowAnonymous().DisableAntiforgery();
        return endpoints;
    }

    /// <summary>The relying party of a request: its host is the RP ID, its scheme, host and port the origin.</summary>
    public static PasskeyRelyingParty RelyingPartyOf(HttpRequest request) =>
        new(request.Host.Host, $"{request.Scheme}://{request.Host.Value}", RelyingPartyName);

    /// <summary>The relying party of a page at <paramref name="baseUri"/> (an interactive page knows its address, not a request).</summary>
    public static PasskeyRelyingParty RelyingPartyOf(Uri baseUri) =>
        new(baseUri.Host, baseUri.GetLeftPart(UriPartial.Authority), RelyingPartyName);

    private const string RelyingPartyName = "Webmail";

    public sealed record OptionsRequest(string? Token);

    public sealed record SignInRequest(string? Ceremony, string? Token, bool Remember, string? ReturnUrl, JsonElement Credential);

    private static async Task<IResult> OptionsAsync(OptionsRequest request, HttpContext context, IAntiforgery antiforgery, IDataProtectionProvider protection,
        IDirectoryStore directory, PasskeyService passkeys, PasskeyCeremonies ceremonies)
    {
        if (await RefuseAsync(context, antiforgery) is { } refused)
            return refused;
        Account? account = null;
        if (request.Token is { Length: > 0 })
        {
            if (await PendingAccountAsync(request.Token, protection, directory, context.RequestAborted) is not { } second)
                return Error(StatusCodes.Status400BadRequest, "This sign-in has expired. Start over.");
            account = second.Account;
        }
        var options = await passkeys.AssertionOptionsAsync(account?.Id, RelyingPartyOf(context.Request), context.RequestAborted);
        if (ceremonies.Start(options, account?.Id) is not { } id)
            return Error(StatusCodes.Status503ServiceUnavailable, "The server is busy. Try again in a moment.");
        return TypedResults.Json(new JsonObject { ["ceremony"] = id, ["options"] = JsonNode.Parse(options.ToJson()) });
    }

    private static async Task<IResult> SignInAsync(SignInRequest request, HttpContext context, IAntiforgery antiforgery, IDataProtectionProvider protection,
        IDirectoryStore directory, CredentialVerifier credentials, PasskeyCeremonies ceremonies, WebSignIn sessions)
    {
        if (await RefuseAsync(context, antiforgery) is { } refused)
            return refused;
        if (ceremonies.Take(request.Ceremony) is not { } ceremony)
            return Error(StatusCodes.Status400BadRequest, "This passkey request has expired. Try again.");
        PendingSignIn? pending = null;
        (long, string)? secondStep = null;
        if (ceremony.AccountId is { } accountId)
        {
            // The second step: the token must still name the account the options were made for.
            if (await PendingAccountAsync(request.Token, protection, directory, context.RequestAborted) is not { } second || second.Account.Id != accountId)
                return Error(StatusCodes.Status400BadRequest, "This sign-in has expired. Start over.");
            pending = second.Pending;
            secondStep = (second.Account.Id, second.Account.Address);
        }
        var assertion = request.Credential.ValueKind == JsonValueKind.Object ? request.Credential.GetRawText() : "";
        var result = await credentials.VerifyPasskeyAsync(ceremony.Options, assertion, RelyingPartyOf(context.Request), secondStep,
            context.Connection.RemoteIpAddress, context.RequestAborted);
        if (result.Status == LoginStatus.Throttled)
        {
            Hosting.RetryAfter.Set(context.Response, result.RetryAfter);
            return Error(StatusCodes.Status429TooManyRequests, "Too many failed sign-in attempts. Wait a few minutes and try again.");
        }
        var account = result.Succeeded ? await directory.GetAccountAsync(result.AccountId, context.RequestAborted) : null;
        if (account is null || account.IsDisabled)
            return Error(StatusCodes.Status400BadRequest, "That passkey was not accepted. Use a passkey saved for this account on this site.");
        var remember = pending?.Remember ?? request.Remember;
        var returnUrl = pending is null ? request.ReturnUrl : pending.ReturnUrl;
        try
        {
            await sessions.SignInAsync(context, account, remember, returnUrl);
        }
        catch (StoreUnavailableException)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, "The server cannot start a session right now. Try again in a moment.");
        }
        // The cookie handler answers a sign-in under the login path (/signin/...) with a redirect to the
        // return URL; a script's fetch would follow it and get a page instead of this answer. The script
        // navigates itself.
        context.Response.Headers.Location = default;
        return TypedResults.Json(new JsonObject { ["redirect"] = LocalUrl.OrHome(returnUrl) }, statusCode: StatusCodes.Status200OK);
    }

    /// <summary>The account a second step is for, while its token is valid and nothing about the account changed since.</summary>
    private static async Task<(PendingSignIn Pending, Account Account)?> PendingAccountAsync(string? token, IDataProtectionProvider protection, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        var pending = PendingSignIn.Unprotect(protection, token);
        var account = pending is null ? null : await directory.GetAccountAsync(pending.AccountId, cancellationToken);
        return pending is not null && account is { IsDisabled: false, HasPasskeys: true } && account.SecurityStamp == pending.SecurityStamp ? (pending, account) : null;
    }

    /// <summary>
    /// A request from another site is refused: the browser names the page's origin on a POST, and it must
    /// be this one; the antiforgery token proves the request came from a page this server rendered.
    /// </summary>
    private static async Task<IResult?> RefuseAsync(HttpContext context, IAntiforgery antiforgery)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, RelyingPartyOf(context.Request).Origin, StringComparison.OrdinalIgnoreCase))
            return Error(StatusCodes.Status403Forbidden, "Requests from other sites are refused.");
        if (!await antiforgery.IsRequestValidAsync(context))
            return Error(StatusCodes.Status400BadRequest, "The page is out of date. Reload it and try again.");
        return null;
    }

    private static IResult Error(int status, string message) =>
        TypedResults.Json(new JsonObject { ["error"] = message }, statusCode: status);
}
