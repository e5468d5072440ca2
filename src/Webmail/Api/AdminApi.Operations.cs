using Microsoft.Extensions.Options;
using Webmail.Admin;
using Webmail.Core.Configuration;
using Webmail.Core.Storage;

namespace Webmail.Api;

// The outbound queue (QueueActions) and the live settings (LiveSettings), as the admin pages and the CLI call them.
public static partial class AdminApi
{
    private static void MapQueue(RouteGroupBuilder queue)
    {
        queue.MapGet("/", async Task<IResult> (int? page, int? pageSize, IOutboundQueueStore store, CancellationToken ct) =>
            {
                var (index, size, check) = Paging(page, pageSize);
                if (check.Problem is { } problem)
                    return problem;
                var found = await store.ListAsync(index, size, ct);
                return TypedResults.Ok(new PageView<QueueEntryView>(found.Items.Select(QueueEntryView.From).ToList(), found.Total, index, size));
            })
            .WithName("listQueue").WithSummary("Messages waiting for a remote server, a page at a time.")
            .Produces<PageView<QueueEntryView>>().ProducesValidationProblem();

        queue.MapPost("/{id:long}/retry", async (long id, QueueActions actions, HttpContext http, CancellationToken ct) =>
            {
                await actions.RetryNowAsync(id, Actor(http), ct);
                return TypedResults.NoContent();
            })
            .WithName("retryQueueEntry").WithSummary("Tries the entry again now.")
            .Performs<QueueActions>(nameof(QueueActions.RetryNowAsync)).ProducesProblem(StatusCodes.Status404NotFound);

        queue.MapPost("/{id:long}/bounce", async (long id, QueueActions actions, HttpContext http, CancellationToken ct) =>
            {
                await actions.BounceNowAsync(id, Actor(http), ct);
                return TypedResults.NoContent();
            })
            .WithName("bounceQueueEntry").WithSummary("Gives up on the entry now and sends the sender a bounce (DSN).")
            .Performs<QueueActions>(nameof(QueueActions.BounceNowAsync)).ProducesProblem(StatusCodes.Status404NotFound);

        queue.MapDelete("/{id:long}", async (long id, QueueActions actions, HttpContext http, CancellationToken ct) =>
            {
                await actions.DeleteAsync(id, Actor(http), ct);
                return TypedResults.NoContent();
            })
            .WithName("deleteQueueEntry").WithSummary("Drops the entry without telling the sender.")
            .Performs<QueueActions>(nameof(QueueActions.DeleteAsync)).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static void MapSettings(RouteGroupBuilder settings)
    {
        settings.MapGet("/", (LiveSettings live, IOptionsMonitor<WebmailOptions> options) =>
                TypedResults.Ok(LiveSetting.All.Select(s => Describe(s, live, options)).ToList()))
            .WithName("listSettings").WithSummary("The settings that may change while the server runs, with their values.");

        settings.MapPut("/{key}", async Task<IResult> (string key, SettingRequest body, LiveSettings live, IOptionsMonitor<WebmailOptions> options, HttpContext http, CancellationToken ct) =>
            {
                if (LiveSetting.Find(LiveSetting.Prefix + key) is not { } setting)
                    return ApiProblems.Problem(StatusCodes.Status404NotFound, "There is no such setting; GET /api/v1/settings lists them.");
                try
                {
                    await live.SetAsync(setting, body.Value, Actor(http), ct);
                }
                catch (ArgumentOutOfRangeException)
                {
                    return ApiProblems.Validation("value", $"{setting.Label} must be from {setting.Min} to {setting.Max}{(setting.Unit.Length > 0 ? " " + setting.Unit : "")}.");
                }
                return TypedResults.Ok(Describe(setting, live, options));
            })
            .WithName("setSetting").WithSummary("Sets a live setting (it applies at once and survives restarts); a null value returns it to the configured one.")
            .Performs<LiveSettings>(nameof(LiveSettings.SetAsync)).Produces<SettingView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static SettingView Describe(LiveSetting setting, LiveSettings live, IOptionsMonitor<WebmailOptions> options)
    {
        var current = options.CurrentValue; // built once, which records the configured values
        var configured = live.ConfiguredValue(setting) ?? setting.Read(current);
        var stored = live.GetOverride(setting);
        return new SettingView(SettingView.KeyOf(setting), setting.Label, setting.Unit, setting.Min, setting.Max, stored ?? configured, configured, stored is not null,
            setting.Choices?.Select(c => new SettingChoiceView(c.Value, c.Label)).ToList());
    }
}
