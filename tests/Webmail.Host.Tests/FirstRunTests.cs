using System.Net;
using System.Text.Json;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary>
/// A newcomer's first run against the real executable over real HTTP: setup page, sign-in,
/// and the operator CLI working on the same data directory while the server runs.
/// </summary>
public sealed class FirstRunTests
{
    private const string AdminPassword = "admin password 1";

    [Fact]
    public async Task SetupCreatesTheAdminThenClosesAndTheCliAddsAnAccountThatCanSignIn()
    {
        using var data = new TempDirectory("webmail-firstrun");
        await using var server = await ServerProcess.StartAsync(data.Path);
        using var web = new WebSession(server.BaseUrl);

        // /healthz: 200 with JSON once the listeners accept (StartAsync waited for it).
        using (var health = await web.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("application/json", health.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
            Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());
            Assert.Equal("ok", json.RootElement.GetProperty("store").GetString());
            var web0 = Assert.Single(json.RootElement.GetProperty("listeners").EnumerateArray());
            Assert.True(web0.GetProperty("up").GetBoolean());
        }

        // Before any account, every page leads to /setup.
        foreach (var path in new[] { "/", "/signin", "/admin", "/no-such-page" })
        {
            using var response = await web.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/setup", response.Headers.Location?.OriginalString);
        }

        // The setup form creates the domain and the admin, and signs in.
        using (var setup = await web.SubmitAsync("/setup", "setup", new Dictionary<string, string>
        {
            ["Input.Domain"] = "example.org",
            ["Input.Address"] = "admin@example.org",
            ["Input.DisplayName"] = "The Admin",
            ["Input.Password"] = AdminPassword,
            ["Input.Confirm"] = AdminPassword,
        }))
        {
            Assert.True(setup.StatusCode == HttpStatusCode.Redirect, $"setup answered {(int)setup.StatusCode}: {WebSession.AlertOf(await setup.Content.ReadAsStringAsync())}");
            Assert.Equal("/", setup.Headers.Location?.OriginalString);
        }

        // Signed in: the inbox renders, empty.
        using (var inbox = await web.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.OK, inbox.StatusCode);
            var html = await inbox.Content.ReadAsStringAsync();
            Assert.Contains("Inbox", html, StringComparison.Ordinal);
            Assert.Contains("empty", html, StringComparison.OrdinalIgnoreCase);
        }

        // Setup is gone for good.
        using (var again = await web.GetAsync("/setup"))
        {
            Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
            Assert.Equal("/", again.Headers.Location?.OriginalString);
        }

        // A wrong password and an unknown user get the very same answer.
        using var anonymous = new WebSession(server.BaseUrl);
        string? wrongPassword, unknownUser;
        using (var response = await anonymous.SignInAsync("admin@example.org", "not the password"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            wrongPassword = WebSession.AlertOf(await response.Content.ReadAsStringAsync());
        }
        using (var response = await anonymous.SignInAsync("nobody@example.org", "not the password"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            unknownUser = WebSession.AlertOf(await response.Content.ReadAsStringAsync());
        }
        Assert.NotNull(wrongPassword);
        Assert.Equal(wrongPassword, unknownUser);

        // The CLI works on the running server's data directory; its account signs in over the web.
        var added = await WebmailExecutable.RunAsync(data.Path, "betty's password\n", "account", "add", "betty@example.org", "--name", "Betty");
        Assert.True(added.ExitCode == 0, added.Stderr);
        using var betty = new WebSession(server.BaseUrl);
        using (var signIn = await betty.SignInAsync("betty@example.org", "betty's password"))
        {
            Assert.True(signIn.StatusCode == HttpStatusCode.Redirect, $"sign-in answered {(int)signIn.StatusCode}: {WebSession.AlertOf(await signIn.Content.ReadAsStringAsync())}");
            Assert.Equal("/", signIn.Headers.Location?.OriginalString);
        }
        using (var inbox = await betty.GetAsync("/"))
            Assert.Equal(HttpStatusCode.OK, inbox.StatusCode);
        var list = await WebmailExecutable.RunAsync(data.Path, null, "account", "list");
        Assert.Equal(2, list.StdoutLines.Count);
    }

    [Fact]
    public async Task SetupRefusesMismatchedPasswordsAndStaysOpen()
    {
        using var data = new TempDirectory("webmail-firstrun");
        await using var server = await ServerProcess.StartAsync(data.Path);
        using var web = new WebSession(server.BaseUrl);

        using var response = await web.SubmitAsync("/setup", "setup", new Dictionary<string, string>
        {
            ["Input.Domain"] = "example.org",
            ["Input.Address"] = "admin@example.org",
            ["Input.Password"] = AdminPassword,
            ["Input.Confirm"] = AdminPassword + "x",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("The two passwords are not the same.", WebSession.AlertOf(await response.Content.ReadAsStringAsync()));
        using var root = await web.GetAsync("/");
        Assert.Equal("/setup", root.Headers.Location?.OriginalString);
    }
}
