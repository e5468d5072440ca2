using System.Collections.Concurrent;

namespace Webmail.Core.Hosting;

/// <summary>The state of one network listener, for /healthz and the admin dashboard.</summary>
public sealed record ListenerState(string Name, string Protocol, string Endpoint, bool ImplicitTls, bool StartTls, bool IsUp);

/// <summary>
/// Listeners register what they will serve at start-up and report when they accept connections;
/// health is "up" only when every registered listener is.
/// </summary>
public sealed class ListenerRegistry
{
    private readonly ConcurrentDictionary<string, ListenerState> _listeners = new();

    public void Register(string name, string protocol, string endpoint, bool implicitTls, bool startTls) =>
        _listeners[name] = new ListenerState(name, protocol, endpoint, implicitTls, startTls, false);

    public void MarkUp(string name, bool up = true)
    {
        if (_listeners.TryGetValue(name, out var state))
            _listeners[name] = state with { IsUp = up };
    }

    public IReadOnlyList<ListenerState> Listeners => _listeners.Values.OrderBy(l => l.Name, StringComparer.Ordinal).ToList();

    public bool AllUp => _listeners.Values.All(l => l.IsUp);
}
