using System.Buffers;
using MimeKit;

namespace Webmail.Mail.Delivery;

/// <summary>The header fields the pipeline checks and completes, read without parsing the body.</summary>
/// <param name="From">Every <c>From:</c> address, lower-cased (an unparsable field's text as it is).</param>
/// <param name="Sender">Every <c>Sender:</c> address, the same way.</param>
public sealed record SubmittedHeaders(IReadOnlyList<string> From, string? MessageId, bool HasDate, IReadOnlyList<string> Sender)
{
    private static readonly SubmittedHeaders Empty = new([], null, false, []);

    /// <summary>
    /// The originator addresses (RFC 5322 §3.6.2): <c>From</c>, who wrote it, and <c>Sender</c>, who sent it.
    /// Both are shown as who the mail is from, so both are checked; <c>Reply-To</c> only says where answers go.
    /// </summary>
    public IEnumerable<string> Originators => From.Concat(Sender);

    public static SubmittedHeaders Read(ReadOnlySequence<byte> message, int maxMimeDepth)
    {
        HeaderList headers;
        try
        {
            using var stream = new SequenceStream(message);
            headers = HeaderList.Load(new ParserOptions { MaxMimeDepth = maxMimeDepth }, stream);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IOException)
        {
            return Empty;
        }

        var messageId = headers.Contains(HeaderId.MessageId) ? headers[HeaderId.MessageId]?.Trim() : null;
        return new SubmittedHeaders(Addresses(headers, HeaderId.From), string.IsNullOrEmpty(messageId) ? null : messageId, headers.Contains(HeaderId.Date), Addresses(headers, HeaderId.Sender));
    }

    private static List<string> Addresses(HeaderList headers, HeaderId id)
    {
        var addresses = new List<string>();
        foreach (var header in headers.Where(h => h.Id == id))
        {
            if (InternetAddressList.TryParse(header.RawValue, out var list))
                addresses.AddRange(list.Mailboxes.Select(m => m.Address.ToLowerInvariant()));
            else
                addresses.Add(header.Value.Trim());
        }
        return addresses;
    }
}
