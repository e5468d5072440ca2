namespace Webmail.Compose;

/// <summary>How a composer was opened.</summary>
public enum ComposeMode
{
    New,
    Reply,
    ReplyAll,
    Forward,
}

/// <summary>
/// Everything the composer holds: the address fields as typed (so a draft restores them exactly,
/// invalid entries included), subject, body in plain text and optionally rich HTML, staged
/// attachments and the threading headers of a reply.
/// </summary>
public sealed class ComposeModel
{
    public string To { get; set; } = "";
    public string Cc { get; set; } = "";
    public string Bcc { get; set; } = "";
    public string Subject { get; set; } = "";

    /// <summary>The plain text body; in rich mode the editor's text rendering, used as the text/plain alternative.</summary>
    public string Body { get; set; } = "";

    /// <summary>True when the body is edited as rich text and sent as multipart/alternative.</summary>
    public bool Rich { get; set; }

    /// <summary>The rich editor's HTML (sanitized before it is stored or sent).</summary>
    public string Html { get; set; } = "";

    public List<ComposeAttachment> Attachments { get; } = [];

    public ComposeMode Mode { get; set; }

    /// <summary>The stored message this one replies to or forwards (to mark it \Answered after sending).</summary>
    public long? OriginalId { get; set; }

    /// <summary>RFC 5322 §3.6.4 threading: the parent's Message-ID (without angle brackets).</summary>
    public string? InReplyTo { get; set; }

    public List<string> References { get; } = [];

    /// <summary>The stored draft this composer replaces on its next save.</summary>
    public long? DraftId { get; set; }

    public long AttachmentBytes => Attachments.Sum(a => a.Size);

    /// <summary>
    /// A copy to build a message from. A save or send reads it off the circuit's thread, while the
    /// composer's fields and attachment list keep changing as the user types: the live model would be
    /// read half old, half new, or its attachment list changed while it is enumerated.
    /// </summary>
    public ComposeModel Snapshot()
    {
        var copy = new ComposeModel
        {
            To = To,
            Cc = Cc,
            Bcc = Bcc,
            Subject = Subject,
            Body = Body,
            Rich = Rich,
            Html = Html,
            Mode = Mode,
            OriginalId = OriginalId,
            InReplyTo = InReplyTo,
            DraftId = DraftId,
        };
        copy.Attachments.AddRange(Attachments);
        copy.References.AddRange(References);
        return copy;
    }
}

/// <summary>An attachment staged in a temp file in the data directory (never held in memory whole).</summary>
public sealed record ComposeAttachment(string Id, string FileName, string ContentType, long Size, string Path);
