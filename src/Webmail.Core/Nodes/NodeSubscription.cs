namespace Webmail.Core.Nodes;

/// <summary>A subscription that runs its removal once, however often it is disposed.</summary>
public sealed class NodeSubscription(Action dispose) : IDisposable
{
    private Action? _dispose = dispose;

    /// <summary>A subscription with nothing to remove.</summary>
    public static readonly IDisposable None = new NodeSubscription(() => { });

    public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
}
