using System.Text;
using MimeKit;

namespace Webmail.Core.Messages.Imap;

/// <summary>The ENVELOPE of a message (RFC 9051 §7.5.2).</summary>
public static class ImapEnvelope
{
    /// <summary>The envelope of a message without any of its header fields.</summary>
    public const string Empty = "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";

    /// <summary>
    /// The parenthesised ENVELOPE list: (date subject from sender reply-to to cc bcc in-reply-to message-id), with header
    /// values as they appear in the message (unfolded, RFC 2047 words not decoded), sender and reply-to defaulting to
    /// from, addresses as (name adl mailbox host) and groups in RFC 9051 group syntax. Read from the message's raw
    /// header as Dovecot reads it, so broken headers give what Dovecot gives. Never throws on malformed headers.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public static string Build(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Build(MessageLayout.For(message).Root);
    }

    internal static string Build(MimeNode root)
    {
        var sb = new StringBuilder(256);
        sb.Append('(');
        Append(sb, root.Fields);
        sb.Append(')');
        return sb.ToString();
    }

    /// <summary>Appends the envelope fields of a header (without the surrounding parentheses).</summary>
    internal static void Append(StringBuilder sb, IReadOnlyList<HeaderField> fields)
    {
        string? date = null, subject = null, inReplyTo = null, messageId = null;
        List<EnvelopeAddress>? from = null, sender = null, replyTo = null, to = null, cc = null, bcc = null;
        foreach (var field in fields)
        {
            // As in Dovecot: the last Date, Subject, In-Reply-To and Message-ID count; repeated address fields are
            // joined as if they were one comma-separated list, so no copy of From hides another.
            switch (field.Name.ToUpperInvariant())
            {
                case "DATE": date = field.Value; break;
                case "SUBJECT": subject = field.Value; break;
                case "IN-REPLY-TO": inReplyTo = field.Value; break;
                case "MESSAGE-ID": messageId = field.Value; break;
                case "FROM": EnvelopeAddressParser.Parse(field.Value, from ??= []); break;
                case "SENDER": EnvelopeAddressParser.Parse(field.Value, sender ??= []); break;
                case "REPLY-TO": EnvelopeAddressParser.Parse(field.Value, replyTo ??= []); break;
                case "TO": EnvelopeAddressParser.Parse(field.Value, to ??= []); break;
                case "CC": EnvelopeAddressParser.Parse(field.Value, cc ??= []); break;
                case "BCC": EnvelopeAddressParser.Parse(field.Value, bcc ??= []); break;
            }
        }

        ImapText.AppendNStringWithoutLineBreaks(sb, date);
        sb.Append(' ');
        if (subject is null)
            sb.Append("NIL");
        else
            ImapText.AppendStringForHumans(sb, subject);
        sb.Append(' ');
        AppendAddresses(sb, from);
        sb.Append(' ');
        // RFC 9051 §7.5.2: a missing Sender or Reply-To is set to From.
        AppendAddresses(sb, sender is { Count: > 0 } ? sender : from);
        sb.Append(' ');
        AppendAddresses(sb, replyTo is { Count: > 0 } ? replyTo : from);
        sb.Append(' ');
        AppendAddresses(sb, to);
        sb.Append(' ');
        AppendAddresses(sb, cc);
        sb.Append(' ');
        AppendAddresses(sb, bcc);
        sb.Append(' ');
        ImapText.AppendNStringWithoutLineBreaks(sb, inReplyTo);
        sb.Append(' ');
        ImapText.AppendNStringWithoutLineBreaks(sb, messageId);
    }

    private static void AppendAddresses(StringBuilder sb, List<EnvelopeAddress>? addresses)
    {
        // An address field with no address in it is NIL (RFC 9051 §7.5.2: "NIL" for an empty list).
        if (addresses is not { Count: > 0 })
        {
            sb.Append("NIL");
            return;
        }
        sb.Append('(');
        foreach (var address in addresses)
        {
            sb.Append('(');
            if (address.Name is null)
                sb.Append("NIL");
            else
                ImapText.AppendStringForHumans(sb, address.Name);
            sb.Append(' ');
            ImapText.AppendNString(sb, address.Route);
            sb.Append(' ');
            ImapText.AppendNString(sb, address.Mailbox);
            sb.Append(' ');
            ImapText.AppendNString(sb, address.Domain);
            sb.Append(')');
        }
        sb.Append(')');
    }
}
