using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;

using Webmail.Core.Hosting;

namespace Webmail.Core.Security;

/// <summary>
/// One limiter for failed logins across SMTP, POP3 and the web, keyed per IP address and per account.
/// <list type="bullet">
/// <item>Per IP: each failure adds a growing delay; at <see cref="SecurityOptions.MaxFailedLogins"/>
/// failures within <see cref="SecurityOptions.LoginBanDuration"/> the address is banned for that long.</item>
/// <item>Per account: never a ban (anyone could lock a known account out by guessing from many
/// addresses). From <see cref="SecurityOptions.MaxFailedLogins"/> failures on, every failure pauses
/// the account for a time that doubles from <see cref="SecurityOptions.LoginDelayStep"/> up to
/// <see cref="SecurityOptions.MaxAccountLoginPause"/>; attempts during a pause are refused unchecked, so
/// guessing is rate-limited however many addresses it comes from. The pause does not apply to an
/// address where the account signed in successfully within <see cref="KnownAddressLifetime"/>: the real
/// user keeps working during an attack.</item>
/// </list>
/// A success clears the account's count and the IP's (unless the IP is banned). Counts are in memory, per node; a
/// ban or pause once earned is announced (<see cref="BanEarned"/>) and <see cref="SharedLoginBans"/> stores it and
/// carries it to the other nodes, which <see cref="ApplyBan"/> it.
/// </summary>
public sealed class LoginLimiter(IOptionsMonitor<WebmailOptions> options, TimeProvider time)
{
    /// <summary>How long an address stays "known" for an account after a successful sign-in from it.</summary>
    public static readonly TimeSpan KnownAddressLifetime = TimeSpan.FromDays(30);

    private readonly ConcurrentDictionary<string, Record> _records = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _knownAddresses = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _throttleReports = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How often a refused attempt from one banned address is logged and audited.</summary>
    public static readonly TimeSpan ThrottleReportInterval = TimeSpan.FromMinutes(1);

    private sealed class Record
    {
        public int Failures;
        public DateTimeOffset WindowStart;
        public DateTimeOffset? BannedUntil;
    }

    private SecurityOptions Settings => options.CurrentValue.Security;

    /// <summary>Raised, outside any lock, when an address is banned or an account paused here: the key and the end.</summary>
    public event Action<string, DateTimeOffset>? BanEarned;

    /// <summary>
    /// Holds a ban or pause another node earned (<paramref name="key"/> as <see cref="BanEarned"/> gave it) until
    /// <paramref name="until"/>, or longer if this node's own lasts longer.
    /// </summary>
    public void ApplyBan(string key, DateTimeOffset until)
    {
        var now = time.GetUtcNow();
        if (until <= now)
            return;
        var record = _records.GetOrAdd(key, _ => new Record { WindowStart = now });
        lock (record)
        {
            if (record.BannedUntil is { } mine && mine >= until)
                return;
            record.BannedUntil = until;
            record.Failures = Math.Max(record.Failures, Settings.MaxFailedLogins);
            record.WindowStart = now;
        }
    }

    /// <summary>True when the IP is banned, or the account is paused and this IP is not one it signed in from.</summary>
    public bool IsBlocked(IPAddress? remote, string? account) => BlockedFor(remote, account) is not null;

    /// <summary>
    /// How long until this IP may try again: the rest of its ban, or of the account's pause when that applies
    /// (<see cref="IsBlocked"/>), whichever ends later; null when neither holds. What an HTTP 429 says in
    /// <c>Retry-After</c>.
    /// </summary>
    public TimeSpan? BlockedFor(IPAddress? remote, string? account)
    {
        var address = BanLeft(IpKey(remote));
        var paused = account is not null && !IsKnown(remote, account) ? BanLeft(AccountKey(account)) : null;
        return address is null ? paused : paused is null ? address : address > paused ? address : paused;
    }

    /// <summary>How long to wait before answering the next attempt from this IP for this account.</summary>
    public TimeSpan DelayFor(IPAddress? remote, string? account)
    {
        var accountFailures = account is null || IsKnown(remote, account) ? 0 : FailuresOf(AccountKey(account));
        var failures = Math.Max(FailuresOf(IpKey(remote)), accountFailures);
        var delay = TimeSpan.FromTicks(Settings.LoginDelayStep.Ticks * failures);
        return delay > Settings.MaxLoginDelay ? Settings.MaxLoginDelay : delay;
    }

    /// <summary>Counts a failure; returns true when it made the account reach the threshold (its pauses start).</summary>
    public bool RecordFailure(IPAddress? remote, string? account)
    {
        WebmailMeter.LoginFailures.Add(1);
        Bump(IpKey(remote), isAccount: false);
        return account is not null && Bump(AccountKey(account), isAccount: true);
    }

    public void RecordSuccess(IPAddress? remote, string account)
    {
        _records.TryRemove(AccountKey(account), out _);
        if (_records.TryGetValue(IpKey(remote), out var r) && r.BannedUntil is null)
            _records.TryRemove(IpKey(remote), out _);
        if (remote is not null)
            _knownAddresses[KnownKey(remote, account)] = time.GetUtcNow();
    }

    /// <summary>
    /// True at most once per <see cref="ThrottleReportInterval"/> for one IP address: whoever is banned
    /// must not be able to make the server write a log line and an audit row for every refused try.
    /// </summary>
    public bool ShouldReportThrottle(IPAddress? remote)
    {
        var now = time.GetUtcNow();
        var key = IpKey(remote);
        var last = _throttleReports.GetOrAdd(key, DateTimeOffset.MinValue);
        if (now - last < ThrottleReportInterval || !_throttleReports.TryUpdate(key, now, last))
            return false;
        if (_throttleReports.Count > 10_000)
        {
            foreach (var (k, at) in _throttleReports)
            {
                if (now - at >= ThrottleReportInterval)
                    _throttleReports.TryRemove(k, out _);
            }
        }
        return true;
    }

    /// <summary>Banned addresses and paused accounts right now (dashboard).</summary>
    public int ActiveBans => _records.Values.Count(r => r.BannedUntil > time.GetUtcNow());

    private bool Bump(string key, bool isAccount)
    {
        var now = time.GetUtcNow();
        var record = _records.GetOrAdd(key, _ => new Record { WindowStart = now });
        DateTimeOffset? bannedBefore, bannedAfter;
        bool result;
        lock (record)
        {
            bannedBefore = record.BannedUntil;
            result = BumpLocked(record, now, isAccount);
            bannedAfter = record.BannedUntil;
        }
        if (bannedAfter is { } until && until != bannedBefore)
            BanEarned?.Invoke(key, until);
        return result;
    }

    private bool BumpLocked(Record record, DateTimeOffset now, bool isAccount)
    {
        if (now - record.WindowStart > Settings.LoginBanDuration && !(record.BannedUntil > now))
        {
            record.Failures = 0;
            record.WindowStart = now;
            record.BannedUntil = null;
        }
        record.Failures++;
        if (record.Failures < Settings.MaxFailedLogins)
            return false;
        if (isAccount)
        {
            record.BannedUntil = now + AccountPause(record.Failures - Settings.MaxFailedLogins);
            if (record.Failures == Settings.MaxFailedLogins)
                WebmailMeter.LoginBans.Add(1, new KeyValuePair<string, object?>("kind", "account"));
            return record.Failures == Settings.MaxFailedLogins;
        }
        if (record.BannedUntil is not null)
            return false;
        record.BannedUntil = now + Settings.LoginBanDuration;
        WebmailMeter.LoginBans.Add(1, new KeyValuePair<string, object?>("kind", "address"));
        return true;
    }

    /// <summary>LoginDelayStep × 2^beyond, capped at MaxAccountLoginPause.</summary>
    private TimeSpan AccountPause(int beyond)
    {
        var pause = Settings.LoginDelayStep.Ticks * Math.Pow(2, Math.Min(beyond, 40));
        return pause >= Settings.MaxAccountLoginPause.Ticks ? Settings.MaxAccountLoginPause : TimeSpan.FromTicks((long)pause);
    }

    private bool IsKnown(IPAddress? remote, string account) =>
        remote is not null && _knownAddresses.TryGetValue(KnownKey(remote, account), out var at) && time.GetUtcNow() - at < KnownAddressLifetime;

    /// <summary>The rest of the key's ban or pause, or null when it has none now.</summary>
    private TimeSpan? BanLeft(string key)
    {
        if (!_records.TryGetValue(key, out var record))
            return null;
        lock (record)
        {
            var now = time.GetUtcNow();
            if (record.BannedUntil is { } until && until > now)
                return until - now;
            // Forget a record whose ban and counting window are both over.
            if (record.BannedUntil is not null && now - record.WindowStart > Settings.LoginBanDuration)
                _records.TryRemove(key, out _);
            return null;
        }
    }

    private int FailuresOf(string key)
    {
        if (!_records.TryGetValue(key, out var record))
            return 0;
        lock (record)
            return time.GetUtcNow() - record.WindowStart > Settings.LoginBanDuration ? 0 : record.Failures;
    }

    private static string IpKey(IPAddress? remote) => "ip:" + (remote?.ToString() ?? "?");
    private static string AccountKey(string account) => "acct:" + account.Trim().ToLowerInvariant();
    private static string KnownKey(IPAddress remote, string account) => AccountKey(account) + "|" + remote;
}
