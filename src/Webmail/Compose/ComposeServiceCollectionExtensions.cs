using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Webmail.Compose;

public static class ComposeServiceCollectionExtensions
{
    /// <summary>Registers the composer's services. The submitter is only a default: the delivery pipeline replaces it.</summary>
    public static IServiceCollection AddWebmailCompose(this IServiceCollection services)
    {
        services.AddSingleton<AttachmentStaging>();
        services.AddSingleton<ComposeService>();
        services.TryAddSingleton<IMessageSubmitter, PipelineMessageSubmitter>();
        return services;
    }
}
