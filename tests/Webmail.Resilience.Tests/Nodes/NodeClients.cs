using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Webmail.Core.Accounts;
using Webmail.Testing;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>Real clients of one node of <see cref="Harness.Nodes"/>: SMTP, IMAP, POP3 (MailKit) and the web (HTTP with a cookie jar).</summary>
internal static partial class NodeClients
{
    public const string Password = "correct horse";

    /// <summary>Delivers one message through the node's inbound SMTP; returns once the server acknowledged it.</summary>
    public static async Task SendAsync(int smtpPort, string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@remote.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Across nodes.\r\n" };
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", smtpPort, SecureSocketOptions.None);
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(quit: true);
    }

    public static async Task<ImapClient> ImapAsync(int port, string user)
    {
        var imap = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await imap.ConnectAsync("127.0.0.1", port, SecureSocketOptions.StartTls);
        await imap.AuthenticateAsync(user, Password);
        return imap;
    }


    /// <summary>An HTTP client like a browser's: one cookie jar for every node (cookies do not depend on the port), no automatic redirects.</summary>
    public static HttpClient Web(CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>GETs the page at <paramref name="url"/> and posts its form <paramref name="formName"/> with the antiforgery token, as a browser does.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient web, string url, string formName, IDictionary<string, string> fields) =>
        await PostFormAsync(web, url, formName, await FormTokenAsync(web, url), fields);

    /// <summary>GETs the page at <paramref name="url"/>: its form's antiforgery token (the cookie lands in the jar).</summary>
    public static async Task<string> FormTokenAsync(HttpClient web, string url)
    {
        using var page = await web.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var token = AntiforgeryField().Match(await page.Content.ReadAsStringAsync());
        Assert.True(token.Success, $"no antiforgery token on {url}");
        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }

    public static Task<HttpResponseMessage> PostFormAsync(HttpClient web, string url, string formName, string token, IDictionary<string, string> fields)
    {
        var form = new Dictionary<string, string>(fields)
        {
            ["_handler"] = formName,
            ["__RequestVerificationToken"] = token,
        };
        return web.PostAsync(url, new FormUrlEncodedContent(form));
    }

    /// <summary>Signs in through the node's real sign-in form; asserts the redirect into the app.</summary>
    public static async Task SignInAsync(HttpClient web, Harness.ServerProcess node, string user)
    {
        using var answer = await SubmitAsync(web, Url(node, "/signin"), "signin", new Dictionary<string, string> { ["Input.Address"] = user, ["Input.Password"] = Password });
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.DoesNotContain("/signin", answer.Headers.Location?.ToString() ?? "/signin", StringComparison.Ordinal);
    }

    /// <summary>True when the node serves the mailbox to this cookie jar; false when it sends it to the sign-in page.</summary>
    public static async Task<bool> IsSignedInAsync(HttpClient web, Harness.ServerProcess node)
    {
        using var answer = await web.GetAsync(Url(node, "/"));
        if (answer.StatusCode == HttpStatusCode.OK)
            return true;
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.Contains("/signin", answer.Headers.Location?.ToString(), StringComparison.Ordinal);
        return false;
    }

    /// <summary>An admin API client of <paramref name="node"/>, with a read-write token of <paramref name="admin"/> made in the shared store.</summary>
    public static async Task<HttpClient> AdminApiAsync(Harness.Nodes nodes, Harness.ServerProcess node, string admin)
    {
        using var scratch = new TempDirectory("webmail-node-token");
        await using var store = new TestStoreAt(scratch.Path, nodes.Settings.ToDictionary(p => p.Key, p => (string?)p.Value));
        var account = await store.Directory.FindAccountAsync(admin, default) ?? throw new InvalidOperationException(admin + " missing");
        var (_, secret) = await store.Services.GetRequiredService<ApiTokenService>().CreateAsync(account.Id, admin, "test", "nodes", ApiTokenScope.ReadWrite, default);
        var api = new HttpClient { BaseAddress = new Uri(Url(node, "/api/v1/")), Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return api;
    }

    public static string Url(Harness.ServerProcess node, string path) => $"http://127.0.0.1:{node.WebPort}{path}";

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
