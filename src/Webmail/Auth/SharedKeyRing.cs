using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Webmail.Core.Nodes;
using Webmail.Core.Storage;

namespace Webmail.Auth;

/// <summary>
/// Several nodes on one store share one data-protection key ring (issue 19), so a cookie signed on one node is valid
/// on all. The ring lives in the store (<see cref="StoreXmlRepository"/>); the first key is made at start-up under a
/// node lock, so two nodes starting at once on an empty store do not each make their own (each would then refuse the
/// other's cookies until it next read the ring, up to a day later). Later keys are made by ASP.NET Core ahead of the
/// current key's expiry and activated two days later, by which time every node has read them.
/// </summary>
public static class SharedKeyRing
{
    /// <summary>Keeps the keys in the shared store instead of the data directory.</summary>
    public static void Use(IServiceCollection services) =>
        services.AddOptions<KeyManagementOptions>().Configure<IDataProtectionKeyStore>((options, keys) => options.XmlRepository = new StoreXmlRepository(keys));

    /// <summary>Makes the first key if the store has no usable one; before the server handles anything.</summary>
    public static void EnsureKey(IServiceProvider services)
    {
        if (services.GetService<IDataProtectionKeyStore>() is null)
            return; // one node: the keys folder as ever
        var locks = services.GetRequiredService<INodeLocks>();
        var manager = services.GetRequiredService<IKeyManager>();
        var lifetime = services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.NewKeyLifetime;
        var handle = locks.AcquireAsync(NodeLock.DataProtectionKeys, CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            var now = DateTimeOffset.UtcNow;
            if (!manager.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now))
                manager.CreateNewKey(now, now + lifetime);
        }
        finally
        {
            handle.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
