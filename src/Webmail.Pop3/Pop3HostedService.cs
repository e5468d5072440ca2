using System.Net;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Pop3.Net;

namespace Webmail.Pop3;

/// <summary>
/// Starts the POP3 listeners the configuration asks for: <c>Webmail:Pop3:Endpoint</c> (plain,
/// STLS offered; default 127.0.0.1:1110) and <c>Webmail:Pop3Tls:Endpoint</c> (implicit TLS; off
/// when empty), and reports them to the <see cref="ListenerRegistry"/> for /healthz.
/// </summary>
public sealed class Pop3HostedService(Pop3ServerContext server, ListenerRegistry registry)
    : MailListenerService<Pop3Listener>(registry, server.Certificates)
{
    public const string PlainListener = "pop3";
    public const string TlsListener = "pop3s";

    protected override string Protocol => "POP3";

    protected override IEnumerable<(string Name, ListenerOptions Options, bool ImplicitTls)> Configured() =>
        [(PlainListener, server.Options.Pop3, false), (TlsListener, server.Options.Pop3Tls, true)];

    protected override Pop3Listener Create(string name, IPEndPoint endpoint, bool implicitTls) => new(name, endpoint, implicitTls, server);
}
