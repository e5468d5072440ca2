using System.Text;
using Webmail.Core.Messages.Imap;
using Webmail.Core.Storage;
using Webmail.Imap.Protocol;

namespace Webmail.Imap.Session;

/// <summary>What one FETCH data item asks for (RFC 9051 §6.4.5).</summary>
public enum FetchKind
{
    Flags,
    InternalDate,
    Size,
    Uid,
    Envelope,
    BodyStructure,
    Body,
    Section,
    Binary,
    BinarySize,
    /// <summary>The message's modification sequence (RFC 7162 §3.1.4.1).</summary>
    Modseq,
    /// <summary>The preview text (RFC 8970), stored at delivery.</summary>
    Preview,
    /// <summary>The message's object id (RFC 8474 EMAILID).</summary>
    EmailId,
    /// <summary>The message's thread's object id (RFC 8474 THREADID).</summary>
    ThreadId,
}

/// <summary>
/// One FETCH data item: its kind, the section and partial range for body items, whether it leaves
/// \Seen alone (PEEK), and the name its answer carries (RFC 9051 §7.5.2: the section as asked, the
/// partial's origin only).
/// </summary>
public sealed record FetchItem(FetchKind Kind, string Label, SectionSpec? Section = null, bool Peek = true, long? PartialStart = null, long? PartialLength = null)
{
    /// <summary>Needs the message's bytes.</summary>
    public bool NeedsRaw => Kind is FetchKind.Section or FetchKind.Binary or FetchKind.BinarySize;

    /// <summary>Needs the stored IMAP views.</summary>
    public bool NeedsStructure => Kind is FetchKind.Envelope or FetchKind.BodyStructure or FetchKind.Body;

    /// <summary>What the store reads for this item beyond UID and flags.</summary>
    public ImapMessageParts Parts => Kind switch
    {
        FetchKind.InternalDate or FetchKind.Size => ImapMessageParts.Details,
        FetchKind.Envelope => ImapMessageParts.Envelope,
        FetchKind.BodyStructure => ImapMessageParts.BodyStructure,
        FetchKind.Body => ImapMessageParts.Body,
        FetchKind.Preview => ImapMessageParts.Preview,
        FetchKind.ThreadId => ImapMessageParts.Thread,
        _ => ImapMessageParts.None,
    };

    /// <summary>Parses the FETCH item list: one item, a macro (ALL, FAST, FULL) or a parenthesised list.</summary>
    public static List<FetchItem> ParseList(ImapArguments args)
    {
        var items = new List<FetchItem>();
        if (args.TryConsume('('))
        {
            do
                items.Add(Parse(args));
            while (args.TryConsume(' '));
            args.Expect(')');
            return items;
        }
        if (args.TryKeyword("ALL"))
            return [new(FetchKind.Flags, "FLAGS"), new(FetchKind.InternalDate, "INTERNALDATE"), new(FetchKind.Size, "RFC822.SIZE"), new(FetchKind.Envelope, "ENVELOPE")];
        if (args.TryKeyword("FAST"))
            return [new(FetchKind.Flags, "FLAGS"), new(FetchKind.InternalDate, "INTERNALDATE"), new(FetchKind.Size, "RFC822.SIZE")];
        if (args.TryKeyword("FULL"))
            return [new(FetchKind.Flags, "FLAGS"), new(FetchKind.InternalDate, "INTERNALDATE"), new(FetchKind.Size, "RFC822.SIZE"), new(FetchKind.Envelope, "ENVELOPE"), new(FetchKind.Body, "BODY")];
        items.Add(Parse(args));
        return items;
    }

    private static FetchItem Parse(ImapArguments args)
    {
        var name = args.ItemName().ToUpperInvariant();
        switch (name)
        {
            case "FLAGS": return new(FetchKind.Flags, "FLAGS");
            case "INTERNALDATE": return new(FetchKind.InternalDate, "INTERNALDATE");
            case "RFC822.SIZE": return new(FetchKind.Size, "RFC822.SIZE");
            case "UID": return new(FetchKind.Uid, "UID");
            case "MODSEQ": return new(FetchKind.Modseq, "MODSEQ");
            case "EMAILID": return new(FetchKind.EmailId, "EMAILID");
            case "THREADID": return new(FetchKind.ThreadId, "THREADID");
            case "PREVIEW":
                // RFC 8970 §3.1: PREVIEW (LAZY) may answer NIL when a preview is costly; the stored one never is.
                args.TryKeyword(" (LAZY)");
                return new(FetchKind.Preview, "PREVIEW");
            case "ENVELOPE": return new(FetchKind.Envelope, "ENVELOPE");
            case "BODYSTRUCTURE": return new(FetchKind.BodyStructure, "BODYSTRUCTURE");
            // RFC 9051 §6.4.5: RFC822 is BODY[], RFC822.HEADER is BODY.PEEK[HEADER], RFC822.TEXT is BODY[TEXT].
            case "RFC822": return new(FetchKind.Section, "RFC822", new SectionSpec([], SectionText.Content, []), Peek: false);
            case "RFC822.HEADER": return new(FetchKind.Section, "RFC822.HEADER", new SectionSpec([], SectionText.Header, []));
            case "RFC822.TEXT": return new(FetchKind.Section, "RFC822.TEXT", new SectionSpec([], SectionText.Text, []), Peek: false);
            case "BODY" or "BODY.PEEK" or "BINARY" or "BINARY.PEEK" or "BINARY.SIZE":
                if (args.Peek != (byte)'[')
                {
                    if (name == "BODY")
                        return new(FetchKind.Body, "BODY");
                    throw new ImapSyntaxException($"{name} needs a section");
                }
                break;
            default:
                throw new ImapSyntaxException($"Unknown FETCH item {name}");
        }

        var binary = name.StartsWith("BINARY", StringComparison.Ordinal);
        var (section, text) = ParseSection(args, binary);
        var label = (name.StartsWith("BODY", StringComparison.Ordinal) ? "BODY" : name == "BINARY.SIZE" ? "BINARY.SIZE" : "BINARY") + text;
        long? start = null, length = null;
        if (name != "BINARY.SIZE" && args.TryConsume('<'))
        {
            start = args.Number(allowZero: true);
            args.Expect('.');
            length = args.Number();
            args.Expect('>');
            label += $"<{start}>";
        }
        var kind = name switch
        {
            "BINARY.SIZE" => FetchKind.BinarySize,
            "BINARY" or "BINARY.PEEK" => FetchKind.Binary,
            _ => FetchKind.Section,
        };
        return new FetchItem(kind, label, section, Peek: name.EndsWith(".PEEK", StringComparison.Ordinal) || kind == FetchKind.BinarySize, start, length);
    }

    /// <summary>A section spec <c>[1.2.HEADER.FIELDS (From To)]</c> and its text as the answer repeats it.</summary>
    private static (SectionSpec Spec, string Text) ParseSection(ImapArguments args, bool binary)
    {
        args.Expect('[');
        var parts = new List<int>();
        var text = SectionText.Content;
        var fields = new List<string>();
        var label = new StringBuilder("[");
        while (args.Peek is >= (byte)'0' and <= (byte)'9')
        {
            var n = args.Number();
            if (n > 10_000 || parts.Count >= ImapArguments.MaxDepth * 2)
                throw new ImapSyntaxException("Section part out of range");
            parts.Add((int)n);
            label.Append(n);
            if (!args.TryConsume('.'))
                break;
            label.Append('.');
        }
        if (args.Peek != (byte)']')
        {
            if (binary)
                throw new ImapSyntaxException("BINARY takes a part number only");
            var word = args.Atom().ToUpperInvariant();
            text = word switch
            {
                "HEADER" => SectionText.Header,
                "HEADER.FIELDS" => SectionText.HeaderFields,
                "HEADER.FIELDS.NOT" => SectionText.HeaderFieldsNot,
                "TEXT" => SectionText.Text,
                "MIME" when parts.Count > 0 => SectionText.Mime,
                _ => throw new ImapSyntaxException($"Invalid section {word}"),
            };
            label.Append(word);
            if (text is SectionText.HeaderFields or SectionText.HeaderFieldsNot)
            {
                args.Space();
                args.Expect('(');
                do
                {
                    if (fields.Count >= 256)
                        throw new ImapSyntaxException("Too many header fields");
                    fields.Add(args.AString());
                }
                while (args.TryConsume(' '));
                args.Expect(')');
                label.Append(" (").Append(string.Join(' ', fields.Select(f => f.ToUpperInvariant()))).Append(')');
            }
        }
        else if (label.Length > 1 && label[^1] == '.')
        {
            throw new ImapSyntaxException("Invalid section");
        }
        args.Expect(']');
        label.Append(']');
        return (new SectionSpec(parts, text, fields), label.ToString());
    }
}
