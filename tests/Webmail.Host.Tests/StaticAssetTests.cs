using System.Net;
using System.Text.RegularExpressions;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary>
/// The stylesheets and scripts every page loads, as the built server serves them (what <c>dotnet run</c> runs): the
/// browser keeps them, so the page after sign-in asks the server for none of them again, and they do not hold up the
/// first paint.
/// </summary>
public sealed partial class StaticAssetTests
{
    [GeneratedRegex("""<(?:link|script)\b[^>]*?(?:href|src)="(?<url>[^"]+\.(?:css|js))"[^>]*>""")]
    private static partial Regex AssetReference();

    [Fact]
    public async Task PagesLoadFingerprintedAssetsKeptForAYearAndDeferTheirScripts()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateAccountAsync("carol@local.example");
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };

        var page = await client.GetStringAsync("/signin");

        var references = AssetReference().Matches(page).ToList();
        Assert.True(references.Count >= 8, page);
        foreach (var reference in references)
        {
            var url = reference.Groups["url"].Value;
            // A fingerprinted name ("app.041x6nk6e6.css"): a changed file gets a new URL, so the old one may be kept.
            Assert.Matches(@"\.[a-z0-9]{10}\.(css|js)$", url);
            using var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
            if (url.EndsWith(".js", StringComparison.Ordinal))
                Assert.Contains(" defer ", reference.Value, StringComparison.Ordinal);
        }

        // The same file under its plain name is asked for again each time (its content may change under that name).
        using var plain = await client.GetAsync("/app.css");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.NotEqual("max-age=31536000, immutable", plain.Headers.CacheControl?.ToString());
    }
}
