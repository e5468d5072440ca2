using Webmail.Compose;

namespace Webmail.Reading;

/// <summary>Replying without leaving the message: which message the composer docked in the reading pane answers.</summary>
public sealed partial class MailboxState
{
    /// <summary>The message the docked composer answers and how; <c>null</c> when no composer is docked.</summary>
    public (long MessageId, ComposeMode Mode)? Answering { get; private set; }

    /// <summary>Docks a composer for <paramref name="messageId"/> under the open message (Reply, Reply all, Forward).</summary>
    public void AnswerMessage(long messageId, ComposeMode mode)
    {
        Answering = (messageId, mode);
        _page?.StateChanged();
    }

    /// <summary>The docked composer sent, discarded or closed.</summary>
    public void StopAnswering()
    {
        Answering = null;
        _page?.StateChanged();
    }

    /// <summary>replyTo, replyAllTo, forward (the keyboard's and the old links' names) as a <see cref="ComposeMode"/>.</summary>
    public static ComposeMode AnswerMode(string mode) => mode switch
    {
        "replyAllTo" => ComposeMode.ReplyAll,
        "forward" => ComposeMode.Forward,
        _ => ComposeMode.Reply,
    };

    /// <summary>Another message opened: a composer docked under the previous one goes (it saved its draft).</summary>
    private void ForgetAnswerUnlessFor(long? messageId)
    {
        if (Answering is { } answering && answering.MessageId != messageId && messageId != MessageId)
            Answering = null;
    }
}
