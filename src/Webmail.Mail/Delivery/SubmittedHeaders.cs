using System.Buffers;
using MimeKit;

namespace Webmail.Mail.Delivery;

/// <summary>The header fields submission checks and completes, read without parsing the body.</summary>
public sealed record SubmittedHeaders(IReadOnlyList<string> From, string? MessageId, bool HasDate)
{
    private static readonly SubmittedHeaders Empty = new([], null, false);

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

        var from = new List<string>();
        foreach (var header in headers.Where(h => h.Id == HeaderId.From))
        {
            if (InternetAddressList.TryParse(header.RawValue, out var list))
                from.AddRange(list.Mailboxes.Select(m => m.Address.ToLowerInvariant()));
            else
                from.Add(header.Value.Trim());
        }
        var messageId = headers.Contains(HeaderId.MessageId) ? headers[HeaderId.MessageId]?.Trim() : null;
        return new SubmittedHeaders(from, string.IsNullOrEmpty(messageId) ? null : messageId, headers.Contains(HeaderId.Date));
    }
}
