using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Webmail.Settings;

/// <summary>
/// The documents mail programs configure themselves from, each written from the same
/// <see cref="MailClientServer"/> list (<see cref="MailClientSetup"/>): Thunderbird's autoconfig,
/// Microsoft's Autodiscover (POX) and Apple's configuration profile. The user name is always the
/// full address, and no document carries a password.
/// </summary>
public static class ClientConfigDocuments
{
    /// <summary>
    /// Thunderbird's <c>config-v1.1.xml</c> (the format of its ISP database): every incoming server,
    /// then every outgoing one, in the order given (Thunderbird proposes the first of each).
    /// </summary>
    public static XDocument Thunderbird(string domain, IReadOnlyList<MailClientServer> servers) =>
        new(new XDeclaration("1.0", "UTF-8", null),
            new XElement("clientConfig", new XAttribute("version", "1.1"),
                new XElement("emailProvider", new XAttribute("id", domain),
                    new XElement("domain", domain),
                    new XElement("displayName", $"{domain} mail"),
                    new XElement("displayShortName", domain),
                    servers.Where(s => s.Incoming).Select(s => Server("incomingServer", s.Kind == MailClientProtocol.Imap ? "imap" : "pop3", s)),
                    servers.Where(s => !s.Incoming).Select(s => Server("outgoingServer", "smtp", s)))));

    private static XElement Server(string element, string type, MailClientServer server) =>
        new(element, new XAttribute("type", type),
            new XElement("hostname", server.Host),
            new XElement("port", server.Port),
            new XElement("socketType", server.ImplicitTls ? "SSL" : "STARTTLS"),
            new XElement("authentication", "password-cleartext"),
            new XElement("username", "%EMAILADDRESS%"));

    private static readonly XNamespace AutodiscoverResponse = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    private static readonly XNamespace OutlookResponse = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

    /// <summary>The request schema of POX Autodiscover: <c>Autodiscover/Request/EMailAddress</c>.</summary>
    public static readonly XNamespace AutodiscoverRequest = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";

    /// <summary>
    /// The POX Autodiscover answer for an address (MS-OXDSCLI): one <c>Protocol</c> per kind, the
    /// first (preferred) server of each; <c>Encryption</c> is <c>SSL</c> for implicit TLS and
    /// <c>TLS</c> for STARTTLS, and overrides <c>SSL</c> for the clients that know it.
    /// </summary>
    public static XDocument Autodiscover(string address, IReadOnlyList<MailClientServer> servers) =>
        new(new XDeclaration("1.0", "utf-8", null),
            new XElement(AutodiscoverResponse + "Autodiscover",
                new XElement(OutlookResponse + "Response",
                    new XElement(OutlookResponse + "User", new XElement(OutlookResponse + "EMailAddress", address)),
                    new XElement(OutlookResponse + "Account",
                        new XElement(OutlookResponse + "AccountType", "email"),
                        new XElement(OutlookResponse + "Action", "settings"),
                        servers.GroupBy(s => s.Kind).Select(kind => kind.First()).Select(s =>
                            new XElement(OutlookResponse + "Protocol",
                                new XElement(OutlookResponse + "Type", s.Kind == MailClientProtocol.Submission ? "SMTP" : s.Protocol),
                                new XElement(OutlookResponse + "Server", s.Host),
                                new XElement(OutlookResponse + "Port", s.Port),
                                new XElement(OutlookResponse + "DomainRequired", "off"),
                                new XElement(OutlookResponse + "LoginName", address),
                                new XElement(OutlookResponse + "SPA", "off"),
                                new XElement(OutlookResponse + "SSL", "on"),
                                new XElement(OutlookResponse + "Encryption", s.ImplicitTls ? "SSL" : "TLS"),
                                new XElement(OutlookResponse + "AuthRequired", "on")))))));

    /// <summary>The POX error answer (error code 600, "Invalid Request") for a request without a usable address.</summary>
    public static XDocument AutodiscoverError(string message) =>
        new(new XDeclaration("1.0", "utf-8", null),
            new XElement(AutodiscoverResponse + "Autodiscover",
                new XElement(AutodiscoverResponse + "Response",
                    new XElement(AutodiscoverResponse + "Error",
                        new XAttribute("Time", DateTimeOffset.UtcNow.ToString("HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture)),
                        new XAttribute("Id", "0"),
                        new XElement(AutodiscoverResponse + "ErrorCode", 600),
                        new XElement(AutodiscoverResponse + "Message", "Invalid Request"),
                        new XElement(AutodiscoverResponse + "DebugData", message)))));

    /// <summary>
    /// An Apple configuration profile (unsigned <c>.mobileconfig</c>, a property list) with one Mail
    /// account: IMAP (POP3 when IMAP is off) and SMTP submission, the preferred server of each. The
    /// identifiers are derived from the host and address, so downloading it again replaces the
    /// installed profile instead of adding a second account. The device asks for the password.
    /// </summary>
    public static byte[] AppleProfile(string address, string displayName, IReadOnlyList<MailClientServer> servers)
    {
        var incoming = servers.FirstOrDefault(s => s.Kind == MailClientProtocol.Imap) ?? servers.FirstOrDefault(s => s.Kind == MailClientProtocol.Pop3)
            ?? throw new InvalidOperationException("No IMAP or POP3 listener is running.");
        var outgoing = servers.FirstOrDefault(s => s.Kind == MailClientProtocol.Submission) ?? throw new InvalidOperationException("No submission listener is running.");
        var host = incoming.Host;
        var identifier = "mail." + string.Join('.', host.Split('.').Reverse()) + "." + address;
        var account = Dict(
            ("EmailAccountDescription", address),
            ("EmailAccountName", displayName),
            ("EmailAccountType", incoming.Kind == MailClientProtocol.Imap ? "EmailTypeIMAP" : "EmailTypePOP"),
            ("EmailAddress", address),
            ("IncomingMailServerAuthentication", "EmailAuthPassword"),
            ("IncomingMailServerHostName", incoming.Host),
            ("IncomingMailServerPortNumber", incoming.Port),
            ("IncomingMailServerUseSSL", true),
            ("IncomingMailServerUsername", address),
            ("OutgoingMailServerAuthentication", "EmailAuthPassword"),
            ("OutgoingMailServerHostName", outgoing.Host),
            ("OutgoingMailServerPortNumber", outgoing.Port),
            ("OutgoingMailServerUseSSL", true),
            ("OutgoingMailServerUsername", address),
            ("OutgoingPasswordSameAsIncomingPassword", true),
            ("PayloadDescription", $"Mail for {address}"),
            ("PayloadDisplayName", address),
            ("PayloadIdentifier", identifier + ".account"),
            ("PayloadType", "com.apple.mail.managed"),
            ("PayloadUUID", StableUuid(identifier + ".account")),
            ("PayloadVersion", 1));
        var profile = Dict(
            ("PayloadContent", new XElement("array", account)),
            ("PayloadDescription", $"Sets up {address} in Mail: incoming {incoming.Protocol} and outgoing SMTP at {host}. Mail asks for the password."),
            ("PayloadDisplayName", $"Mail for {address}"),
            ("PayloadIdentifier", identifier),
            ("PayloadOrganization", host),
            ("PayloadRemovalDisallowed", false),
            ("PayloadType", "Configuration"),
            ("PayloadUUID", StableUuid(identifier)),
            ("PayloadVersion", 1));
        var document = new XDocument(new XDeclaration("1.0", "UTF-8", null),
            new XDocumentType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null),
            new XElement("plist", new XAttribute("version", "1.0"), profile));
        using var output = new MemoryStream();
        using (var writer = System.Xml.XmlWriter.Create(output, new System.Xml.XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
            document.Save(writer);
        return output.ToArray();
    }

    private static XElement Dict(params (string Key, object Value)[] entries) =>
        new("dict", entries.SelectMany(e => new[] { new XElement("key", e.Key), Value(e.Value) }));

    private static XElement Value(object value) => value switch
    {
        bool b => new XElement(b ? "true" : "false"),
        int i => new XElement("integer", i),
        XElement element => element,
        _ => new XElement("string", value.ToString()),
    };

    /// <summary>A name-based UUID (RFC 9562 version 5 layout over SHA-1) of <paramref name="name"/>.</summary>
    private static string StableUuid(string name)
    {
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(name));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return Convert.ToHexString(hash, 0, 16).Insert(20, "-").Insert(16, "-").Insert(12, "-").Insert(8, "-");
    }
}
