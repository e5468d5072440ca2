using System.Net;
using System.Net.Sockets;

namespace Webmail.Testing;

/// <summary>Loopback ports that are free right now (SmtpServer cannot report what port 0 bound).</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
