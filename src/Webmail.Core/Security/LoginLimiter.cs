using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;

namespace Webmail.Core.Security;

/// <summary>
/// One limiter for failed logins across SMTP, POP3 and the web. Each failure, counted per IP
/// address and per account name, adds a growing delay to the next attempt; at
/// <see cref="SecurityOptions.MaxFailedLogins"/> failures within the window the key is banned for
/// <see cref="SecurityOptions.LoginBanDuration"/>. A success clears the account's and the IP's count.
/// </summary>
public sealed class LoginLimiter(IOptionsMonitor<WebmailOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Record> _records = new(StringComparer.OrdinalIgnoreCase);

    private sealed class Record
    {
        public int Failures;
        public DateTimeOffset WindowStart;
        public DateTimeOffset? BannedUntil;
    }

    private SecurityOptions Settings => options.CurrentValue.Security;

    /// <summary>True when either the IP or the account is banned right now.</summary>
    public bool IsBlocked(IPAddress? remote, string? account) =>
        IsBanned(IpKey(remote)) || (account is not null && IsBanned(AccountKey(account)));

    /// <summary>How long to wait before answering the next attempt from this IP for this account.</summary>
    public TimeSpan DelayFor(IPAddress? remote, string? account)
    {
        var failures = Math.Max(FailuresOf(IpKey(remote)), account is null ? 0 : FailuresOf(AccountKey(account)));
        var delay = TimeSpan.FromTicks(Settings.LoginDelayStep.Ticks * failures);
        return delay > Settings.MaxLoginDelay ? Settings.MaxLoginDelay : delay;
    }

    /// <summary>Counts a failure; returns true when it caused a new ban of the account.</summary>
    public bool RecordFailure(IPAddress? remote, string? account)
    {
        Bump(IpKey(remote));
        return account is not null && Bump(AccountKey(account));
    }

    public void RecordSuccess(IPAddress? remote, string account)
    {
        _records.TryRemove(AccountKey(account), out _);
        if (_records.TryGetValue(IpKey(remote), out var r) && r.BannedUntil is null)
            _records.TryRemove(IpKey(remote), out _);
    }

    /// <summary>Counts failures in the last hour across all keys (dashboard).</summary>
    public int ActiveBans => _records.Values.Count(r => r.BannedUntil > time.GetUtcNow());

    private bool Bump(string key)
    {
        var now = time.GetUtcNow();
        var record = _records.GetOrAdd(key, _ => new Record { WindowStart = now });
        lock (record)
        {
            if (now - record.WindowStart > Settings.LoginBanDuration)
            {
                record.Failures = 0;
                record.WindowStart = now;
                record.BannedUntil = null;
            }
            record.Failures++;
            if (record.Failures >= Settings.MaxFailedLogins && record.BannedUntil is null)
            {
                record.BannedUntil = now + Settings.LoginBanDuration;
                return true;
            }
            return false;
        }
    }

    private bool IsBanned(string key)
    {
        if (!_records.TryGetValue(key, out var record))
            return false;
        lock (record)
        {
            if (record.BannedUntil is { } until && until > time.GetUtcNow())
                return true;
            if (record.BannedUntil is not null)
                _records.TryRemove(key, out _);
            return false;
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
}
