using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webmail.Core.Nodes;
using Webmail.Core.Storage;

namespace Webmail.Core.Security;

/// <summary>
/// Carries the login limiter's bans between nodes (issue 19): a ban earned here is stored (<see cref="ILoginBanStore"/>)
/// and signalled (<see cref="NodeTopics.LoginBans"/>: "end-in-ms key"); a ban signalled by another node is applied
/// here at once; at start and after a resync the stored bans are read again. Failure counts stay per node, so an
/// attacker spread over N nodes gets up to N times the tries before the first ban, never more after it.
/// </summary>
public sealed class SharedLoginBans(LoginLimiter limiter, ILoginBanStore store, INodeSignals nodes, TimeProvider time, ILogger<SharedLoginBans> logger)
    : IHostedService
{
    /// <summary>Longer keys (an absurd address) are banned on this node only: a signal stays small.</summary>
    private const int MaxSharedKeyLength = 400;

    private readonly List<IDisposable> _subscriptions = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        limiter.BanEarned += OnBanEarned;
        _subscriptions.Add(nodes.Listen(NodeTopics.LoginBans, OnSignal));
        _subscriptions.Add(nodes.Listen(NodeTopics.Resync, reason => _ = LoadAsync(CancellationToken.None)));
        await LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        limiter.BanEarned -= OnBanEarned;
        foreach (var subscription in _subscriptions)
            subscription.Dispose();
        return Task.CompletedTask;
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (key, until) in await store.ActiveBansAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
                limiter.ApplyBan(key, until);
        }
        catch (StoreUnavailableException e)
        {
            logger.LogWarning(e, "Could not read the login bans other nodes earned");
        }
    }

    private void OnBanEarned(string key, DateTimeOffset until) => _ = ShareAsync(key, until);

    private async Task ShareAsync(string key, DateTimeOffset until)
    {
        if (key.Length > MaxSharedKeyLength || key.Any(char.IsControl))
            return;
        try
        {
            await store.SaveBanAsync(key, until, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            logger.LogWarning(e, "Could not store a login ban for the other nodes");
        }
        nodes.Send(NodeTopics.LoginBans, string.Create(CultureInfo.InvariantCulture, $"{until.ToUnixTimeMilliseconds()} {key}"));
    }

    private void OnSignal(string payload)
    {
        var space = payload.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && long.TryParse(payload.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var until))
            limiter.ApplyBan(payload[(space + 1)..], DateTimeOffset.FromUnixTimeMilliseconds(until));
        else
            logger.LogWarning("Ignoring a malformed login ban signal from another node");
    }
}
