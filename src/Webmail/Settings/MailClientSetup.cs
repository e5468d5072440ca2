using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;

namespace Webmail.Settings;

/// <summary>One line of the "Mail programs" table: what a user types into a mail client.</summary>
public sealed record MailClientServer(string Purpose, string Protocol, string Host, int Port, string Security);

/// <summary>
/// What a mail program needs to connect (IMAP, POP3, SMTP submission), from the listeners this
/// server actually runs, so Settings never shows a port that is off. The inbound SMTP port is not
/// for clients and is left out.
/// </summary>
public sealed class MailClientSetup(ListenerRegistry listeners, IOptionsMonitor<WebmailOptions> options)
{
    private static readonly (string Name, string Purpose)[] ClientListeners =
    [
        ("imap", "Incoming mail"), ("imaps", "Incoming mail"),
        ("pop3", "Incoming mail"), ("pop3s", "Incoming mail"),
        ("submission", "Outgoing mail"), ("submissions", "Outgoing mail"),
    ];

    public IReadOnlyList<MailClientServer> Servers()
    {
        var host = options.CurrentValue.Hostname;
        var running = listeners.Listeners.ToDictionary(l => l.Name);
        var servers = new List<MailClientServer>();
        foreach (var (name, purpose) in ClientListeners)
        {
            if (!running.TryGetValue(name, out var listener) || EndpointParser.Parse(listener.Endpoint) is not { } endpoint)
                continue;
            var security = listener.ImplicitTls ? "SSL/TLS" : "STARTTLS";
            servers.Add(new MailClientServer(purpose, listener.Protocol, host, endpoint.Port, security));
        }
        return servers;
    }
}
