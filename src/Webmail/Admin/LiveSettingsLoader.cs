using Webmail.Core.Nodes;
using Webmail.Core.Storage;

namespace Webmail.Admin;

/// <summary>
/// Loads the stored live settings before the listeners start, so they apply from the first connection, and again
/// whenever another node on the same store changed one (or this node may have missed such a signal).
/// </summary>
internal sealed class LiveSettingsLoader(LiveSettings settings, INodeSignals nodes, ILogger<LiveSettingsLoader> logger) : IHostedService
{
    private readonly List<IDisposable> _subscriptions = [];
    private readonly SemaphoreSlim _reloading = new(1, 1);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscriptions.Add(nodes.Listen(NodeTopics.Settings, key => _ = ReloadAsync()));
        _subscriptions.Add(nodes.Listen(NodeTopics.Resync, reason => _ = ReloadAsync()));
        return settings.LoadAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var subscription in _subscriptions)
            subscription.Dispose();
        return Task.CompletedTask;
    }

    private async Task ReloadAsync()
    {
        await _reloading.WaitAsync().ConfigureAwait(false);
        try
        {
            await settings.LoadAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            logger.LogWarning(e, "Could not read the live settings another node changed");
        }
        finally
        {
            _reloading.Release();
        }
    }
}
