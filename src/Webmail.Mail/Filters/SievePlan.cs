using Webmail.Core.Storage;

namespace Webmail.Mail.Filters;

/// <summary>What one recipient's active Sieve script decided, as the pieces of the delivery's one commit.</summary>
/// <param name="keepFolder">Where keep (implicit or explicit) files the message: INBOX, or Junk when the checks before Sieve put it there.</param>
public sealed class SievePlan(string scriptName, Core.Model.SpecialFolder keepFolder = Core.Model.SpecialFolder.Inbox)
{
    public Core.Model.SpecialFolder KeepFolder => keepFolder;

    /// <summary>The active script that ran.</summary>
    public string ScriptName => scriptName;

    /// <summary>Copies to store: keep, fileinto, redirects to local accounts. None after discard, reject, or a redirect alone.</summary>
    public List<MailboxDelivery> Copies { get; } = [];

    /// <summary>Redirects to remote addresses and vacation replies, queued with the delivery.</summary>
    public List<GeneratedMessage> Generated { get; } = [];

    /// <summary>What went wrong (the run's error, a redirect not made), for <see cref="Core.Filters.SieveScriptService.RecordErrorAsync"/>.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>The reason of a reject or ereject, or null when the script did not refuse the message.</summary>
    public string? RejectReason { get; set; }

    /// <summary>The rejection MDN to send when the refusal cannot be an SMTP reply, or null (null sender, automatic mail).</summary>
    public GeneratedMessage? RejectionNotice { get; set; }
}
