using System.Diagnostics;
using Microsoft.Playwright;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// Browser circuits of <c>imap-load</c>, one per account in turn: signed in before the load (as in
/// the soak), then every few seconds the next of: Inbox, open the newest message (it is marked read),
/// archive a message every IDLE session of the account has seen (found by its subject word), search
/// for the latest delivered message, Sent. At a kill the pages are closed (<see cref="CloseAllAsync"/>)
/// and signed in again on the restarted server.
/// </summary>
internal sealed class BrowserLoad(ImapLoadRun run, Browser browser, int circuits)
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(3);
    private readonly IPage?[] _pages = new IPage?[circuits];
    private readonly int[] _pageEpochs = new int[circuits];

    private (string Name, Func<IPage, AccountLedger, Task<bool>> Run)[]? _actions;

    private (string Name, Func<IPage, AccountLedger, Task<bool>> Run)[] Actions => _actions ??=
    [
        ("folder", (page, _) => WebCircuit.OpenFolderAsync(page, "Inbox")),
        ("open message", (page, _) => WebCircuit.OpenNewestAsync(page, ClickLost)),
        ("archive", ArchiveAsync),
        ("search", (page, account) => account.LastDelivered is { } id ? WebCircuit.SearchAsync(page, AccountLedger.Token(id)) : Task.FromResult(false)),
        ("folder", (page, _) => WebCircuit.OpenFolderAsync(page, "Sent")),
    ];

    private void ClickLost() => Interlocked.Increment(ref run.Stats.LostClicks);

    private AccountLedger AccountOf(int circuit) => run.Accounts[circuit % run.Accounts.Length];

    private string BaseUrl => $"http://127.0.0.1:{run.Control.Server.WebPort}";

    /// <summary>Signs every circuit in, one after another; returns how many made it.</summary>
    public async Task<int> SignInAllAsync()
    {
        for (var circuit = 0; circuit < circuits; circuit++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                _pages[circuit] = await WebCircuit.SignInAsync(browser, BaseUrl, AccountOf(circuit).User);
                _pageEpochs[circuit] = run.Control.Epoch;
                run.Stats.Browser("sign-in", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                run.Stats.Failures.Record("web sign-in before load", e);
            }
        }
        return _pages.Count(p => p is not null);
    }

    /// <summary>
    /// Closes every page (after a kill: their circuits died with the server). Left open, the 20 pages
    /// whose connection is lost took the machine's two cores (1.9–2.0) until the restarted server
    /// answered, and the restart took 32–52 s instead of about one; users' browsers are not on the
    /// server's machine. The circuits sign in again once the gate reopens.
    /// </summary>
    public async Task CloseAllAsync()
    {
        await Task.WhenAll(_pages.Select(async (page, circuit) =>
        {
            if (page is null)
                return;
            _pages[circuit] = null;
            await WebCircuit.CloseAsync(page);
        }));
    }

    public Task RunAsync(CancellationToken stop) => Task.WhenAll(Enumerable.Range(0, circuits).Select(c => CircuitAsync(c, stop)));

    private async Task CircuitAsync(int circuit, CancellationToken stop)
    {
        var account = AccountOf(circuit);
        for (var step = circuit; !stop.IsCancellationRequested; step++)
        {
            IDisposable busy;
            try
            {
                busy = await run.Control.EnterAsync(null, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var epoch = run.Control.Epoch;
            var page = _pages[circuit];
            var stale = page is null || _pageEpochs[circuit] != epoch;
            var (name, action) = Actions[step % Actions.Length];
            if (stale)
                name = _pageEpochs[circuit] != epoch ? "sign-in after a kill" : "sign-in";
            try
            {
                using (busy)
                {
                    var started = Stopwatch.GetTimestamp();
                    if (stale)
                    {
                        if (page is not null)
                            await WebCircuit.CloseAsync(page);
                        _pages[circuit] = null;
                        _pages[circuit] = await WebCircuit.SignInAsync(browser, BaseUrl, account.User);
                        _pageEpochs[circuit] = epoch;
                    }
                    else if (!await action(page!, account))
                    {
                        continue;
                    }
                    run.Stats.Browser(name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                await Task.Delay(Pause + TimeSpan.FromMilliseconds(Random.Shared.Next(1000)), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                if (run.Control.Interrupted(epoch))
                    ImapLoadStats.Count(run.Stats.Interrupted, "web action cut off");
                else
                    run.Stats.Failures.Record($"web {name} (page: {(_pages[circuit] is { } shown ? await WebCircuit.DescribeAsync(shown) : "none")})", e);
                if (_pages[circuit] is { } broken)
                    await WebCircuit.CloseAsync(broken);
                _pages[circuit] = null;
            }
        }
        if (_pages[circuit] is { } last)
            await WebCircuit.CloseAsync(last);
    }

    /// <summary>Archives a message every IDLE session of the account has seen; false when there is none yet.</summary>
    private async Task<bool> ArchiveAsync(IPage page, AccountLedger account)
    {
        if (!account.TryTakeArchivable(out var id))
            return false;
        if (!await WebCircuit.ArchiveAsync(page, AccountLedger.Token(id), ClickLost))
            throw new TimeoutException($"archive: the search for {AccountLedger.Token(id)} found nothing");
        account.Archived.Enqueue(id);
        return true;
    }
}
