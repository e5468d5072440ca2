using System.Net;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Imap.Net;

namespace Webmail.Imap;

/// <summary>
/// Starts the IMAP listeners that are configured (<c>Webmail:Imap:Endpoint</c> with STARTTLS,
/// <c>Webmail:ImapTls:Endpoint</c> with implicit TLS; empty turns one off) and reports them to the
/// <see cref="ListenerRegistry"/>.
/// </summary>
public sealed class ImapHostedService(ImapServerContext server, ListenerRegistry registry)
    : MailListenerService<ImapListener>(registry, server.Certificates)
{
    public const string PlainListener = "imap";
    public const string TlsListener = "imaps";

    protected override string Protocol => "IMAP";

    protected override IEnumerable<(string Name, ListenerOptions Options, bool ImplicitTls)> Configured() =>
        [(PlainListener, server.Options.Imap, false), (TlsListener, server.Options.ImapTls, true)];

    protected override ImapListener Create(string name, IPEndPoint endpoint, bool implicitTls) => new(name, endpoint, implicitTls, server);
}
