using System.Diagnostics;

namespace Webmail.Benchmarks;

/// <summary>
/// What every load loop of an <c>imap-load</c> run shares: the controller's hold over the server,
/// the accounts' ledgers, the current phase's statistics, and the logins (after a start or a
/// restart the first session of each account logs in alone, so the others find the password
/// verified, as the server remembers it, instead of all queueing on its one KDF slot).
/// </summary>
internal sealed class ImapLoadRun(LoadControl control, AccountLedger[] accounts)
{
    /// <summary>Longest wait for any one IMAP command's answer.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    private readonly SemaphoreSlim[] _firstLogin = [.. accounts.Select(_ => new SemaphoreSlim(1))];
    private readonly int[] _loggedInEpoch = [.. accounts.Select(_ => -1)];
    private readonly SemaphoreSlim _logins = new(32);
    private ImapLoadStats _stats = new();

    public LoadControl Control { get; } = control;
    public AccountLedger[] Accounts { get; } = accounts;

    /// <summary>The statistics of the phase under way (swapped by the controller while the gate is closed).</summary>
    public ImapLoadStats Stats
    {
        get => Volatile.Read(ref _stats);
        set => Volatile.Write(ref _stats, value);
    }

    /// <summary>A session logged in to <paramref name="account"/> with QRESYNC enabled (RFC 7162 §3.2.3).</summary>
    public async Task<ImapLoadConnection> OpenSessionAsync(AccountLedger account, CancellationToken cancellationToken)
    {
        var epoch = Control.Epoch;
        if (Volatile.Read(ref _loggedInEpoch[account.Index]) == epoch)
            return await LoginAsync(account, cancellationToken);
        var first = _firstLogin[account.Index];
        await first.WaitAsync(cancellationToken);
        try
        {
            var session = await LoginAsync(account, cancellationToken);
            Volatile.Write(ref _loggedInEpoch[account.Index], epoch);
            return session;
        }
        finally
        {
            first.Release();
        }
    }

    private async Task<ImapLoadConnection> LoginAsync(AccountLedger account, CancellationToken cancellationToken)
    {
        await _logins.WaitAsync(cancellationToken);
        ImapLoadConnection? session = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CommandTimeout);
            session = await ImapLoadConnection.ConnectAsync(Control.Server.ImapPort, timeout.Token);
            var started = Stopwatch.GetTimestamp();
            var login = await session.CommandAsync($"LOGIN {account.User} \"{BenchmarkAccounts.Password}\"", timeout.Token);
            Stats.Command("LOGIN", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (!login.IsOk)
                throw new ReplyException(login.Status);
            var enable = await session.CommandAsync("ENABLE QRESYNC", timeout.Token);
            if (!enable.IsOk || !enable.Untagged.Any(u => u.Contains("QRESYNC", StringComparison.Ordinal)))
                throw new ReplyException("ENABLE QRESYNC: " + enable.Status);
            var ready = session;
            session = null;
            return ready;
        }
        finally
        {
            if (session is not null)
                await session.DisposeAsync();
            _logins.Release();
        }
    }
}
