using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Outbound;

/// <summary>RFC 3464 reports: refusals, expiry, warnings, relay loops, and no report for a report.</summary>
public abstract class BounceTests(StoreProvider provider) : IAsyncLifetime
{
    /// <summary>A harness on this class's store provider.</summary>
    private Task<OutboundHarness> StartHarnessAsync(IDictionary<string, string?>? settings = null) => OutboundHarness.StartAsync(settings, provider: provider);

    private OutboundHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartHarnessAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static byte[] Message(string to = "betty@b.example", string? extraHeaders = null) =>
        TestMessages.Simple(from: "Lucy <lucy@a.example>", to: to, subject: "Lunch?", messageId: "lunch@a.example", extraHeaders: extraHeaders);

    [Fact]
    public async Task PermanentRefusalBouncesIntoTheSendersInboxNamingRecipientAndReply()
    {
        _h.Remote.RcptReply = _ => "550 5.1.1 <betty@b.example>: Recipient address rejected: User unknown";
        var ids = await _h.SendAsync(Message(), "betty@b.example");

        await _h.Queue.ProcessDueAsync(default);

        Assert.Null(await _h.QueueStore.GetAsync(ids[0], default));
        var dsn = OutboundHarness.Parse(Assert.Single(await _h.InboxAsync(_h.Lucy)));
        Assert.Equal("MAILER-DAEMON@mail.a.example", dsn.From.Mailboxes.Single().Address);
        Assert.Equal("lucy@a.example", dsn.To.Mailboxes.Single().Address);
        Assert.Equal("auto-replied", dsn.Headers["Auto-Submitted"]);
        Assert.Equal("multipart/report", dsn.Body!.ContentType.MimeType);
        var group = Assert.Single(OutboundHarness.RecipientGroups(dsn));
        Assert.Equal("rfc822; betty@b.example", group["Final-Recipient"]);
        Assert.Equal("failed", group["Action"]);
        Assert.Equal("5.1.1", group["Status"]);
        Assert.Equal("dns; 127.0.0.1", group["Remote-MTA"]);
        Assert.Equal("smtp; 550 5.1.1 <betty@b.example>: Recipient address rejected: User unknown", group["Diagnostic-Code"]);
        var text = ((MultipartReport)dsn.Body).OfType<TextPart>().First().Text;
        Assert.Contains("betty@b.example", text);
        Assert.Contains("User unknown", text);
        var quoted = ((MultipartReport)dsn.Body).OfType<TextRfc822Headers>().Single();
        Assert.Equal("<lunch@a.example>", "<" + quoted.Message!.MessageId + ">");
        Assert.Empty(_h.Remote.Accepted);
    }

    [Fact]
    public async Task SomeRecipientsAcceptedSomeRefusedDeliversAndBouncesOnlyTheRefused()
    {
        _h.Remote.RcptReply = r => r.StartsWith("nobody", StringComparison.Ordinal) ? "550 5.1.1 No such user" : "250 2.1.5 Ok";
        var ids = await _h.SendAsync(Message(to: "betty@b.example, nobody@b.example"), "betty@b.example", "nobody@b.example");

        await _h.Queue.ProcessDueAsync(default);

        var sent = Assert.Single(_h.Remote.Accepted);
        Assert.Equal(["betty@b.example"], sent.Recipients);
        Assert.Null(await _h.QueueStore.GetAsync(ids[0], default));
        var group = Assert.Single(OutboundHarness.RecipientGroups(OutboundHarness.Parse(Assert.Single(await _h.InboxAsync(_h.Lucy)))));
        Assert.Equal("rfc822; nobody@b.example", group["Final-Recipient"]);
    }

    [Fact]
    public async Task RefusedRecipientBouncesNowWhileTheDeferredOneStaysQueued()
    {
        _h.Remote.RcptReply = r => r.StartsWith("nobody", StringComparison.Ordinal) ? "550 5.1.1 No such user" : "450 4.2.1 Mailbox busy";
        var ids = await _h.SendAsync(Message(), "betty@b.example", "nobody@b.example");

        await _h.Queue.ProcessDueAsync(default);

        var entry = await _h.QueueStore.GetAsync(ids[0], default);
        Assert.NotNull(entry);
        Assert.Equal(["betty@b.example"], entry.Recipients);
        Assert.Contains("450 4.2.1 Mailbox busy", entry.LastError);
        Assert.Single(await _h.InboxAsync(_h.Lucy));

        _h.Remote.RcptReply = _ => "250 2.1.5 Ok";
        await _h.Queue.ProcessDueAsync(default);

        Assert.Equal(["betty@b.example"], Assert.Single(_h.Remote.Accepted).Recipients);
        Assert.Null(await _h.QueueStore.GetAsync(ids[0], default));
        Assert.Single(await _h.InboxAsync(_h.Lucy));
    }

    [Fact]
    public async Task RefusalAfterDataBouncesEveryAcceptedRecipient()
    {
        _h.Remote.DataReply = _ => "554 5.7.1 Message rejected as spam";
        await _h.SendAsync(Message(), "betty@b.example", "bob@b.example");

        await _h.Queue.ProcessDueAsync(default);

        var groups = OutboundHarness.RecipientGroups(OutboundHarness.Parse(Assert.Single(await _h.InboxAsync(_h.Lucy))));
        Assert.Equal(["rfc822; betty@b.example", "rfc822; bob@b.example"], groups.Select(g => g["Final-Recipient"]).Order());
        Assert.All(groups, g => Assert.Equal("smtp; 554 5.7.1 Message rejected as spam", g["Diagnostic-Code"]));
    }

    [Fact]
    public async Task NoBounceForABounce()
    {
        _h.Remote.RcptReply = _ => "550 5.1.1 No such user";
        var ids = await _h.SendAsAsync(Message(), "", null, "betty@b.example");

        await _h.Queue.ProcessDueAsync(default);

        Assert.Null(await _h.QueueStore.GetAsync(ids[0], default));
        Assert.Empty(await _h.InboxAsync(_h.Lucy));
        Assert.Equal(0, await _h.QueueStore.CountAsync(default));
        var events = await _h.Services.GetRequiredService<IServerStateStore>().GetMailEventsAsync(DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromDays(1), default);
        Assert.Equal(1, events.Where(e => e.Kind == MailEventKind.Bounced).Sum(e => e.Count));
    }

    [Fact]
    public async Task RelayedSenderGetsTheBounceThroughTheQueueFromANullSender()
    {
        await using var h = await StartHarnessAsync();
        await using var senderSide = new ScriptedSmtpServer();
        h.Remote.RcptReply = _ => "550 5.1.1 No such user";
        // c.example's mail goes to a second scripted server (Routes are read live).
        var options = h.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Webmail.Core.Configuration.WebmailOptions>>();
        options.CurrentValue.Delivery.Routes["c.example"] = senderSide.Endpoint;
        await h.SendAsAsync(Message(), "carol@c.example", null, "betty@b.example");

        await h.Queue.ProcessDueAsync(default);
        await h.Queue.ProcessDueAsync(default);

        var report = Assert.Single(senderSide.Accepted);
        Assert.Equal("", report.MailFrom);
        Assert.Equal(["carol@c.example"], report.Recipients);
        Assert.Contains("Final-Recipient: rfc822; betty@b.example", Encoding.UTF8.GetString(report.Data));
        Assert.Equal(0, await h.QueueStore.CountAsync(default));
    }

    [Fact]
    public async Task ExpiredEntryBouncesWithDeliveryTimeExpired()
    {
        await using var h = await StartHarnessAsync(new Dictionary<string, string?>
        {
            ["Webmail:Delivery:Routes:b.example"] = $"127.0.0.1:{FreePort.Next()}",
            ["Webmail:Delivery:MaxQueueLifetime"] = "00:00:00",
        });
        var ids = await h.SendAsync(Message(), "betty@b.example");

        await h.Queue.ProcessDueAsync(default);

        Assert.Null(await h.QueueStore.GetAsync(ids[0], default));
        var group = Assert.Single(OutboundHarness.RecipientGroups(OutboundHarness.Parse(Assert.Single(await h.InboxAsync(h.Lucy)))));
        Assert.Equal("failed", group["Action"]);
        Assert.Equal("4.4.7", group["Status"]);
    }

    [Fact]
    public async Task SenderIsWarnedOnceAfterWarnAfter()
    {
        await using var h = await StartHarnessAsync(new Dictionary<string, string?>
        {
            ["Webmail:Delivery:Routes:b.example"] = $"127.0.0.1:{FreePort.Next()}",
            ["Webmail:Delivery:WarnAfter"] = "00:00:00",
        });
        var ids = await h.SendAsync(Message(), "betty@b.example");

        await h.Queue.ProcessDueAsync(default);
        await h.Queue.ProcessDueAsync(default);

        var entry = await h.QueueStore.GetAsync(ids[0], default);
        Assert.NotNull(entry);
        Assert.True(entry.WarningSent);
        Assert.Equal(2, entry.Attempts);
        var warning = OutboundHarness.Parse(Assert.Single(await h.InboxAsync(h.Lucy)));
        Assert.Equal("Delayed Mail (still being retried)", warning.Subject);
        var group = Assert.Single(OutboundHarness.RecipientGroups(warning));
        Assert.Equal("delayed", group["Action"]);
        Assert.StartsWith("4.", group["Status"]);
        Assert.NotNull(group["Will-Retry-Until"]);
    }

    [Fact]
    public async Task MoreThanThirtyReceivedHeadersBouncesAsARelayLoop()
    {
        var received = string.Concat(Enumerable.Range(0, 31).Select(i => $"Received: from hop{i}.example by hop{i + 1}.example; Sat, 28 Nov 2026 10:00:00 +0000\r\n"));
        var ids = await _h.SendAsync(Message(extraHeaders: received), "betty@b.example");

        await _h.Queue.ProcessDueAsync(default);

        Assert.Null(await _h.QueueStore.GetAsync(ids[0], default));
        Assert.Equal(0, _h.Remote.Connections);
        var group = Assert.Single(OutboundHarness.RecipientGroups(OutboundHarness.Parse(Assert.Single(await _h.InboxAsync(_h.Lucy)))));
        Assert.Equal("5.4.6", group["Status"]);
    }

    [Fact]
    public async Task ThirtyReceivedHeadersAreStillDelivered()
    {
        var received = string.Concat(Enumerable.Range(0, 30).Select(i => $"Received: from hop{i}.example by hop{i + 1}.example; Sat, 28 Nov 2026 10:00:00 +0000\r\n"));
        await _h.SendAsync(Message(extraHeaders: received), "betty@b.example");

        await _h.Queue.ProcessDueAsync(default);

        Assert.Single(_h.Remote.Accepted);
    }

    [Fact]
    public async Task BounceNowReportsAndRemovesTheEntry()
    {
        await using var h = await StartHarnessAsync(new Dictionary<string, string?>
        {
            ["Webmail:Delivery:Routes:b.example"] = $"127.0.0.1:{FreePort.Next()}",
        });
        var ids = await h.SendAsync(Message(), "betty@b.example");
        await h.Queue.ProcessDueAsync(default);

        Assert.True(await h.Queue.BounceNowAsync(ids[0], default));

        Assert.Null(await h.QueueStore.GetAsync(ids[0], default));
        var group = Assert.Single(OutboundHarness.RecipientGroups(OutboundHarness.Parse(Assert.Single(await h.InboxAsync(h.Lucy)))));
        Assert.Equal("failed", group["Action"]);
        Assert.False(await h.Queue.BounceNowAsync(ids[0], default));
    }
}

public sealed class BounceTestsOnSqlite() : BounceTests(StoreProvider.Sqlite);
public sealed class BounceTestsOnPostgres() : BounceTests(StoreProvider.Postgres);
