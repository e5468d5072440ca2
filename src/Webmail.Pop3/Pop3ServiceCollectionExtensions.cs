using Microsoft.Extensions.DependencyInjection;

namespace Webmail.Pop3;

public static class Pop3ServiceCollectionExtensions
{
    /// <summary>Registers the POP3 listeners as hosted services.</summary>
    public static IServiceCollection AddWebmailPop3(this IServiceCollection services)
    {
        return services;
    }
}
