using System.Text;

namespace Webmail.Core.Messages.Imap;

/// <summary>
/// What BODYSTRUCTURE says of one MIME part, read from its header fields with Dovecot 2.3's rules
/// (<c>message-parser.c</c> for the part's kind, <c>message-part-data.c</c> for the rest), so that our answers equal
/// the reference server's for the same message, broken ones included.
/// </summary>
internal sealed class PartData
{
    public string? ContentType { get; private set; }
    public string? ContentSubtype { get; private set; }
    public List<KeyValuePair<string, string>> TypeParameters { get; private set; } = [];
    public string? ContentId { get; private set; }
    public string? Description { get; private set; }
    public string? TransferEncoding { get; private set; }
    public string? Md5 { get; private set; }
    public string? Disposition { get; private set; }
    public List<KeyValuePair<string, string>>? DispositionParameters { get; private set; }
    public List<string>? Language { get; private set; }
    public string? Location { get; private set; }

    /// <summary>The part is a multipart/* (Dovecot's <c>MESSAGE_PART_FLAG_MULTIPART</c>).</summary>
    public bool IsMultipart { get; private set; }
    /// <summary>The part is multipart/digest: its children default to message/rfc822 (RFC 2046 §5.1.5).</summary>
    public bool IsDigest { get; private set; }
    /// <summary>The part is message/rfc822 and holds a message (<c>MESSAGE_PART_FLAG_MESSAGE_RFC822</c>).</summary>
    public bool IsMessage { get; private set; }
    /// <summary>The part is text/* (<c>MESSAGE_PART_FLAG_TEXT</c>).</summary>
    public bool IsText { get; private set; }

    /// <summary>Reads a part's data from its header fields.</summary>
    /// <param name="inMultipart">The part is a body part of a multipart (its Content-* fields count without MIME-Version).</param>
    /// <param name="inDigest">The part is a body part of a multipart/digest.</param>
    public static PartData From(IReadOnlyList<HeaderField> fields, bool inMultipart, bool inDigest)
    {
        var data = new PartData();
        var isMime = inMultipart;
        var seenContentType = false;
        foreach (var field in fields)
        {
            if (field.Name.Equals("MIME-Version", StringComparison.OrdinalIgnoreCase))
            {
                isMime = true;
            }
            else if (field.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                // Dovecot (not MIME-Version strict): a Content-Type alone makes the part MIME; the first one counts.
                isMime = true;
                if (!seenContentType)
                    data.SetKind(field.Value);
                seenContentType = true;
            }
            if (field.Name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                data.ParseContentField(field.Name[8..], field.Value);
        }

        if (!isMime)
        {
            // Not MIME: everything the Content-* fields said is forgotten (message-parser.c, message-part-data.c).
            data = new PartData();
        }
        if (!seenContentType || !isMime)
        {
            // RFC 2045 §5.2 default, or message/rfc822 inside multipart/digest (RFC 2046 §5.1.5).
            if (inDigest)
                data.IsMessage = true;
            else
                data.IsText = true;
        }
        return data;
    }

    private void SetKind(string value)
    {
        var reader = new Rfc822Reader(value);
        reader.SkipLwsp();
        var str = new StringBuilder();
        reader.ParseContentType(str);
        var type = str.ToString();
        if (type.Equals("message/rfc822", StringComparison.OrdinalIgnoreCase))
        {
            IsMessage = true;
        }
        else if (type.StartsWith("text", StringComparison.OrdinalIgnoreCase) && (type.Length == 4 || type[4] == '/'))
        {
            IsText = true;
        }
        else if (type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            IsMultipart = true;
            IsDigest = type.AsSpan(10).Equals("digest", StringComparison.OrdinalIgnoreCase);
        }
    }

    private void ParseContentField(string name, string value)
    {
        if (name.Equals("ID", StringComparison.OrdinalIgnoreCase))
            ContentId ??= value;
        else if (name.Equals("MD5", StringComparison.OrdinalIgnoreCase))
            Md5 ??= value;
        else if (name.Equals("Type", StringComparison.OrdinalIgnoreCase) && ContentType is null)
            ParseContentType(value);
        else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && TransferEncoding is null)
            ParseTransferEncoding(value);
        else if (name.Equals("Language", StringComparison.OrdinalIgnoreCase) && Language is null)
            ParseLanguage(value);
        else if (name.Equals("Location", StringComparison.OrdinalIgnoreCase))
            Location ??= value;
        else if (name.Equals("Description", StringComparison.OrdinalIgnoreCase))
            Description ??= value;
        else if (name.Equals("Disposition", StringComparison.OrdinalIgnoreCase) && DispositionParameters is null)
            ParseDisposition(value);
    }

    private void ParseContentType(string value)
    {
        var reader = new Rfc822Reader(value);
        reader.SkipLwsp();
        var str = new StringBuilder();
        var ret = reader.ParseContentType(str);
        var type = str.ToString();
        var slash = type.IndexOf('/');
        // A broken Content-Type still gives its type, and "" as the subtype, so that it is not taken for text/plain.
        ContentSubtype = slash < 0 ? "" : type[(slash + 1)..];
        ContentType = slash < 0 ? type : type[..slash];
        if (ret < 0)
            return;
        TypeParameters = MimeParameters.Parse(reader);
    }

    private void ParseTransferEncoding(string value)
    {
        var reader = new Rfc822Reader(value);
        reader.SkipLwsp();
        var str = new StringBuilder();
        if (reader.ParseMimeToken(str) >= 0 && reader.SkipLwsp() == 0 && str.Length > 0)
            TransferEncoding = str.ToString();
    }

    private void ParseDisposition(string value)
    {
        var reader = new Rfc822Reader(value);
        reader.SkipLwsp();
        var str = new StringBuilder();
        if (reader.ParseMimeToken(str) < 0)
            return;
        Disposition = str.ToString();
        var parameters = MimeParameters.Parse(reader);
        // Dovecot keeps "no parameters" as a null list, so a later Content-Disposition may still replace this one.
        DispositionParameters = parameters.Count == 0 ? null : parameters;
    }

    private void ParseLanguage(string value)
    {
        // RFC 3282: Content-Language = 1#Language-tag
        var reader = new Rfc822Reader(value);
        var languages = new List<string>();
        var str = new StringBuilder();
        reader.SkipLwsp();
        while (reader.ParseAtom(str) >= 0)
        {
            languages.Add(str.ToString());
            str.Clear();
            if (reader.AtEnd || reader.Current != ',')
                break;
            reader.Position++;
            reader.SkipLwsp();
        }
        if (languages.Count > 0)
            Language = languages;
    }
}
