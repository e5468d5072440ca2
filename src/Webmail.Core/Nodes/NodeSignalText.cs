namespace Webmail.Core.Nodes;

/// <summary>The one check of what a signal may carry, whichever way it travels.</summary>
public static class NodeSignalText
{
    /// <exception cref="ArgumentException">The topic or payload is too long or holds a line break or a space in the topic.</exception>
    public static void Check(string topic, string payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(payload);
        if (topic.Length > 32 || topic.Any(c => c is ' ' or '\r' or '\n'))
            throw new ArgumentException("A topic is one short word.", nameof(topic));
        if (payload.Length > NodeTopics.MaxPayloadLength || payload.Any(c => c is '\r' or '\n' or '\0'))
            throw new ArgumentException($"A signal's payload is one line of at most {NodeTopics.MaxPayloadLength} characters.", nameof(payload));
    }
}
