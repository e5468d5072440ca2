using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Retention;
using Webmail.Core.Storage;

namespace Webmail.Hosting;

/// <summary>Runs <see cref="RetentionService"/> once at start and then every <see cref="RetentionOptions.Interval"/>.</summary>
public sealed class RetentionWorker(RetentionService retention, IOptionsMonitor<WebmailOptions> options, TimeProvider time, ILogger<RetentionWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                try
                {
                    await retention.RunOnceAsync(stoppingToken);
                }
                catch (StoreUnavailableException e)
                {
                    logger.LogWarning(e, "Retention could not write to the store; trying again at the next pass");
                }
                await Task.Delay(options.CurrentValue.Retention.Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
