using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Webmail.Hosting;

/// <summary>
/// The Content-Security-Policy of the application's own pages: scripts only from this site (plus the
/// one inline import map, allowed by a per-response nonce), no plugins, no foreign frames or forms.
/// Set before the endpoint runs, so endpoints that need their own (the sandboxed mail body,
/// downloads) replace it.
/// </summary>
public static class ContentSecurity
{
    private const string NonceKey = "webmail.csp-nonce";

    /// <summary>Gives the response its nonce and the app policy.</summary>
    public static void Apply(HttpContext context)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        context.Response.Headers[HeaderNames.ContentSecurityPolicy] = Policy(nonce);
    }

    /// <summary>The nonce of this response, for the inline import map.</summary>
    public static string NonceOf(HttpContext context) => context.Items[NonceKey] as string ?? "";

    /// <summary>
    /// Blazor Server needs no eval and no inline script: its scripts and the circuit's WebSocket are
    /// same-origin. MudBlazor sets inline styles, so styles stay open; images may be data: (thumbnails).
    /// </summary>
    public static string Policy(string nonce) =>
        $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";
}
