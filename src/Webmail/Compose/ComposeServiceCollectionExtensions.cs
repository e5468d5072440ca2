namespace Webmail.Compose;

public static class ComposeServiceCollectionExtensions
{
    /// <summary>Registers the composer's services; Send goes through the delivery pipeline (<see cref="PipelineMessageSubmitter"/>).</summary>
    public static IServiceCollection AddWebmailCompose(this IServiceCollection services)
    {
        services.AddSingleton<AttachmentStaging>();
        services.AddSingleton<ComposeService>();
        services.AddSingleton<PipelineMessageSubmitter>();
        services.AddSingleton<HeldSendSignal>();
        services.AddSingleton<HeldSendWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<HeldSendWorker>());
        return services;
    }
}
