using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;

namespace Webmail.Settings;

/// <summary>The kind of server a mail program connects to.</summary>
public enum MailClientProtocol
{
    Imap,
    Pop3,
    Submission,
}

/// <summary>One server a mail program connects to: what a user types in, and what autoconfig describes.</summary>
public sealed record MailClientServer(MailClientProtocol Kind, string Host, int Port, bool ImplicitTls)
{
    public bool Incoming => Kind != MailClientProtocol.Submission;
    public string Purpose => Incoming ? "Incoming mail" : "Outgoing mail";
    public string Protocol => Kind switch { MailClientProtocol.Imap => "IMAP", MailClientProtocol.Pop3 => "POP3", _ => "SMTP" };

    /// <summary>Implicit TLS (RFC 8314) or STARTTLS: every client listener offers TLS, the certificate generated when none is configured.</summary>
    public string Security => ImplicitTls ? "SSL/TLS" : "STARTTLS";
}

/// <summary>
/// What a mail program needs to connect (IMAP, POP3, SMTP submission), from the listeners this
/// server actually runs, so Settings and the autoconfig documents never name a port that is off.
/// Within each kind, implicit TLS comes first (RFC 8314 §3 prefers it), so a client that takes the
/// first entry takes it. The inbound SMTP port is not for clients and is left out.
/// </summary>
public sealed class MailClientSetup(ListenerRegistry listeners, IOptionsMonitor<WebmailOptions> options)
{
    private static readonly (string Name, MailClientProtocol Kind)[] ClientListeners =
    [
        ("imaps", MailClientProtocol.Imap), ("imap", MailClientProtocol.Imap),
        ("pop3s", MailClientProtocol.Pop3), ("pop3", MailClientProtocol.Pop3),
        ("submissions", MailClientProtocol.Submission), ("submission", MailClientProtocol.Submission),
    ];

    /// <summary>The name clients connect to (<c>Webmail:Hostname</c>).</summary>
    public string Host => options.CurrentValue.Hostname;

    public IReadOnlyList<MailClientServer> Servers()
    {
        var running = listeners.Listeners.ToDictionary(l => l.Name);
        var servers = new List<MailClientServer>();
        foreach (var (name, kind) in ClientListeners)
        {
            if (running.TryGetValue(name, out var listener) && EndpointParser.Parse(listener.Endpoint) is { } endpoint)
                servers.Add(new MailClientServer(kind, Host, endpoint.Port, listener.ImplicitTls));
        }
        return servers;
    }
}
