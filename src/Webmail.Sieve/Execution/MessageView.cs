using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Webmail.Sieve.Execution;

/// <summary>
/// The message as tests see it: header values decoded and unfolded (RFC 5228 §2.7.2), addresses
/// parsed, body parts by content type (RFC 5173), Date-style headers as times. Computed on demand, once per run:
/// a script of many rules reads the same fields and body again and again. Callers must not change the lists.
/// </summary>
internal sealed class MessageView(SieveMessage message)
{
    private string? _rawBody;
    private readonly Dictionary<string, List<string>> _headerValues = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<List<ParsedAddress>>> _addresses = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<string>> _bodyTexts = new(StringComparer.Ordinal);

    public long Size => message.Size;

    private IEnumerable<Header> Headers(string name) =>
        message.Message.Headers.Where(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase));

    public bool Exists(string name) => Headers(name).Any();

    /// <summary>Each field's value: encoded words decoded, unfolded, outer white space removed.</summary>
    public List<string> HeaderValues(string name)
    {
        if (!_headerValues.TryGetValue(name, out var values))
            _headerValues[name] = values = Headers(name).Select(Decode).ToList();
        return values;
    }

    private static string Decode(Header header)
    {
        var text = Rfc2047.DecodeText(ParserOptions.Default, header.RawValue);
        return text.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim(' ', '\t');
    }

    /// <summary>
    /// The addresses in each named field, one list per field (group members flattened). A field
    /// with no address in it (not an address list, or only an empty group such as
    /// "undisclosed-recipients:;") gives its whole value with a null domain: only :all compares it,
    /// as Pigeonhole does (RFC 5228 §2.7.4 leaves this open).
    /// </summary>
    public List<List<ParsedAddress>> Addresses(string name)
    {
        if (!_addresses.TryGetValue(name, out var fields))
            _addresses[name] = fields = Headers(name).Select(ParseAddresses).ToList();
        return fields;
    }

    private static List<ParsedAddress> ParseAddresses(Header header)
    {
        var list = new List<ParsedAddress>();
        if (InternetAddressList.TryParse(ParserOptions.Default, header.RawValue, out var addresses))
        {
            foreach (var mailbox in addresses.Mailboxes)
                list.Add(ParsedAddress.FromAddress(mailbox.Address));
        }
        if (list.Count == 0)
            list.Add(ParsedAddress.Unparsed(Decode(header)));
        return list;
    }

    /// <summary>The first parseable date in each named field.</summary>
    public List<DateTimeOffset?> Dates(string name) =>
        HeaderValues(name).Select(v => DateUtils.TryParse(v, out DateTimeOffset date) ? date : (DateTimeOffset?)null).ToList();

    /// <summary>
    /// RFC 5173 §5: the texts a body test compares, for :raw, :content types, or :text. Parts are
    /// walked into attached messages; a matching multipart gives its prologue and epilogue, a
    /// matching message/rfc822 the header of the message inside (as Pigeonhole does).
    /// </summary>
    public List<string> BodyTexts(bool raw, IReadOnlyList<string>? contentTypes)
    {
        if (raw)
            return [_rawBody ??= RawBody()];
        // :text (the default) compares text as a reader sees it: HTML parts without their markup.
        var asText = contentTypes is null;
        // Content types compare without regard to case; each is length-prefixed so no two lists share a key.
        var key = asText ? "text" : string.Concat(contentTypes!.Select(t => $"{t.Length}:{t.ToLowerInvariant()}"));
        if (_bodyTexts.TryGetValue(key, out var cached))
            return cached;
        var texts = new List<string>();
        if (message.Message.Body is { } body)
            Collect(body, contentTypes ?? ["text"], asText, texts);
        _bodyTexts[key] = texts;
        return texts;
    }

    private static void Collect(MimeEntity entity, IReadOnlyList<string> types, bool asText, List<string> texts)
    {
        var wanted = types.Any(t => TypeMatches(entity.ContentType, t));
        switch (entity)
        {
            case Multipart multipart:
                if (wanted)
                    texts.AddRange(new[] { multipart.Preamble, multipart.Epilogue }.Where(t => !string.IsNullOrEmpty(t))!);
                foreach (var child in multipart)
                    Collect(child, types, asText, texts);
                break;
            case MessagePart { Message: { } inner }:
                if (wanted)
                {
                    using var header = new MemoryStream();
                    inner.Headers.WriteTo(FormatOptions.Default, header);
                    texts.Add(Encoding.UTF8.GetString(header.ToArray()));
                }
                if (inner.Body is { } innerBody)
                    Collect(innerBody, types, asText, texts);
                break;
            case TextPart text when wanted:
                texts.Add(asText && text.IsHtml ? HtmlText.ToPlainText(text.Text) : text.Text);
                break;
            case MimePart { Content: { } content } when wanted:
                using (var decoded = new MemoryStream())
                {
                    content.DecodeTo(decoded);
                    texts.Add(Encoding.UTF8.GetString(decoded.ToArray()));
                }
                break;
        }
    }

    private static bool TypeMatches(ContentType type, string wanted)
    {
        if (wanted.Length == 0)
            return true;
        var slash = wanted.IndexOf('/');
        return slash < 0
            ? type.MediaType.Equals(wanted, StringComparison.OrdinalIgnoreCase)
            : type.MimeType.Equals(wanted, StringComparison.OrdinalIgnoreCase);
    }

    private string RawBody()
    {
        using var stream = new MemoryStream();
        message.Message.Body?.WriteTo(FormatOptions.Default, stream, contentOnly: true);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
