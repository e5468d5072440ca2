using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.Pop3.Protocol;

namespace Webmail.Pop3.Net;

/// <summary>
/// Accepts POP3 connections on one endpoint (plain with STLS, or implicit TLS) and runs a
/// <see cref="Pop3Session"/> for each on a thread of its own with blocking I/O — one thread per
/// session, as Dovecot has one process per session, within <c>Webmail:Limits:MaxPop3Sessions</c>.
/// A failing session is logged and closed; the listener keeps serving. Disposing stops accepting,
/// ends open sessions (without the UPDATE state) and waits for them.
/// </summary>
public sealed class Pop3Listener(string name, IPEndPoint endpoint, bool implicitTls, Pop3ServerContext server)
    : MailListener(name, endpoint, implicitTls, server.Loggers.CreateLogger<Pop3Listener>())
{
    protected override string Protocol => "POP3";

    protected override string StartTlsCommand => "STLS";

    protected override int Backlog => 512;

    protected override void OnAccepted(Socket client, long id) => Admit(client, id);

    /// <summary>
    /// Starts a session for <paramref name="client"/> on a thread of its own, or turns the connection
    /// away when its address, or the server as a whole, has as many sessions as allowed.
    /// </summary>
    private void Admit(Socket client, long id)
    {
        var sessionId = $"{Name}-{id}";
        IPEndPoint remote;
        try
        {
            remote = (IPEndPoint)client.RemoteEndPoint!;
        }
        catch (SocketException)
        {
            // Reset before we looked at it.
            client.Dispose();
            return;
        }
        var limits = server.Options.Limits;
        var admission = server.Connections.TryOpen(remote.Address, limits.MaxSessionsPerIp, limits.MaxPop3Sessions);
        if (admission != ConnectionAdmission.Admitted)
        {
            var fromAddress = admission == ConnectionAdmission.TooManyFromAddress;
            Logger.LogWarning("POP3 {Session}: too many connections {Where}", sessionId, fromAddress ? $"from {remote.Address}" : "in all");
            // A fresh socket's send buffer is empty: this short line never blocks the accept loop.
            // (Plain text even on the implicit-TLS port: no thread is spent on a handshake for a refusal.)
            TrySend(client, fromAddress ? "-ERR [SYS/TEMP] Too many connections from your address\r\n" : "-ERR [SYS/TEMP] Too many connections, try again later\r\n");
            client.Dispose();
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        AddSession(id, done.Task);
        void Finish()
        {
            server.Connections.Close(remote.Address);
            RemoveSession(id);
            done.SetResult();
        }
        var thread = new Thread(() =>
        {
            try
            {
                RunConnection(client, remote, sessionId);
            }
            finally
            {
                Finish();
            }
        })
        {
            IsBackground = true,
            Name = "POP3 session",
        };
        try
        {
            thread.Start();
        }
        catch (OutOfMemoryException ex)
        {
            // No thread to be had: refuse this one, keep accepting.
            Logger.LogError(ex, "POP3 {Session}: no thread for the session", sessionId);
            client.Dispose();
            Finish();
        }
    }

    /// <summary>
    /// The whole life of one connection, on its own thread: TLS if implicit, then the session.
    /// Nothing may escape: an exception leaving a thread would end the process.
    /// </summary>
    private void RunConnection(Socket client, IPEndPoint remote, string sessionId)
    {
        Pop3Connection? connection = null;
        try
        {
            connection = new Pop3Connection(client, remote, server.Time, server.Options.Limits.Pop3IdleTimeout);
            // Shutdown wakes a session blocked in a read or a send; it ends without the UPDATE state.
            using var abort = Stopping.UnsafeRegister(static state => ((Pop3Connection)state!).Abort(), connection);
            if (ImplicitTls)
                connection.StartTls(server.Certificates.Certificate, server.TlsHandshakeTimeout);
            new Pop3Session(connection, server, sessionId, Stopping).Run();
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or OperationCanceledException)
        {
            Logger.LogDebug(ex, "POP3 {Session} from {RemoteIp} ended early", sessionId, remote.Address);
        }
        catch (Exception ex)
        {
            // Last line of defence: a bug outside a command. The listener keeps serving others.
            Logger.LogError(ex, "POP3 {Session} from {RemoteIp} failed", sessionId, remote.Address);
        }
        finally
        {
            if (connection is null)
                client.Dispose();
            else
                connection.Dispose();
        }
    }

    private void TrySend(Socket client, string line)
    {
        try
        {
            client.Send(System.Text.Encoding.ASCII.GetBytes(line));
        }
        catch (SocketException ex)
        {
            Logger.LogDebug(ex, "POP3 listener {Name}: refusing a connection failed", Name);
        }
    }
}
