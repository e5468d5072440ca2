using System.Net;
using System.Net.Sockets;
using Webmail.Testing;

namespace Webmail.Smtp.Tests;

/// <summary>A listener whose port is taken fails the start, naming itself, instead of a server that runs without it.</summary>
public sealed class ListenerStartTests
{
    [Theory]
    [InlineData("Webmail:Smtp:Inbound:Endpoint", "SMTP listener smtp")]
    [InlineData("Webmail:Smtp:Submission:Endpoint", "SMTP listener submission")]
    [InlineData("Webmail:Pop3:Endpoint", "POP3 listener pop3")]
    public async Task APortThatIsTakenFailsStartUpNamingTheListener(string setting, string named)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var endpoint = (IPEndPoint)taken.LocalEndpoint;

        var error = await Assert.ThrowsAsync<IOException>(() => TestServer.StartAsync(new Dictionary<string, string?> { [setting] = endpoint.ToString() }));

        Assert.StartsWith($"{named} cannot listen on {endpoint}:", error.Message, StringComparison.Ordinal);
        Assert.Equal(SocketError.AddressAlreadyInUse, Assert.IsType<SocketException>(error.InnerException).SocketErrorCode);
    }
}
