using System.Globalization;
using System.Net;
using System.Text;
using MimeKit;
using Webmail.Reading;

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
            if (original.HtmlBody is { } html)
            {
                // An HTML original is answered in rich text with its HTML quoted: a newsletter's text/plain part is
                // often a stub ("view this mail in your browser") that says nothing of what is being answered.
                model.Rich = true;
                model.Html = "<p><br></p>" + SignatureHtml(signature) + "<p>" + WebUtility.HtmlEncode(Attribution(original, zone)) + "</p><blockquote>" + QuoteHtml(html) + "</blockquote>";
                model.Body = SignatureBlock(signature) + "\n\n" + Attribution(original, zone) + "\n" + Quote(MessageText.HtmlToText(html));
            }
            else
                model.Body = SignatureBlock(signature) + "\n\n" + Attribution(original, zone) + "\n" + Quote(MessageText.Of(original));
        }
        else
        {
            model.Subject = Prefixed("Fwd:", original.Subject);
            if (original.HtmlBody is { } html)
            {
                model.Rich = true;
                model.Html = "<p><br></p>" + SignatureHtml(signature) + "<p>" + MessageComposer.TextToHtml(ForwardHeader(original)) + "</p><div>" + QuoteHtml(html) + "</div>";
                model.Body = SignatureBlock(signature) + "\n\n" + ForwardHeader(original) + "\n\n" + MessageText.HtmlToText(html);
            }
            else
                model.Body = SignatureBlock(signature) + "\n\n" + ForwardHeader(original) + "\n\n" + MessageText.Of(original);
        }
        return model;
    }

    /// <summary>
    /// The original's HTML as a reply quotes it: through the reading pane's sanitizer (<see cref="SafeHtml"/>: no scripts,
    /// no remote or embedded images), then the composer's (what a rich message may carry), so the editor shows what will be sent.
    /// </summary>
    public static string QuoteHtml(string html)
    {
        var safe = new SafeHtml(_ => null, allowRemote: false).Sanitize(html);
        return MessageComposer.SanitizeHtml(safe);
    }

    private static string SignatureHtml(string signature) =>
        string.IsNullOrWhiteSpace(signature) ? "" : "<p>-- <br>" + MessageComposer.TextToHtml(signature.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd()) + "</p>";

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
