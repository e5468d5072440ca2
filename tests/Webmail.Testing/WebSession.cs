using System.Net;
using System.Text.RegularExpressions;

namespace Webmail.Testing;

/// <summary>
/// A browser-like HTTP session (cookie jar, no automatic redirects) that fills the server-rendered
/// forms the way a browser does: GET the page, take its antiforgery token, POST the fields.
/// </summary>
public sealed partial class WebSession : IDisposable
{
    private readonly HttpClient _client;

    /// <param name="cookies">The cookie jar (a new one when null).</param>
    /// <param name="forwardedFor">Sent as <c>X-Forwarded-For</c> on every request, as a reverse proxy would.</param>
    public WebSession(string baseUrl, CookieContainer? cookies = null, string? forwardedFor = null)
    {
        var handler = new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false, UseCookies = true };
        if (forwardedFor is null)
        {
            _client = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
            return;
        }
        // Behind a TLS-terminating proxy the browser speaks HTTPS and sends its Secure cookies back; this
        // client speaks plain HTTP to the server, so it keeps the cookies itself.
        handler.UseCookies = false;
        _client = new HttpClient(new ProxiedBrowserHandler(handler)) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        _client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        _client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
    }

    public Task<HttpResponseMessage> GetAsync(string path) => _client.GetAsync(path);

    public Task<HttpResponseMessage> PostAsync(string path, HttpContent? content) => _client.PostAsync(path, content);

    /// <summary>GETs <paramref name="path"/>, then posts its form <paramref name="formName"/> with <paramref name="fields"/>.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string path, string formName, IDictionary<string, string> fields)
    {
        using var page = await _client.GetAsync(path);
        if (page.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {path} answered {(int)page.StatusCode}, not 200");
        var html = await page.Content.ReadAsStringAsync();
        var token = AntiforgeryField().Match(html);
        if (!token.Success)
            throw new InvalidOperationException($"no antiforgery token on {path}");
        var form = new Dictionary<string, string>(fields)
        {
            ["_handler"] = formName,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
        };
        return await _client.PostAsync(path, new FormUrlEncodedContent(form));
    }

    public Task<HttpResponseMessage> SignInAsync(string address, string password) =>
        SubmitAsync("/signin", "signin", new Dictionary<string, string> { ["Input.Address"] = address, ["Input.Password"] = password });

    /// <summary>The text of the page's role="alert" element, or null.</summary>
    public static string? AlertOf(string html)
    {
        var match = Alert().Match(html);
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("role=\"alert\"[^>]*>([^<]*)<")]
    private static partial Regex Alert();

    public void Dispose() => _client.Dispose();

    /// <summary>A cookie jar that, like a browser on HTTPS, returns Secure cookies too.</summary>
    private sealed class ProxiedBrowserHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private readonly Dictionary<string, string> _cookies = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (_cookies.Count > 0)
                request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => c.Key + "=" + c.Value)));
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var values))
            {
                foreach (var pair in values.Select(v => v.Split(';')[0].Split('=', 2)))
                    _cookies[pair[0]] = pair[1];
            }
            return response;
        }
    }
}
