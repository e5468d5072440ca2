using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;

namespace Webmail.Mail.Outbound;

/// <summary>
/// The hosted service that drives <see cref="OutboundQueueService"/>: a pass over the due entries,
/// then a wait of <c>Webmail:Delivery:PollInterval</c> or until <see cref="OutboundQueueService.Wake"/>.
/// </summary>
public sealed class OutboundQueueWorker(OutboundQueueService service, IOptionsMonitor<WebmailOptions> options, ILogger<OutboundQueueWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            service.ResetWake();
            try
            {
                await service.ProcessDueAsync(stoppingToken).ConfigureAwait(false);
                await service.WaitForWorkAsync(options.CurrentValue.Delivery.PollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The store may be briefly unavailable; keep the worker alive and try again after a pause.
                logger.LogError(e, "Outbound queue pass failed");
                try
                {
                    await Task.Delay(options.CurrentValue.Delivery.PollInterval, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }
}
