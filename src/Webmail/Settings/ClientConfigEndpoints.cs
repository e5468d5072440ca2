using System.Xml;
using System.Xml.Linq;
using Webmail.Auth;
using Webmail.Core.Storage;

namespace Webmail.Settings;

/// <summary>
/// Where mail programs find their settings from an address alone:
/// <list type="bullet">
/// <item>Thunderbird's autoconfig, <c>GET /.well-known/autoconfig/mail/config-v1.1.xml</c> and
/// <c>GET /mail/config-v1.1.xml</c> (asked of <c>autoconfig.&lt;domain&gt;</c>), with or without
/// <c>?emailaddress=</c>;</item>
/// <item>Outlook's POX Autodiscover, <c>POST /autodiscover/autodiscover.xml</c>;</item>
/// <item>the Apple profile for the signed-in user, <c>GET /settings/mail.mobileconfig</c>.</item>
/// </list>
/// Only domains this server hosts are answered (404 otherwise); an address at a hosted domain is
/// answered whether or not its account exists, so the documents tell nothing about accounts.
/// </summary>
public static class ClientConfigEndpoints
{
    public const string AppleProfilePath = "/settings/mail.mobileconfig";

    /// <summary>A POX request is a few hundred octets; anything much larger is not one.</summary>
    private const int MaxAutodiscoverRequest = 16 * 1024;

    public static IEndpointRouteBuilder MapClientConfigEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/.well-known/autoconfig/mail/config-v1.1.xml", ThunderbirdAsync);
        endpoints.MapGet("/mail/config-v1.1.xml", ThunderbirdAsync);
        // Routes match without regard to case: Outlook asks for /Autodiscover/Autodiscover.xml.
        endpoints.MapPost("/autodiscover/autodiscover.xml", AutodiscoverAsync).DisableAntiforgery();
        endpoints.MapGet(AppleProfilePath, AppleProfileAsync).RequireAuthorization();
        return endpoints;
    }

    private static async Task<IResult> ThunderbirdAsync(HttpContext context, IDirectoryStore directory, MailClientSetup setup)
    {
        // The address's domain when Thunderbird sends it; else the host asked, autoconfig.<domain>.
        var address = context.Request.Query["emailaddress"].ToString();
        var host = context.Request.Host.Host.ToLowerInvariant();
        var domain = address.Length > 0 ? DomainOf(address) : host.StartsWith("autoconfig.", StringComparison.Ordinal) ? host["autoconfig.".Length..] : host;
        if (domain is null || await directory.FindDomainAsync(domain, context.RequestAborted) is not { } hosted)
            return TypedResults.NotFound();
        return Xml(ClientConfigDocuments.Thunderbird(hosted.Name, setup.Servers()));
    }

    private static async Task<IResult> AutodiscoverAsync(HttpContext context, IDirectoryStore directory, MailClientSetup setup)
    {
        string? address;
        try
        {
            address = await ReadAutodiscoverAddressAsync(context.Request, context.RequestAborted);
        }
        catch (Exception e) when (e is XmlException or InvalidDataException)
        {
            return Xml(ClientConfigDocuments.AutodiscoverError(e.Message), StatusCodes.Status400BadRequest);
        }
        if (address is null || DomainOf(address) is not { } domain)
            return Xml(ClientConfigDocuments.AutodiscoverError("The request names no e-mail address."), StatusCodes.Status400BadRequest);
        if (await directory.FindDomainAsync(domain, context.RequestAborted) is null)
            return TypedResults.NotFound();
        return Xml(ClientConfigDocuments.Autodiscover(address, setup.Servers()));
    }

    /// <summary><c>Autodiscover/Request/EMailAddress</c> of a bounded request, read with no DTD and no external entities.</summary>
    private static async Task<string?> ReadAutodiscoverAddressAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxAutodiscoverRequest)
            throw new InvalidDataException($"The request is larger than {MaxAutodiscoverRequest} octets.");
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxAutodiscoverRequest)
                throw new InvalidDataException($"The request is larger than {MaxAutodiscoverRequest} octets.");
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        using var reader = XmlReader.Create(buffer, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxAutodiscoverRequest });
        var document = XDocument.Load(reader);
        var ns = ClientConfigDocuments.AutodiscoverRequest;
        return document.Root?.Element(ns + "Request")?.Element(ns + "EMailAddress")?.Value.Trim();
    }

    private static async Task<IResult> AppleProfileAsync(HttpContext context, IDirectoryStore directory, MailClientSetup setup)
    {
        if (await directory.GetAccountAsync(context.User.GetAccountId(), context.RequestAborted) is not { } account)
            return TypedResults.NotFound();
        var profile = ClientConfigDocuments.AppleProfile(account.Address, account.DisplayName.Length > 0 ? account.DisplayName : account.Address, setup.Servers());
        context.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.File(profile, "application/x-apple-aspen-config", $"{account.Address}.mobileconfig");
    }

    private static string? DomainOf(string address) =>
        address.LastIndexOf('@') is var at and > 0 && at < address.Length - 1 ? address[(at + 1)..].Trim().ToLowerInvariant() : null;

    private static IResult Xml(XDocument document, int status = StatusCodes.Status200OK) =>
        TypedResults.Text(document.Declaration + "\n" + document.ToString(), "application/xml; charset=utf-8", System.Text.Encoding.UTF8, status);
}
