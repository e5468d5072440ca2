using Microsoft.Extensions.DependencyInjection;
using Webmail.Admin;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Admin;

public sealed class DashboardServiceTests
{
    [Fact]
    public async Task FiguresCountAccountsDomainsMailEventsAndFailedLogins()
    {
        await using var store = new TestStore();
        await store.CreateAccountAsync("a@one.example");
        await store.CreateAccountAsync("b@two.example");
        var state = store.Services.GetRequiredService<IServerStateStore>();
        await state.RecordMailEventAsync(MailEventKind.Received, 3, default);
        await state.RecordMailEventAsync(MailEventKind.Bounced, 1, default);
        await store.Services.GetRequiredService<IAuditLog>().WriteAsync("x@one.example", DashboardService.FailedLoginAction, "web", "", "192.0.2.1", default);
        var raw = TestMessages.Simple(to: "a@one.example");
        var account = (await store.Directory.FindAccountAsync("a@one.example", default))!;
        await store.Messages.DeliverAsync(new DeliveryRequest(raw, [new MailboxDelivery(account.Id, SpecialFolder.Inbox)]), default);

        var figures = await ActivatorUtilities.CreateInstance<DashboardService>(store.Services).GetAsync(default);

        Assert.Equal((2L, 2), (figures.Accounts, figures.Domains));
        Assert.Equal(1, figures.Messages);
        Assert.True(figures.DatabaseBytes > 0);
        Assert.Equal(1, figures.FailedLoginsLastHour);
        Assert.Equal(24, figures.Hourly.Buckets.Count);
        Assert.Equal(30, figures.Daily.Buckets.Count);
        Assert.Equal(3, figures.Hourly.Counts[MailEventKind.Received][^1]);
        Assert.Equal(3, figures.Daily.Total(MailEventKind.Received));
        Assert.Equal(1, figures.Hourly.Total(MailEventKind.Bounced));
        Assert.Equal(0, figures.Hourly.Total(MailEventKind.Sent));
    }
}
