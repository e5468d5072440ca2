using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.Playwright;
using Webmail.Testing;

namespace Webmail.Web.Tests;

/// <summary>
/// One-step client setup against the whole server: Thunderbird's autoconfig, Outlook's POX
/// Autodiscover (over HTTP, as the programs ask), and the Apple profile downloaded from Settings in
/// Chromium and read by Python's plistlib.
/// </summary>
public sealed class ClientConfigTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static readonly XNamespace Outlook = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";
    private static readonly XNamespace AutodiscoverNs = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// What Thunderbird's parser (its ISP-database reader, readFromXML) insists on: an emailProvider
    /// with an id; each server with a type it knows, a hostname, a port in range, a socketType of
    /// plain/SSL/STARTTLS, an authentication it knows and a username; at least one of each direction.
    /// </summary>
    private static void AssertThunderbirdCanRead(XDocument config)
    {
        var root = config.Root!;
        Assert.Equal("clientConfig", root.Name.LocalName);
        Assert.Equal("1.1", (string?)root.Attribute("version"));
        var provider = Assert.Single(root.Elements("emailProvider"));
        Assert.False(string.IsNullOrEmpty((string?)provider.Attribute("id")));
        Assert.NotEmpty(provider.Elements("domain"));
        var servers = provider.Elements("incomingServer").Concat(provider.Elements("outgoingServer")).ToList();
        Assert.NotEmpty(provider.Elements("incomingServer"));
        Assert.NotEmpty(provider.Elements("outgoingServer"));
        foreach (var server in servers)
        {
            Assert.Contains((string?)server.Attribute("type"), server.Name.LocalName == "incomingServer" ? new[] { "imap", "pop3" } : ["smtp"]);
            Assert.False(string.IsNullOrEmpty((string?)server.Element("hostname")));
            Assert.InRange(int.Parse((string)server.Element("port")!, CultureInfo.InvariantCulture), 1, 65535);
            Assert.Contains((string?)server.Element("socketType"), new[] { "plain", "SSL", "STARTTLS" });
            Assert.Contains((string?)server.Element("authentication"), new[] { "password-cleartext", "password-encrypted", "OAuth2", "none" });
            Assert.Equal("%EMAILADDRESS%", (string?)server.Element("username"));
        }
    }

    private static (string Type, string Port, string Socket)[] ServersOf(XDocument config) =>
        config.Root!.Element("emailProvider")!.Elements().Where(e => e.Name.LocalName is "incomingServer" or "outgoingServer")
            .Select(e => ((string)e.Attribute("type")!, (string)e.Element("port")!, (string)e.Element("socketType")!)).ToArray();

    [Fact]
    public async Task ThunderbirdAutoconfigDescribesTheRunningListenersForHostedDomainsOnly()
    {
        using var http = new HttpClient { BaseAddress = new Uri(web.Server.BaseUrl) };
        using var response = await http.GetAsync("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=someone%40local.example");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        var config = XDocument.Parse(await response.Content.ReadAsStringAsync());
        AssertThunderbirdCanRead(config);
        Assert.Equal("local.example", (string?)config.Root!.Element("emailProvider")!.Attribute("id"));
        Assert.Equal(
            [("imap", Port(web.Server.ImapPort), "STARTTLS"), ("pop3", Port(web.Server.Pop3Port), "STARTTLS"), ("smtp", Port(web.Server.SubmissionPort), "STARTTLS")],
            ServersOf(config));
        Assert.All(config.Descendants("hostname"), h => Assert.Equal("localhost", h.Value));

        // Asked of autoconfig.<domain> without the address, as older Thunderbirds do.
        using var byHost = new HttpRequestMessage(HttpMethod.Get, "/mail/config-v1.1.xml");
        byHost.Headers.Host = "autoconfig.LOCAL.example";
        using var hostResponse = await http.SendAsync(byHost);
        Assert.Equal(HttpStatusCode.OK, hostResponse.StatusCode);
        Assert.Equal(ServersOf(config), ServersOf(XDocument.Parse(await hostResponse.Content.ReadAsStringAsync())));

        // A domain this server does not host, or no domain at all.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=someone%40elsewhere.example")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=nobody")).StatusCode);
    }

    [Fact]
    public async Task ImplicitTlsListenersComeFirstAndPortsThatAreOffAreNotNamed()
    {
        var (imaps, submissions) = (FreePort.Next(), FreePort.Next());
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Hostname"] = "mail.local.example",
            ["Webmail:ImapTls:Endpoint"] = $"127.0.0.1:{imaps}",
            ["Webmail:Smtp:SubmissionTls:Endpoint"] = $"127.0.0.1:{submissions}",
            ["Webmail:Pop3:Endpoint"] = "",
        });
        await server.CreateAccountAsync("first@local.example");
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var config = XDocument.Parse(await http.GetStringAsync("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=first%40local.example"));
        AssertThunderbirdCanRead(config);
        Assert.Equal(
            [("imap", Port(imaps), "SSL"), ("imap", Port(server.ImapPort), "STARTTLS"), ("smtp", Port(submissions), "SSL"), ("smtp", Port(server.SubmissionPort), "STARTTLS")],
            ServersOf(config));
        Assert.All(config.Descendants("hostname"), h => Assert.Equal("mail.local.example", h.Value));

        // Autodiscover names the preferred server of each kind: implicit TLS.
        var answer = XDocument.Parse(await (await PostAutodiscoverAsync(http, "first@local.example")).Content.ReadAsStringAsync());
        Assert.Equal([("IMAP", Port(imaps), "SSL"), ("SMTP", Port(submissions), "SSL")], ProtocolsOf(answer));
    }

    private static Task<HttpResponseMessage> PostAutodiscoverAsync(HttpClient http, string address, string path = "/autodiscover/autodiscover.xml") =>
        http.PostAsync(path, new StringContent($"""
            <?xml version="1.0" encoding="utf-8"?>
            <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
              <Request>
                <EMailAddress>{address}</EMailAddress>
                <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
              </Request>
            </Autodiscover>
            """, Encoding.UTF8, "text/xml"));

    private static (string Type, string Port, string Encryption)[] ProtocolsOf(XDocument answer) =>
        answer.Root!.Element(Outlook + "Response")!.Element(Outlook + "Account")!.Elements(Outlook + "Protocol")
            .Select(p => ((string)p.Element(Outlook + "Type")!, (string)p.Element(Outlook + "Port")!, (string)p.Element(Outlook + "Encryption")!)).ToArray();

    [Fact]
    public async Task OutlookAutodiscoverAnswersAddressesAtHostedDomainsAndRefusesWhatIsNotARequest()
    {
        using var http = new HttpClient { BaseAddress = new Uri(web.Server.BaseUrl) };
        // Outlook writes the path with capitals.
        using var response = await PostAutodiscoverAsync(http, "someone@local.example", "/Autodiscover/Autodiscover.xml");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(AutodiscoverNs + "Autodiscover", answer.Root!.Name);
        var account = answer.Root.Element(Outlook + "Response")!.Element(Outlook + "Account")!;
        Assert.Equal("email", (string?)account.Element(Outlook + "AccountType"));
        Assert.Equal("settings", (string?)account.Element(Outlook + "Action"));
        Assert.Equal([("IMAP", Port(web.Server.ImapPort), "TLS"), ("POP3", Port(web.Server.Pop3Port), "TLS"), ("SMTP", Port(web.Server.SubmissionPort), "TLS")], ProtocolsOf(answer));
        Assert.All(account.Elements(Outlook + "Protocol"), p =>
        {
            Assert.Equal("someone@local.example", (string?)p.Element(Outlook + "LoginName"));
            Assert.Equal("localhost", (string?)p.Element(Outlook + "Server"));
            Assert.Equal("on", (string?)p.Element(Outlook + "AuthRequired"));
        });

        Assert.Equal(HttpStatusCode.NotFound, (await PostAutodiscoverAsync(http, "someone@elsewhere.example")).StatusCode);
        // Not a request, a DTD (no entity is ever expanded), and a body far larger than any request: 400 with error 600.
        foreach (var body in new[]
        {
            "not xml at all",
            """<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>&x;</EMailAddress></Request></Autodiscover>""",
            "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request>" + new string(' ', 100_000) + "</Request></Autodiscover>",
            "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request/></Autodiscover>",
        })
        {
            using var refused = await http.PostAsync("/autodiscover/autodiscover.xml", new StringContent(body, Encoding.UTF8, "text/xml"));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var error = XDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("600", error.Descendants(AutodiscoverNs + "ErrorCode").Single().Value);
            Assert.DoesNotContain("root:", error.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheAppleProfileDownloadsFromSettingsAsAPropertyListWithTheAddressAndNoPassword()
    {
        var account = await web.NewAccountAsync("apple");
        var page = await web.SignInAsync(account);
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        var button = page.GetByRole(AriaRole.Link, new() { Name = "Download the profile for Apple Mail" });
        await button.ScrollIntoViewIfNeededAsync();
        await WebFixture.ScreenshotAsync(page, "settings-apple-profile");
        var download = await page.RunAndWaitForDownloadAsync(() => button.ClickAsync());
        Assert.Equal($"{account.Address}.mobileconfig", download.SuggestedFilename);
        using var temp = new TempDirectory("apple-profile");
        var file = temp.File("profile.mobileconfig");
        await download.SaveAsAsync(file);
        Assert.DoesNotContain("correct horse", await File.ReadAllTextAsync(file), StringComparison.Ordinal);

        // Apple's format is a property list: Python's plistlib reads it (it refuses anything else).
        var result = await ExternalProgram.RunAsync("python3", ["-c", "import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], 'rb'))))", file], TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, result.Errors);
        using var profile = JsonDocument.Parse(result.Output);
        var root = profile.RootElement;
        Assert.Equal("Configuration", root.GetProperty("PayloadType").GetString());
        Assert.Equal(1, root.GetProperty("PayloadVersion").GetInt32());
        var mail = Assert.Single(root.GetProperty("PayloadContent").EnumerateArray());
        Assert.Equal("com.apple.mail.managed", mail.GetProperty("PayloadType").GetString());
        Assert.Equal("EmailTypeIMAP", mail.GetProperty("EmailAccountType").GetString());
        Assert.Equal(account.Address, mail.GetProperty("EmailAddress").GetString());
        Assert.Equal(account.Address, mail.GetProperty("IncomingMailServerUsername").GetString());
        Assert.Equal(web.Server.ImapPort, mail.GetProperty("IncomingMailServerPortNumber").GetInt32());
        Assert.Equal(web.Server.SubmissionPort, mail.GetProperty("OutgoingMailServerPortNumber").GetInt32());
        Assert.True(mail.GetProperty("IncomingMailServerUseSSL").GetBoolean());
        Assert.True(mail.GetProperty("OutgoingPasswordSameAsIncomingPassword").GetBoolean());
        Assert.False(mail.TryGetProperty("IncomingPassword", out _));
        Assert.Matches("^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$", mail.GetProperty("PayloadUUID").GetString());

        // Signed out, there is no profile to download: the sign-in page instead.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(web.Server.BaseUrl) };
        using var anonymous = await http.GetAsync("/settings/mail.mobileconfig");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Contains("/signin", anonymous.Headers.Location?.ToString(), StringComparison.Ordinal);
    }
}
