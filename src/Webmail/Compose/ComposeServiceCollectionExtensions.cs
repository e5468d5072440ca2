namespace Webmail.Compose;

public static class ComposeServiceCollectionExtensions
{
    /// <summary>Registers the composer's services; Send goes through the delivery pipeline (<see cref="PipelineMessageSubmitter"/>).</summary>
    public static IServiceCollection AddWebmailCompose(this IServiceCollection services)
    {
        services.AddSingleton<AttachmentStaging>();
        services.AddSingleton<ComposeService>();
        services.AddSingleton<PipelineMessageSubmitter>();
        // Invitation answers (iTIP REPLY) go out through the same submitter.
        services.AddSingleton<Invites.InviteResponder>();
        services.AddSingleton<HeldSendSignal>();
        services.AddSingleton<HeldSendWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<HeldSendWorker>());
        return services;
    }
}
