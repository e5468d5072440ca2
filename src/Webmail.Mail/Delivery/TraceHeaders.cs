using System.Buffers;
using System.Globalization;
using System.Text;

namespace Webmail.Mail.Delivery;

/// <summary>Builds the header lines the pipeline prepends: <c>Received</c>, <c>Message-ID</c>, <c>Date</c>.</summary>
public static class TraceHeaders
{
    /// <summary>
    /// A <c>Received:</c> line (RFC 5321 §4.4). The protocol name follows RFC 3848: ESMTP, plus S
    /// for TLS and A for an authenticated client. The recipient is named only when there is exactly
    /// one, so a message to several people does not disclose the Bcc list.
    /// </summary>
    public static string Received(string hostname, DeliveryOrigin origin, bool authenticated, IReadOnlyList<string> recipients, string id, DateTimeOffset now)
    {
        var sb = new StringBuilder(192).Append("Received: ");
        if (origin.Via == "web")
        {
            sb.Append("from webmail (web compose)\r\n\tby ").Append(Clean(hostname)).Append(" (Webmail) with HTTPA");
        }
        else
        {
            var helo = Clean(origin.HeloName);
            sb.Append("from ").Append(helo.Length > 0 ? helo : "unknown");
            if (origin.RemoteIp is { } ip)
                sb.Append(" ([").Append(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).Append("])");
            sb.Append("\r\n\tby ").Append(Clean(hostname)).Append(" (Webmail) with ESMTP");
            if (origin.Tls)
                sb.Append('S');
            if (authenticated)
                sb.Append('A');
        }
        sb.Append(" id ").Append(id);
        if (recipients.Count == 1)
            sb.Append("\r\n\tfor <").Append(Clean(recipients[0])).Append('>');
        sb.Append("; ").Append(Date(now)).Append("\r\n");
        return sb.ToString();
    }

    /// <summary>An RFC 5322 §3.3 date-time.</summary>
    public static string Date(DateTimeOffset now) =>
        now.ToString("ddd, d MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + now.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal);

    /// <summary>A fresh <c>Message-ID</c> value (RFC 5322 §3.6.4) in angle brackets.</summary>
    public static string NewMessageId(string hostname) => "<" + Guid.NewGuid().ToString("N") + "@" + Clean(hostname) + ">";

    /// <summary>
    /// Concatenates <paramref name="prefix"/> (ASCII header lines) and the message into one array:
    /// the only copy of the message the pipeline makes.
    /// </summary>
    public static byte[] Prepend(string prefix, ReadOnlySequence<byte> message)
    {
        var head = Encoding.ASCII.GetByteCount(prefix);
        var raw = GC.AllocateUninitializedArray<byte>(checked(head + (int)message.Length));
        Encoding.ASCII.GetBytes(prefix, raw);
        message.CopyTo(raw.AsSpan(head));
        return raw;
    }

    /// <summary>
    /// Like <see cref="Prepend(string, ReadOnlySequence{byte})"/>, leaving out the <paramref name="omit"/>
    /// ranges of the message (ascending, not overlapping: header fields to remove), still in one copy.
    /// </summary>
    public static byte[] Prepend(string prefix, ReadOnlySequence<byte> message, IReadOnlyList<(int Start, int Length)> omit)
    {
        if (omit.Count == 0)
            return Prepend(prefix, message);
        var head = Encoding.ASCII.GetByteCount(prefix);
        var raw = GC.AllocateUninitializedArray<byte>(checked(head + (int)message.Length - omit.Sum(o => o.Length)));
        Encoding.ASCII.GetBytes(prefix, raw);
        var to = head;
        var from = 0L;
        foreach (var (start, length) in omit)
        {
            message.Slice(from, start - from).CopyTo(raw.AsSpan(to));
            to += start - (int)from;
            from = start + length;
        }
        message.Slice(from).CopyTo(raw.AsSpan(to));
        return raw;
    }

    /// <summary>Keeps trace text to printable ASCII without the characters that would end a comment or a header.</summary>
    private static string Clean(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        var sb = new StringBuilder(Math.Min(value.Length, 255));
        foreach (var c in value)
        {
            if (sb.Length >= 255)
                break;
            if (c is > ' ' and < (char)127 and not '(' and not ')' and not '\\' and not '<' and not '>' and not ';')
                sb.Append(c);
        }
        return sb.ToString();
    }
}
