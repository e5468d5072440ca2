using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Webmail.Core.Nodes;

/// <summary>The handlers of each topic on this node, for an <see cref="INodeSignals"/> that receives signals.</summary>
public sealed class NodeSignalHandlers(ILogger logger)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Action<string>>> _handlers = new(StringComparer.Ordinal);

    public IDisposable Add(string topic, Action<string> handler)
    {
        var id = Guid.NewGuid();
        _handlers.GetOrAdd(topic, _ => new()).TryAdd(id, handler);
        return new NodeSubscription(() =>
        {
            if (_handlers.TryGetValue(topic, out var handlers))
                handlers.TryRemove(id, out _);
        });
    }

    /// <summary>Calls the topic's handlers; one that throws is logged and the others still run.</summary>
    public void Raise(string topic, string payload)
    {
        if (!_handlers.TryGetValue(topic, out var handlers))
            return;
        foreach (var handler in handlers.Values)
        {
            try
            {
                handler(payload);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogWarning(e, "Node signal handler for {Topic} failed", topic);
            }
        }
    }
}
