namespace Webmail.Core.Nodes;

/// <summary>
/// Short messages between the Webmail nodes that share one store (issue 19, several nodes): a node tells the others
/// what changed (new mail, live settings, login bans) so they need not poll. With one node (SQLite) there is nobody
/// to tell (<see cref="SingleNodeSignals"/>); on PostgreSQL the signals travel by <c>LISTEN</c>/<c>NOTIFY</c>.
/// Delivery is best effort: a node that may have missed signals hears <see cref="NodeTopics.Resync"/> and reads
/// again from the store, which stays the only source of truth.
/// </summary>
public interface INodeSignals
{
    /// <summary>
    /// Tells the other nodes (never this one: it already knows) after a commit; returns at once. The payload is
    /// short text (ids and keys, never message content), at most <see cref="NodeTopics.MaxPayloadLength"/> characters.
    /// </summary>
    /// <exception cref="ArgumentException">The topic or payload is too long or holds a line break.</exception>
    void Send(string topic, string payload);

    /// <summary>
    /// Calls <paramref name="handler"/> with the payload of every signal another node sends on <paramref name="topic"/>
    /// (and, for <see cref="NodeTopics.Resync"/>, when this node may have missed some). The handler must not block.
    /// </summary>
    IDisposable Listen(string topic, Action<string> handler);
}

/// <summary>The topics nodes signal on.</summary>
public static class NodeTopics
{
    /// <summary>A mailbox changed (<see cref="Notifications.MailboxNotifier"/>).</summary>
    public const string Mailbox = "mailbox";

    /// <summary>A live setting was changed on the admin page.</summary>
    public const string Settings = "settings";

    /// <summary>The login limiter banned an address or paused an account.</summary>
    public const string LoginBans = "bans";

    /// <summary>An account's sender lists or active Sieve script changed (<see cref="Accounts.AccountCache{T}"/>: "kind account-id").</summary>
    public const string AccountRules = "rules";

    /// <summary>Raised on this node only, after its link to the others was lost and restored: signals may have been missed.</summary>
    public const string Resync = "resync";

    /// <summary>PostgreSQL's NOTIFY takes under 8000 bytes; this leaves room for the node id and topic.</summary>
    public const int MaxPayloadLength = 2000;
}
