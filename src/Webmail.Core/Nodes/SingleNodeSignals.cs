namespace Webmail.Core.Nodes;

/// <summary>One node (the SQLite store): there are no other nodes to tell, and none will ever signal.</summary>
public sealed class SingleNodeSignals : INodeSignals
{
    public void Send(string topic, string payload) => NodeSignalText.Check(topic, payload);

    public IDisposable Listen(string topic, Action<string> handler) => NodeSubscription.None;
}
