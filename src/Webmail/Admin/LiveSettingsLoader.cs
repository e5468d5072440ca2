namespace Webmail.Admin;

/// <summary>Loads the stored live settings before the listeners start, so they apply from the first connection.</summary>
internal sealed class LiveSettingsLoader(LiveSettings settings) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => settings.LoadAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
