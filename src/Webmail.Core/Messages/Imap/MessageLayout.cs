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

    private MessageLayout(ReadOnlyMemory<byte> raw, MimeMessage? message, MimeNode root)
    {
        Raw = raw;
        Message = message;
        Root = root;
    }

    /// <summary>The bytes the offsets point into: the raw message, or its bounded view (<see cref="MimeInput.Bound"/>).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>The message MimeKit parsed; null when it could not parse one.</summary>
    public MimeMessage? Message { get; }

    /// <summary>The message itself: its header is the message header, its children the body's parts.</summary>
    public MimeNode Root { get; }

    /// <summary>Parses <paramref name="raw"/> (bounded as <see cref="MimeInput.Bound"/> bounds it) and remembers the layout of the message.</summary>
    public static MessageLayout Parse(ReadOnlyMemory<byte> raw, int maxMimeDepth = MimeInput.DefaultMaxMimeDepth)
    {
        var bounded = MimeInput.Bound(raw, out _);
        var (message, root) = ParseMessage(bounded, 0, bounded.Length, maxMimeDepth, 0);
        var layout = new MessageLayout(bounded, message, root);
        if (message is not null)
            Layouts.AddOrUpdate(message, layout);
        return layout;
    }

    /// <summary>
    /// The layout of <paramref name="message"/>: the one recorded when it was parsed here (<see cref="Parse"/>), else that
    /// of its serialisation (a message built in code has no other raw form).
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

    private static (MimeMessage? Message, MimeNode Root) ParseMessage(ReadOnlyMemory<byte> raw, int start, int end, int maxMimeDepth, int depth)
    {
        var parser = new OffsetParser(new ParserOptions { MaxMimeDepth = maxMimeDepth }, raw[start..end]);
        MimeMessage message;
        try
        {
            message = parser.ParseMessage();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or NotSupportedException or IOException)
        {
            return (null, Unparsed(raw, start, end));
        }
        var builder = new TreeBuilder(raw, start, parser, maxMimeDepth, depth);
        return (message, builder.Message(message, inMultipart: false, inDigest: false) ?? Unparsed(raw, start, end));
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
    private sealed class TreeBuilder(ReadOnlyMemory<byte> raw, int start, OffsetParser parser, int maxMimeDepth, int depth)
    {
        public MimeNode? Message(MimeMessage message, bool inMultipart, bool inDigest)
        {
            if (!parser.Offsets.TryGetValue(message, out var o))
                return null;
            var node = new MimeNode(raw, start + o.Begin, start + o.HeadersEnd, start + o.End, inMultipart, inDigest);
            AddChildren(node, message.Body);
            return node;
        }

        private MimeNode? Entity(MimeEntity entity, bool inMultipart, bool inDigest)
        {
            if (!parser.Offsets.TryGetValue(entity, out var o))
                return null;
            var node = new MimeNode(raw, start + o.Begin, start + o.HeadersEnd, start + o.End, inMultipart, inDigest);
            AddChildren(node, entity);
            return node;
        }

        private void AddChildren(MimeNode node, MimeEntity? entity)
        {
            if (node.Data.IsMultipart)
            {
                if (entity is Multipart multipart)
                {
                    foreach (var child in multipart)
                    {
                        if (Entity(child, inMultipart: true, inDigest: node.Data.IsDigest) is { } part)
                            node.Children.Add(part);
                    }
                }
            }
            else if (node.Data.IsMessage)
            {
                if (entity is MessagePart { Message: { } inner } && Message(inner, inMultipart: false, inDigest: false) is { } root)
                {
                    node.Children.Add(root);
                }
                else if (depth < maxMimeDepth)
                {
                    // MimeKit did not see a message here (another Content-Type won, or a depth limit): parse the body as one.
                    node.Children.Add(ParseMessage(raw, node.HeadersEnd, node.End, maxMimeDepth, depth + 1).Root);
                }
            }
        }
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
            _begins[args.Message] = (int)args.BeginOffset;
            base.OnMimeMessageBegin(args);
        }

        protected override void OnMimeMessageEnd(MimeMessageEndEventArgs args)
        {
            Offsets[args.Message] = new EntityOffsets(_begins.GetValueOrDefault(args.Message), (int)args.HeadersEndOffset, (int)args.EndOffset);
            base.OnMimeMessageEnd(args);
        }

        protected override void OnMimeEntityBegin(MimeEntityBeginEventArgs args)
        {
            _begins[args.Entity] = (int)args.BeginOffset;
            base.OnMimeEntityBegin(args);
        }

        protected override void OnMimeEntityEnd(MimeEntityEndEventArgs args)
        {
            Offsets[args.Entity] = new EntityOffsets(_begins.GetValueOrDefault(args.Entity), (int)args.HeadersEndOffset, (int)args.EndOffset);
            base.OnMimeEntityEnd(args);
        }
    }
}
