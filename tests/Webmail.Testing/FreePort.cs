using System.Net;
using System.Net.Sockets;

namespace Webmail.Testing;

/// <summary>
/// Loopback ports that are free right now, for servers told their port in configuration (SmtpServer
/// cannot report what port 0 bound).
/// </summary>
/// <remarks>
/// Ports come from below Linux's ephemeral range (32768–60999): a port the kernel handed out for
/// port 0 is also one it hands to the next outgoing connection of any process, and a busy suite
/// (browsers, HTTP and SMTP clients in parallel test assemblies) took one before the server bound it.
/// Below the range only another listener can take it, and <see cref="TestServer"/> starts again then.
/// </remarks>
public static class FreePort
{
    private const int First = 20000, Last = 32767;
    private static int _next = First + Random.Shared.Next(Last - First);

    public static int Next()
    {
        for (var tries = 0; tries < Last - First; tries++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % (Last - First));
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try the next one.
            }
        }
        throw new InvalidOperationException($"No free loopback port between {First} and {Last}.");
    }
}
