using System.Runtime.CompilerServices;
using MimeKit;

namespace Webmail.Core.Messages.Imap;

/// <summary>
/// A raw message and its MIME parts as offsets into it. MimeKit's parser finds the parts and reports where each one's
/// header and body begin and end (<see cref="MimeParser"/>'s entity events); sizes, line counts and sections are then
/// cut from the raw bytes, never from MimeKit's re-serialisation. Never throws: input MimeKit cannot read is one
/// text/plain part.
/// </summary>
internal sealed class MessageLayout
{
    /// <summary>The layouts of messages parsed here, so that a <see cref="MimeMessage"/> handed back finds its raw bytes.</summary>
    private static readonly ConditionalWeakTable<MimeMessage, MessageLayout> Layouts = new();

    private readonly Lazy<MimeNode> _root;

    private MessageLayout(ReadOnlyMemory<byte> raw, MimeMessage? message, Func<MimeNode> root)
    {
        Raw = raw;
        Message = message;
        _root = new Lazy<MimeNode>(root);
    }

    /// <summary>The bytes the offsets point into: the raw message, or its bounded view (<see cref="MimeInput.Bound"/>).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>The message MimeKit parsed; null when it could not parse one.</summary>
    public MimeMessage? Message { get; }

    /// <summary>The message itself: its header is the message header, its children the body's parts (built on first use).</summary>
    public MimeNode Root => _root.Value;

    /// <summary>Parses <paramref name="raw"/> (bounded as <see cref="MimeInput.Bound"/> bounds it) and remembers the layout of the message. Never throws.</summary>
    public static MessageLayout Parse(ReadOnlyMemory<byte> raw, int maxMimeDepth = MimeInput.DefaultMaxMimeDepth)
    {
        var bounded = MimeInput.Bound(raw, out _);
        try
        {
            return Load(bounded, maxMimeDepth, 0, bounded.Length);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or NotSupportedException or IOException)
        {
            return new MessageLayout(bounded, null, () => Unparsed(bounded, 0, bounded.Length));
        }
    }

    /// <summary>
    /// Parses <paramref name="bounded"/>[<paramref name="start"/>..<paramref name="end"/>] with MimeKit, recording the
    /// offsets, and remembers the layout of the message. Throws what MimeKit throws for unreadable input.
    /// </summary>
    /// <param name="maxMimeDepth">Deepest nesting parsed below this message (MimeKit's <see cref="ParserOptions.MaxMimeDepth"/>).</param>
    public static MessageLayout Load(ReadOnlyMemory<byte> bounded, int maxMimeDepth, int start, int end)
    {
        var parser = new OffsetParser(new ParserOptions { MaxMimeDepth = maxMimeDepth }, bounded[start..end]);
        var message = parser.ParseMessage();
        // Only the offsets are kept for the tree, not the parser and its buffers.
        var offsets = parser.Offsets;
        var layout = new MessageLayout(bounded, message, () =>
            new TreeBuilder(bounded, start, offsets, maxMimeDepth).Message(message, 0, inMultipart: false, inDigest: false)
            ?? Unparsed(bounded, start, end));
        Layouts.AddOrUpdate(message, layout);
        return layout;
    }

    /// <summary>
    /// The layout of <paramref name="message"/>: the one recorded when it was parsed here (<see cref="Parse"/>,
    /// <see cref="MimeInput.Load"/>), else that of its serialisation (a message built in code has no other raw form).
    /// </summary>
    public static MessageLayout For(MimeMessage message)
    {
        if (Layouts.TryGetValue(message, out var layout))
            return layout;
        using var stream = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(format, stream);
        return Parse(stream.ToArray());
    }

    /// <summary>The message inside a message/rfc822 part that MimeKit did not parse as one; never throws.</summary>
    private static MimeNode Embedded(ReadOnlyMemory<byte> raw, int start, int end, int maxMimeDepth)
    {
        try
        {
            return Load(raw, maxMimeDepth, start, end).Root;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or NotSupportedException or IOException)
        {
            return Unparsed(raw, start, end);
        }
    }

    /// <summary>Input MimeKit could not read: a header up to the first empty line, then a body.</summary>
    private static MimeNode Unparsed(ReadOnlyMemory<byte> raw, int start, int end)
    {
        var span = raw.Span[start..end];
        var headersEnd = end;
        var crlf = span.IndexOf("\r\n\r\n"u8);
        var lf = span.IndexOf("\n\n"u8);
        if (crlf >= 0 && (lf < 0 || crlf + 2 <= lf))
            headersEnd = start + crlf + 4;
        else if (lf >= 0)
            headersEnd = start + lf + 2;
        return new MimeNode(raw, start, headersEnd, end, inMultipart: false, inDigest: false);
    }

    /// <summary>Turns MimeKit's entities and their recorded offsets into <see cref="MimeNode"/>s.</summary>
    /// <remarks>The level counts nesting below the parsed message, so a re-parse stays within the configured depth.</remarks>
    private sealed class TreeBuilder(ReadOnlyMemory<byte> raw, int start, Dictionary<object, EntityOffsets> offsets, int maxMimeDepth)
    {
        public MimeNode? Message(MimeMessage message, int level, bool inMultipart, bool inDigest)
        {
            if (!offsets.TryGetValue(message, out var o))
                return null;
            var node = new MimeNode(raw, start + o.Begin, start + o.HeadersEnd, start + o.End, inMultipart, inDigest);
            AddChildren(node, message.Body, level);
            return node;
        }

        private MimeNode? Entity(MimeEntity entity, int level, bool inMultipart, bool inDigest)
        {
            if (!offsets.TryGetValue(entity, out var o))
                return null;
            var node = new MimeNode(raw, start + o.Begin, start + o.HeadersEnd, start + o.End, inMultipart, inDigest);
            AddChildren(node, entity, level);
            return node;
        }

        private void AddChildren(MimeNode node, MimeEntity? entity, int level)
        {
            if (node.Data.IsMultipart)
            {
                if (entity is Multipart multipart)
                {
                    var gapStart = node.HeadersEnd;
                    foreach (var child in multipart)
                    {
                        if (Entity(child, level + 1, inMultipart: true, inDigest: node.Data.IsDigest) is not { } part)
                            continue;
                        AddEmptyParts(node, multipart.Boundary, gapStart, part.Begin);
                        node.Children.Add(part);
                        gapStart = part.End;
                    }
                    if (node.Children.Count > 0)
                        AddEmptyParts(node, multipart.Boundary, gapStart, node.End, trailing: true);
                }
                node.IncludeCloseDelimiterLineBreak();
            }
            else if (node.Data.IsMessage)
            {
                if (entity is MessagePart { Message: { } inner } && Message(inner, level + 1, inMultipart: false, inDigest: false) is { } root)
                {
                    node.Children.Add(root);
                }
                else if (level + 1 < maxMimeDepth)
                {
                    // MimeKit did not read a message here (its own choice of Content-Type differs): parse the body as one,
                    // within what is left of the depth limit. At the limit the part stays opaque (application/octet-stream).
                    node.Children.Add(Embedded(raw, node.HeadersEnd, node.End, maxMimeDepth - level - 1));
                }
                if (node.Children.Count > 0)
                    node.IncludeCloseDelimiterLineBreak(node.Children[0]);
            }
        }
    }

    /// <summary>
    /// The empty body parts MimeKit skips: a boundary line right after another one starts a part with neither header
    /// nor body (RFC 2046 §5.1.1 allows an empty body part), which Dovecot and Python's email package count, and so
    /// shift the numbers of the parts after it. Between two parts (or the preamble and the first part) one boundary
    /// line is expected; each further one starts an empty part. After the last part, each boundary line before the
    /// closing one does.
    /// </summary>
    private static void AddEmptyParts(MimeNode multipart, string? boundary, int from, int to, bool trailing = false)
    {
        if (string.IsNullOrEmpty(boundary) || to <= from)
            return;
        var span = multipart.Raw.Span;
        var delimiter = System.Text.Encoding.UTF8.GetBytes("--" + boundary);
        var lines = new List<int>();
        var position = from;
        while (position < to)
        {
            var newline = span[position..to].IndexOf((byte)'\n');
            var lineEnd = newline < 0 ? to : position + newline;
            var line = span[position..lineEnd].TrimEnd(" \t\r"u8);
            if (line.SequenceEqual(delimiter))
                lines.Add(position);
            position = lineEnd + 1;
        }
        var first = trailing ? 0 : 1;
        for (var i = first; i < lines.Count; i++)
            multipart.Children.Add(new MimeNode(multipart.Raw, lines[i], lines[i], lines[i], inMultipart: true, inDigest: multipart.Data.IsDigest));
    }

    /// <summary>Where each entity and message begins, ends its header, and ends, as the parser reports them.</summary>
    private readonly record struct EntityOffsets(int Begin, int HeadersEnd, int End);

    /// <summary>A <see cref="MimeParser"/> that records the offsets it reports for every entity and message.</summary>
    private sealed class OffsetParser(ParserOptions options, ReadOnlyMemory<byte> raw)
        : MimeParser(options, new MimeInput.ReadOnlyMemoryStream(raw), MimeFormat.Entity, persistent: false)
    {
        private readonly Dictionary<object, int> _begins = new(ReferenceEqualityComparer.Instance);

        public Dictionary<object, EntityOffsets> Offsets { get; } = new(ReferenceEqualityComparer.Instance);

        protected override void OnMimeMessageBegin(MimeMessageBeginEventArgs args)
        {
            Begin(args.Message, args.BeginOffset);
            base.OnMimeMessageBegin(args);
        }

        protected override void OnMimeMessageEnd(MimeMessageEndEventArgs args)
        {
            End(args.Message, args.HeadersEndOffset, args.EndOffset);
            base.OnMimeMessageEnd(args);
        }

        protected override void OnMimeEntityBegin(MimeEntityBeginEventArgs args)
        {
            Begin(args.Entity, args.BeginOffset);
            base.OnMimeEntityBegin(args);
        }

        protected override void OnMimeEntityEnd(MimeEntityEndEventArgs args)
        {
            End(args.Entity, args.HeadersEndOffset, args.EndOffset);
            base.OnMimeEntityEnd(args);
        }

        /// <summary>Notes where a message or entity begins, until its end is reported.</summary>
        private void Begin(object node, long beginOffset) => _begins[node] = (int)beginOffset;

        /// <summary>Records the offsets of a message or entity whose end the parser reports.</summary>
        private void End(object node, long headersEndOffset, long endOffset) =>
            Offsets[node] = new EntityOffsets(_begins.GetValueOrDefault(node), (int)headersEndOffset, (int)endOffset);
    }
}
