using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.ManageSieve.Session;

namespace Webmail.ManageSieve.Net;

/// <summary>
/// Accepts ManageSieve connections on one endpoint (plain, STARTTLS offered) and runs an asynchronous
/// <see cref="ManageSieveSession"/> for each. Connections past <c>Webmail:Limits:MaxSessionsPerIp</c>
/// from one address or <c>MaxManageSieveSessions</c> in all are answered <c>BYE (TRYLATER)</c>. A
/// failing session is logged and closed; the listener keeps serving.
/// </summary>
public sealed class ManageSieveListener(string name, IPEndPoint endpoint, ManageSieveServerContext server)
    : MailListener(name, endpoint, implicitTls: false, server.Loggers.CreateLogger<ManageSieveListener>())
{
    protected override string Protocol => "ManageSieve";

    protected override string StartTlsCommand => "STARTTLS";

    protected override int Backlog => 128;

    protected override void OnAccepted(Socket client, long id) => AddSession(id, RunSessionAsync(client, id));

    private async Task RunSessionAsync(Socket client, long id)
    {
        await Task.Yield();
        IPEndPoint remote;
        try
        {
            remote = (IPEndPoint)client.RemoteEndPoint!;
        }
        catch (SocketException)
        {
            // Reset before we looked at it.
            client.Dispose();
            RemoveSession(id);
            return;
        }
        var limits = server.Options.Limits;
        var admission = server.Connections.TryOpen(remote.Address, limits.MaxSessionsPerIp, limits.MaxManageSieveSessions);
        if (admission != ConnectionAdmission.Admitted)
        {
            Logger.LogWarning("ManageSieve listener {Name}: refused a connection from {RemoteIp}: too many sessions {Where}", Name, remote.Address,
                admission == ConnectionAdmission.TooManyFromAddress ? "from the address" : "in all");
            await RefuseAsync(client).ConfigureAwait(false);
            RemoveSession(id);
            return;
        }
        ManageSieveConnection? connection = null;
        try
        {
            connection = new ManageSieveConnection(client, remote);
            await new ManageSieveSession(connection, server, $"{Name}-{id}", Stopping).RunAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Last line of defence: a bug outside a command. The listener keeps serving others.
            Logger.LogError(e, "ManageSieve session {Session} from {RemoteIp} failed", id, remote.Address);
        }
        finally
        {
            if (connection is null)
                client.Dispose();
            else
                await connection.DisposeAsync().ConfigureAwait(false);
            server.Connections.Close(remote.Address);
            RemoveSession(id);
        }
    }

    private async Task RefuseAsync(Socket client)
    {
        using (client)
        {
            try
            {
                // RFC 5804 §1.3: TRYLATER, a temporary condition.
                await client.SendAsync(Encoding.ASCII.GetBytes("BYE (TRYLATER) \"Too many connections, try again later\"\r\n"), SocketFlags.None, Stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                Logger.LogDebug(e, "Client went away before the BYE");
            }
        }
    }
}
