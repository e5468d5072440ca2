using System.Diagnostics;
using MailKit;
using Microsoft.Playwright;
using Webmail.Testing;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>
/// A change committed on one node reaches the IMAP sessions and open web pages of the other node within a second
/// (issue 19: PostgreSQL LISTEN/NOTIFY), and those read what changed from the shared store.
/// </summary>
public sealed class LiveUpdateTests
{
    private const string User = "ann@local.example";
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task IdleOnOneNodeHearsMailDeliveredOnTheOther()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User);
        using var imap = await NodeClients.ImapAsync(nodes[1].ImapPort, User);
        var inbox = imap.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(0, inbox.Count);
        var exists = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => exists.TrySetResult(Stopwatch.GetTimestamp());
        using var done = new CancellationTokenSource();
        var idle = imap.IdleAsync(done.Token);

        await NodeClients.SendAsync(nodes[0].SmtpPort, User, "delivered on node 0");
        var acknowledged = Stopwatch.GetTimestamp();

        var heard = await exists.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(Stopwatch.GetElapsedTime(acknowledged, heard) < Second, $"EXISTS came {Stopwatch.GetElapsedTime(acknowledged, heard).TotalMilliseconds} ms after the acknowledgement");
        Assert.Equal(1, inbox.Count);
        await done.CancelAsync();
        await idle;
        await imap.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task IdleCatchesUpAfterItsNodeLostTheListeningConnection()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User);
        using var imap = await NodeClients.ImapAsync(nodes[1].ImapPort, User);
        var inbox = imap.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var exists = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => exists.TrySetResult();
        using var done = new CancellationTokenSource();
        var idle = imap.IdleAsync(done.Token);

        // The nodes' LISTEN connections die (as in a PostgreSQL restart) and are kept dead, each reconnect ended at
        // once, until the delivery on node 0 has been signalled to nobody.
        await using var database = new Npgsql.NpgsqlConnection(nodes.ConnectionString);
        await database.OpenAsync();
        await using var terminate = new Npgsql.NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'webmail-listen' AND datname = current_database()", database);
        Assert.Equal(2L, await terminate.ExecuteScalarAsync());
        using var deaf = new CancellationTokenSource();
        var keepDeaf = Task.Run(async () =>
        {
            while (!deaf.IsCancellationRequested)
            {
                await terminate.ExecuteScalarAsync();
                await Task.Delay(20);
            }
        });
        await NodeClients.SendAsync(nodes[0].SmtpPort, User, "delivered while node 1 was deaf");
        await Task.Delay(500); // the signal goes out just after the commit
        await deaf.CancelAsync();
        await keepDeaf;

        // The signal was sent to nobody (node 1's listening connection lives a few milliseconds a second, between its
        // reconnect and the next terminate); node 1 resyncs each time it listens again, and its IDLE session reads the
        // store. That resync may come inside the deaf spell (a reconnect there raises it too) or after it.
        await exists.Task.WaitAsync(TimeSpan.FromSeconds(40));
        Assert.Equal(1, inbox.Count);
        await done.CancelAsync();
        await idle;
        await imap.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task StoreOnOneNodeShowsAsFetchFlagsOnTheOther()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User);
        await NodeClients.SendAsync(nodes[0].SmtpPort, User, "to be flagged");
        using var watcher = await NodeClients.ImapAsync(nodes[1].ImapPort, User);
        await watcher.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(1, watcher.Inbox.Count);
        var flagged = new TaskCompletionSource<(MessageFlags Flags, long At)>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Inbox.MessageFlagsChanged += (_, e) => flagged.TrySetResult((e.Flags, Stopwatch.GetTimestamp()));
        using var done = new CancellationTokenSource();
        var idle = watcher.IdleAsync(done.Token);

        using var writer = await NodeClients.ImapAsync(nodes[0].ImapPort, User);
        await writer.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await writer.Inbox.AddFlagsAsync(0, MessageFlags.Flagged, silent: true);
        var stored = Stopwatch.GetTimestamp();

        var (flags, at) = await flagged.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(Stopwatch.GetElapsedTime(stored, at) < Second, $"FETCH FLAGS came {Stopwatch.GetElapsedTime(stored, at).TotalMilliseconds} ms after the STORE");
        Assert.True(flags.HasFlag(MessageFlags.Flagged), $"flags seen on node 1: {flags}");
        await done.CancelAsync();
        await idle;
        await watcher.DisconnectAsync(quit: true);
        await writer.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task MailboxPageOnOneNodeListsMailDeliveredOnTheOther()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        await Browser.SignInWithFormPostAsync(page.Context, NodeClients.Url(nodes[1], ""), User);
        await page.GotoAsync(NodeClients.Url(nodes[1], "/"));
        await Browser.WaitForInteractiveAsync(page);
        var subject = "Live across nodes " + Guid.NewGuid().ToString("N")[..8];
        await Assertions.Expect(page.GetByText(subject)).ToHaveCountAsync(0);

        await NodeClients.SendAsync(nodes[0].SmtpPort, User, subject);

        // The page coalesces changes for half a second before it reloads the list.
        await Assertions.Expect(page.GetByText(subject).First).ToBeVisibleAsync(new() { Timeout = 3000 });
    }
}
