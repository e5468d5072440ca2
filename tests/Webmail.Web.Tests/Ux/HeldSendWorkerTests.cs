using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Webmail.Compose;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;
using Webmail.Web.Tests.Compose;

namespace Webmail.Web.Tests.Ux;

/// <summary>The held-send worker on a clock the test moves: nothing goes before its time, then it goes once, through the pipeline.</summary>
[Collection(ComposeCollection.Name)]
public sealed class HeldSendWorkerTests(ComposeFixture fixture)
{
    /// <summary>A clock that stands still until the test moves it.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task TheWorkerReleasesAHeldMessageAtItsTimeOnItsClockAndOnlyOnce()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var held = fixture.Server.Services.GetRequiredService<IHeldSubmissionStore>();
        // A day ahead: the server's own worker, on the real clock, leaves this message alone.
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddDays(1));
        var raw = TestMessages.Simple(from: lucy.Address, to: betty.Address, subject: "On the test's clock");
        await held.HoldAsync(new NewHeldSubmission(lucy.Id, raw, clock.Now.AddSeconds(10), null, "New"), null, default);
        var worker = new HeldSendWorker(held, fixture.Server.Services.GetRequiredService<ComposeService>(), new HeldSendSignal(), clock, NullLogger<HeldSendWorker>.Instance);

        Assert.Equal(0, await worker.ReleaseDueAsync(default));
        clock.Now = clock.Now.AddSeconds(9.9);
        Assert.Equal(0, await worker.ReleaseDueAsync(default));
        Assert.Empty(await fixture.FolderAsync(betty, SpecialFolder.Inbox));

        clock.Now = clock.Now.AddSeconds(0.1);
        Assert.Equal(1, await worker.ReleaseDueAsync(default));
        Assert.Equal("On the test's clock", Assert.Single(await fixture.FolderAsync(betty, SpecialFolder.Inbox)).Message.Subject);
        Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.Empty(await held.ListAsync(lucy.Id, default));

        clock.Now = clock.Now.AddMinutes(10);
        Assert.Equal(0, await worker.ReleaseDueAsync(default));
        Assert.Single(await fixture.FolderAsync(betty, SpecialFolder.Inbox));
    }
}
