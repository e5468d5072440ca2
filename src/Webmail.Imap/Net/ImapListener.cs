using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.Imap.Session;

namespace Webmail.Imap.Net;

/// <summary>
/// Accepts IMAP connections on one endpoint (plain with STARTTLS, or implicit TLS) and runs an
/// asynchronous <see cref="ImapSession"/> for each: an idle session holds memory, never a thread.
/// Connections past <c>Webmail:Limits:MaxImapSessions</c>, or past
/// <c>MaxImapUnauthenticatedPerIp</c> not logged in from one address, are answered <c>* BYE</c>.
/// A failing session is logged and closed; the listener keeps serving.
/// </summary>
public sealed class ImapListener(string name, IPEndPoint endpoint, bool implicitTls, ImapServerContext server)
    : MailListener(name, endpoint, implicitTls, server.Loggers.CreateLogger<ImapListener>())
{
    protected override string Protocol => "IMAP";

    protected override string StartTlsCommand => "STARTTLS";

    protected override int Backlog => 1024;

    protected override void OnAccepted(Socket client, long id) => AddSession(id, RunSessionAsync(client, id));

    private async Task RunSessionAsync(Socket client, long id)
    {
        await Task.Yield();
        var address = ((IPEndPoint)client.RemoteEndPoint!).Address;
        var limits = server.Options.Limits;
        var admission = server.Unauthenticated.TryOpen(address, limits.MaxImapUnauthenticatedPerIp, 0);
        var open = SessionCount;
        if (admission != ConnectionAdmission.Admitted || (limits.MaxImapSessions > 0 && open > limits.MaxImapSessions))
        {
            if (admission == ConnectionAdmission.Admitted)
                server.Unauthenticated.Close(address);
            Logger.LogWarning("IMAP listener {Name}: refused a connection from {RemoteIp}: too many sessions", Name, address);
            await RefuseAsync(client).ConfigureAwait(false);
            RemoveSession(id);
            return;
        }
        var session = new ImapSession(new ImapConnection(client), server, ImplicitTls, id, Stopping);
        try
        {
            await session.RunAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Logger.LogError(e, "IMAP session {Session} from {RemoteIp} failed", id, address);
        }
        finally
        {
            if (!session.LoggedIn)
                server.Unauthenticated.Close(address);
            await session.DisposeAsync().ConfigureAwait(false);
            RemoveSession(id);
        }
    }

    private async Task RefuseAsync(Socket client)
    {
        using (client)
        {
            try
            {
                if (!ImplicitTls)
                    await client.SendAsync(Encoding.ASCII.GetBytes("* BYE Too many connections, try again later\r\n"), SocketFlags.None, Stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                Logger.LogDebug(e, "Client went away before the BYE");
            }
        }
    }
}
