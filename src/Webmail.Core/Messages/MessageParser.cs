using System.Text;
using MimeKit;
using Webmail.Core.Messages.Imap;

namespace Webmail.Core.Messages;

/// <summary>
/// Reads the list-view fields and the searchable text out of raw RFC 5322 bytes with MimeKit.
/// Never throws on bad input: broken MIME yields whatever could be read (at worst empty fields),
/// so a malformed message is still stored and its raw bytes stay retrievable. Parsing goes through
/// <see cref="MimeInput"/>, so hostile shapes (huge folded headers, huge part counts) cost linear time.
/// </summary>
public static class MessageParser
{
    /// <summary>Longest body text indexed for search (characters).</summary>
    public const int MaxIndexedText = 256 * 1024;
    /// <summary>Longest header value kept in a column (characters): the list views show these on every page.</summary>
    public const int MaxFieldLength = 16 * 1024;
    /// <summary>Longest preview (UTF-16 characters) kept for the list views.</summary>
    public const int PreviewLength = 200;

    public static ParsedMessage Parse(ReadOnlyMemory<byte> raw, int maxMimeDepth = 32)
    {
        // The IMAP views come from the same single parse: MessageLayout records MimeKit's part offsets as it parses.
        var layout = MessageLayout.Parse(raw, maxMimeDepth);
        var imapEnvelope = ImapEnvelope.Build(layout.Root);
        var imapBodyStructure = ImapBodyStructure.Build(layout.Root, extensible: true);
        var imapBody = ImapBodyStructure.Build(layout.Root, extensible: false);
        if (layout.Message is not { } message)
        {
            return new ParsedMessage("", "", "", "", "", null, "", "", [], "", "", false)
            {
                ImapEnvelope = imapEnvelope,
                ImapBodyStructure = imapBodyStructure,
                ImapBody = imapBody,
            };
        }

        var from = message.From.Mailboxes.FirstOrDefault() ?? message.Sender;
        var text = ExtractText(message);
        var preview = Collapse(text, PreviewLength);
        var hasAttachments = message.Attachments.Any();

        return new ParsedMessage(
            FromAddress: Clean(from?.Address ?? ""),
            FromName: Clean(from?.Name ?? ""),
            To: Clean(message.To.ToString()),
            Cc: Clean(message.Cc.ToString()),
            Subject: Clean(message.Subject ?? ""),
            Date: message.Headers.Contains(HeaderId.Date) ? message.Date : null,
            MessageId: Clean(message.MessageId ?? ""),
            InReplyTo: Clean(message.InReplyTo ?? ""),
            References: message.References.Select(Clean).ToList(),
            Preview: preview,
            BodyText: Indexed(text),
            HasAttachments: hasAttachments)
        {
            HeaderText = HeaderText(message),
            ImapEnvelope = imapEnvelope,
            ImapBodyStructure = imapBodyStructure,
            ImapBody = imapBody,
        };
    }

    /// <summary>
    /// The body text exactly as <see cref="Parse"/> indexes it (<see cref="ParsedMessage.BodyText"/>), without the
    /// header fields and IMAP views: what search results cut their snippets from. Never throws.
    /// </summary>
    public static string BodyText(ReadOnlyMemory<byte> raw, int maxMimeDepth = 32) =>
        MessageLayout.Parse(raw, maxMimeDepth).Message is { } message ? Indexed(ExtractText(message)) : "";

    private static string Indexed(string text) => text.Length > MaxIndexedText ? text[..MaxIndexedText] : text;

    /// <summary>
    /// Every header field of the message and of each MIME entity inside it (nested messages too),
    /// decoded, as <c>Field: value</c> lines, cut at <see cref="MaxIndexedText"/>: the header half
    /// of IMAP's SEARCH TEXT (RFC 9051 §6.4.4), indexed at delivery and checked the same way.
    /// </summary>
    public static string HeaderText(MimeMessage message)
    {
        var text = new StringBuilder();
        Append(message.Headers);
        foreach (var entity in message.BodyParts.Concat<MimeEntity>(Containers(message.Body)))
        {
            if (text.Length >= MaxIndexedText)
                break;
            Append(entity.Headers);
            if (entity is MessagePart { Message: { } inner })
                Append(inner.Headers);
        }
        return text.Length > MaxIndexedText ? text.ToString(0, MaxIndexedText) : text.ToString();

        void Append(HeaderList headers)
        {
            foreach (var header in headers)
            {
                if (text.Length >= MaxIndexedText)
                    return;
                text.Append(header.Field).Append(": ").Append(header.Value).Append('\n');
            }
        }

        static IEnumerable<MimeEntity> Containers(MimeEntity? body)
        {
            // Multipart containers carry headers of their own; BodyParts lists only the leaves.
            if (body is Multipart multipart)
            {
                yield return multipart;
                foreach (var child in multipart)
                {
                    foreach (var inner in Containers(child))
                        yield return inner;
                }
            }
        }
    }

    /// <summary>The readable text: the text/plain body, else the HTML body with tags removed.</summary>
    public static string ExtractText(MimeMessage message)
    {
        try
        {
            var plain = message.TextBody;
            if (!string.IsNullOrWhiteSpace(plain))
                return plain;
            var html = message.HtmlBody;
            return html is null ? "" : HtmlToText(html);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            return "";
        }
    }

    /// <summary>Strips tags, script/style content and entities well enough for previews and indexing.</summary>
    public static string HtmlToText(string html)
    {
        var sb = new StringBuilder(Math.Min(html.Length, MaxIndexedText));
        var i = 0;
        while (i < html.Length && sb.Length < MaxIndexedText)
        {
            var c = html[i];
            if (c == '<')
            {
                var skipTo = SkipElementContent(html, i, "script") ?? SkipElementContent(html, i, "style") ?? SkipElementContent(html, i, "head");
                var close = skipTo ?? html.IndexOf('>', i);
                if (close < 0)
                    break;
                sb.Append(' ');
                i = close + 1;
                continue;
            }
            sb.Append(c);
            i++;
        }
        return System.Net.WebUtility.HtmlDecode(sb.ToString());
    }

    private static int? SkipElementContent(string html, int start, string tag)
    {
        if (string.Compare(html, start + 1, tag, 0, tag.Length, StringComparison.OrdinalIgnoreCase) != 0)
            return null;
        var end = html.IndexOf("</" + tag, start, StringComparison.OrdinalIgnoreCase);
        if (end < 0)
            return html.Length - 1;
        var close = html.IndexOf('>', end);
        return close < 0 ? html.Length - 1 : close;
    }

    /// <summary>
    /// The text's words joined by single spaces, at most <paramref name="max"/> UTF-16 characters, cut
    /// between characters (never inside a surrogate pair). Lone surrogates become U+FFFD.
    /// </summary>
    private static string Collapse(string text, int max)
    {
        var sb = new StringBuilder(max);
        var space = false;
        Span<char> utf16 = stackalloc char[2];
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune) || Rune.IsControl(rune))
            {
                space = sb.Length > 0;
                continue;
            }
            // The space before a word counts against the cap too (found by fuzzing: 201-character previews).
            var length = rune.EncodeToUtf16(utf16);
            if (sb.Length + (space ? 1 : 0) + length > max)
                break;
            if (space)
                sb.Append(' ');
            space = false;
            sb.Append(utf16[..length]);
        }
        return sb.ToString();
    }

    /// <summary>Removes control characters (CR, LF, NUL...) from a header value kept in a column, and caps its length.</summary>
    private static string Clean(string value)
    {
        if (value.Length > MaxFieldLength)
            value = value[..MaxFieldLength];
        if (!value.Any(char.IsControl))
            return value;
        return new string(value.Where(c => !char.IsControl(c)).ToArray());
    }
}
