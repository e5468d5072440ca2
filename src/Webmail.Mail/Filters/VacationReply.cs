using System.Text;
using MimeKit;
using Webmail.Core.Messages;
using Webmail.Sieve.Actions;

namespace Webmail.Mail.Filters;

/// <summary>
/// When a Sieve vacation action may answer, and the answer itself (RFC 5230, RFC 3834). The once-per-period
/// rule is the store's (<see cref="Core.Storage.VacationGuard"/>), checked in the delivery's transaction.
/// </summary>
public static class VacationReply
{
    /// <summary>Longest subject a reply gets, in characters (the original's is the sender's text).</summary>
    public const int MaxSubjectLength = 256;

    /// <summary>
    /// Local parts that are never answered: RFC 5230 §4.6 (owner-*, *-request, LISTSERV, MAILER-DAEMON, majordomo)
    /// and the no-reply addresses of automated senders.
    /// </summary>
    private static readonly string[] RobotLocalParts =
        ["mailer-daemon", "listserv", "majordomo", "postmaster", "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply", "bounce", "bounces"];

    /// <summary>
    /// Why no reply is due, or null when one may go: the null sender, a robot sender, one of the user's own
    /// addresses, mailing-list or bulk mail, an automatic message (RFC 3834 §2), or a message that names
    /// none of the user's addresses in its recipient fields (RFC 5230 §4.5).
    /// </summary>
    /// <param name="sender">The envelope sender (MAIL FROM), which the reply goes to (RFC 5230 §4.5).</param>
    /// <param name="userAddresses">The recipient's own addresses (account, aliases); <c>:addresses</c> are added.</param>
    public static string? WhyNot(MimeMessage message, string sender, IReadOnlyCollection<string> userAddresses, VacationAction action)
    {
        if (sender.Length == 0)
            return "the sender is null";
        var local = AddressRules.LocalPartOf(sender).ToLowerInvariant();
        if (RobotLocalParts.Contains(local) || local.StartsWith("owner-", StringComparison.Ordinal) || local.EndsWith("-request", StringComparison.Ordinal)
            || local.StartsWith("noreply", StringComparison.Ordinal) || local.StartsWith("no-reply", StringComparison.Ordinal) || local.StartsWith("bounce", StringComparison.Ordinal))
            return "the sender is an automatic address";
        var own = new HashSet<string>(userAddresses.Concat(action.Addresses), StringComparer.OrdinalIgnoreCase);
        if (own.Contains(sender))
            return "the sender is the user";
        // RFC 3834 §2: Auto-Submitted other than "no" is automatic; RFC 5230 §4.5: lists (List-Id, RFC 2919) and bulk.
        if (message.Headers[HeaderId.AutoSubmitted] is { } auto && !auto.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase))
            return "the message is automatic (Auto-Submitted)";
        if (message.Headers.Contains(HeaderId.ListId) || message.Headers.Contains("List-Post") || message.Headers.Contains("List-Unsubscribe"))
            return "the message came through a mailing list";
        if (message.Headers[HeaderId.Precedence] is { } precedence && precedence.Trim().ToLowerInvariant() is "bulk" or "list" or "junk")
            return "the message is bulk mail (Precedence)";
        // RFC 5230 §4.5: only when one of the user's addresses is a recipient in the header (not just the envelope).
        var named = new[] { HeaderId.To, HeaderId.Cc, HeaderId.Bcc, HeaderId.ResentTo, HeaderId.ResentCc, HeaderId.ResentBcc }
            .SelectMany(id => message.Headers.Where(h => h.Id == id))
            .SelectMany(h => InternetAddressList.TryParse(h.Value, out var list) ? list.Mailboxes : [])
            .Any(m => own.Contains(m.Address));
        return named ? null : "none of the user's addresses is in To or Cc";
    }

    /// <summary>
    /// The reply (RFC 5230 §5): to the sender, from <paramref name="from"/>, with the <c>:subject</c> or
    /// "Auto: " and the original's (§5.5), <c>In-Reply-To</c> and <c>References</c> (§5.8), and
    /// <c>Auto-Submitted: auto-replied</c> (RFC 3834 §5). Sent with the null envelope sender (§5.1).
    /// </summary>
    public static byte[] Compose(MimeMessage original, string sender, string from, VacationAction action, string messageId, DateTimeOffset now)
    {
        var reply = new MimeMessage();
        reply.From.Add(MailboxAddress.Parse(from));
        reply.To.Add(MailboxAddress.Parse(sender));
        var subject = action.Subject ?? "Auto: " + (original.Subject ?? "");
        subject = subject.ReplaceLineEndings(" ");
        reply.Subject = subject.Length > MaxSubjectLength ? subject[..MaxSubjectLength] : subject;
        reply.Date = now;
        reply.MessageId = messageId.Trim('<', '>');
        if (original.MessageId is { Length: > 0 } inReplyTo)
        {
            reply.InReplyTo = inReplyTo;
            foreach (var reference in original.References.TakeLast(20))
                reply.References.Add(reference);
            reply.References.Add(inReplyTo);
        }
        reply.Headers.Add(HeaderId.AutoSubmitted, "auto-replied");
        reply.Body = action.Mime ? MimeBody(action.Reason) : new TextPart("plain") { Text = action.Reason };
        using var stream = new MemoryStream();
        reply.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, stream);
        return stream.ToArray();
    }

    /// <summary>RFC 5230 §4.4 <c>:mime</c>: the reason is a MIME entity, headers included; one that does not parse goes as text.</summary>
    private static MimeEntity MimeBody(string reason)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(reason.ReplaceLineEndings("\r\n")));
        try
        {
            return MimeEntity.Load(stream);
        }
        catch (FormatException)
        {
            return new TextPart("plain") { Text = reason };
        }
    }
}
