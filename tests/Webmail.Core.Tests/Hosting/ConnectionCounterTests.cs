using System.Net;
using Webmail.Core.Hosting;

namespace Webmail.Core.Tests.Hosting;

public sealed class ConnectionCounterTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.1");

    [Fact]
    public void AnIpv4MappedAddressCountsAsTheSameClient()
    {
        var counter = new ConnectionCounter();

        Assert.Equal(ConnectionAdmission.Admitted, counter.TryOpen(Client, perAddress: 2, inAll: 0));
        Assert.Equal(ConnectionAdmission.Admitted, counter.TryOpen(Client.MapToIPv6(), perAddress: 2, inAll: 0));

        Assert.Equal(ConnectionAdmission.TooManyFromAddress, counter.TryOpen(Client.MapToIPv6(), perAddress: 2, inAll: 0));
        Assert.Equal(2, counter.OpenFrom(Client));
    }

    [Fact]
    public void ClosingFreesTheSlot()
    {
        var counter = new ConnectionCounter();
        counter.TryOpen(Client, perAddress: 1, inAll: 0);

        counter.Close(Client.MapToIPv6());

        Assert.Equal(0, counter.OpenFrom(Client));
        Assert.Equal(0, counter.Total);
        Assert.Equal(ConnectionAdmission.Admitted, counter.TryOpen(Client, perAddress: 1, inAll: 0));
    }

    [Fact]
    public void TheOverallLimitCountsEveryAddress()
    {
        var counter = new ConnectionCounter();
        counter.TryOpen(Client, perAddress: 0, inAll: 1);

        Assert.Equal(ConnectionAdmission.TooManyInAll, counter.TryOpen(IPAddress.Parse("198.51.100.7"), perAddress: 0, inAll: 1));
        Assert.Equal(1, counter.Total);
    }
}
