using System.Globalization;
using System.Text;
using MimeKit;

namespace Webmail.Compose;

/// <summary>
/// Prepares a reply, reply-all or forward from the original message: recipients, subject prefix,
/// the quoted text under an attribution line, and the threading headers of RFC 5322 §3.6.4.
/// </summary>
public static class ReplyBuilder
{
    /// <param name="ownAddresses">The account's own addresses and aliases, left out of reply-all.</param>
    /// <param name="zone">The user's time zone, for the "On … wrote:" line (the Date header's own offset when null).</param>
    public static ComposeModel Build(MimeMessage original, ComposeMode mode, IReadOnlyCollection<string> ownAddresses, string signature, TimeZoneInfo? zone = null)
    {
        var model = new ComposeModel { Mode = mode };
        var own = new HashSet<string>(ownAddresses, StringComparer.OrdinalIgnoreCase);
        if (mode is ComposeMode.Reply or ComposeMode.ReplyAll)
        {
            // RFC 5322 §3.6.3: replies go to Reply-To when present, else to From.
            var replyTo = original.ReplyTo.Mailboxes.Any() ? original.ReplyTo.Mailboxes : original.From.Mailboxes;
            var to = replyTo.Where(m => mode == ComposeMode.Reply || !own.Contains(m.Address)).ToList();
            if (to.Count == 0)
                to = replyTo.ToList(); // replying to one's own message goes back to the same people
            var seen = new HashSet<string>(to.Select(m => m.Address), StringComparer.OrdinalIgnoreCase);
            model.To = Join(to);
            if (mode == ComposeMode.ReplyAll)
            {
                var others = original.To.Mailboxes.Concat(original.Cc.Mailboxes)
                    .Where(m => !own.Contains(m.Address) && seen.Add(m.Address)).ToList();
                model.Cc = Join(others);
            }
            model.Subject = Prefixed("Re:", original.Subject);
            if (!string.IsNullOrEmpty(original.MessageId))
            {
                model.InReplyTo = original.MessageId;
                // RFC 5322 §3.6.4: the parent's References (or In-Reply-To) followed by its Message-ID.
                if (original.References.Count > 0)
                    model.References.AddRange(original.References);
                else if (!string.IsNullOrEmpty(original.InReplyTo))
                    model.References.Add(original.InReplyTo);
                model.References.Add(original.MessageId);
            }
            model.Body = SignatureBlock(signature) + "\n\n" + Attribution(original, zone) + "\n" + Quote(MessageText.Of(original));
        }
        else
        {
            model.Subject = Prefixed("Fwd:", original.Subject);
            model.Body = SignatureBlock(signature) + "\n\n" + ForwardHeader(original) + "\n\n" + MessageText.Of(original);
        }
        return model;
    }

    /// <summary>The body a new message starts with: room to write, then the signature (RFC 3676 §4.3 separator).</summary>
    public static string SignatureBlock(string signature) =>
        string.IsNullOrWhiteSpace(signature) ? "" : "\n\n-- \n" + signature.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd();

    /// <param name="zone">The user's time zone: the time is written as the reader's clock showed it (the Date header's own offset when null).</param>
    public static string Attribution(MimeMessage original, TimeZoneInfo? zone = null)
    {
        var from = original.From.Mailboxes.FirstOrDefault();
        var who = from is null ? "someone" : string.IsNullOrEmpty(from.Name) ? from.Address : $"{from.Name} <{from.Address}>";
        var when = original.Date == DateTimeOffset.MinValue ? "an unknown date" : (zone is null ? original.Date : TimeZoneInfo.ConvertTime(original.Date, zone)).ToString("ddd, d MMM yyyy 'at' HH:mm", CultureInfo.InvariantCulture);
        return $"On {when}, {who} wrote:";
    }

    public static string Quote(string text)
    {
        var builder = new StringBuilder();
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd().Split('\n'))
            builder.Append(line.StartsWith('>') ? ">" : "> ").Append(line).Append('\n');
        return builder.ToString();
    }

    private static string ForwardHeader(MimeMessage original) =>
        "---------- Forwarded message ----------\n" +
        $"From: {original.From}\n" +
        $"Date: {original.Date.ToString("ddd, d MMM yyyy HH:mm zzz", CultureInfo.InvariantCulture)}\n" +
        $"Subject: {original.Subject}\n" +
        $"To: {original.To}" + (original.Cc.Count > 0 ? $"\nCc: {original.Cc}" : "");

    private static string Prefixed(string prefix, string? subject)
    {
        var s = (subject ?? "").Trim();
        return s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? s : $"{prefix} {s}".TrimEnd();
    }

    private static string Join(IEnumerable<MailboxAddress> mailboxes) => string.Join(", ", mailboxes.Select(m => m.ToString()));
}
