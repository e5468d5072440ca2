using System.Net;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.ManageSieve.Net;

namespace Webmail.ManageSieve;

/// <summary>
/// Starts the ManageSieve listener when configured (<c>Webmail:ManageSieve:Endpoint</c>, STARTTLS
/// offered; default 127.0.0.1:4190, empty turns it off) and reports it to the <see cref="ListenerRegistry"/>.
/// RFC 5804 defines no implicit-TLS port, so there is only the one listener.
/// </summary>
public sealed class ManageSieveHostedService(ManageSieveServerContext server, ListenerRegistry registry)
    : MailListenerService<ManageSieveListener>(registry, server.Certificates)
{
    public const string ListenerName = "managesieve";

    protected override string Protocol => "ManageSieve";

    protected override IEnumerable<(string Name, ListenerOptions Options, bool ImplicitTls)> Configured() =>
        [(ListenerName, server.Options.ManageSieve, false)];

    protected override ManageSieveListener Create(string name, IPEndPoint endpoint, bool implicitTls) => new(name, endpoint, server);
}
