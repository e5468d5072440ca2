using System.Globalization;
using MimeKit;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Imap.Protocol;

namespace Webmail.Imap.Session;

/// <summary>One message as a search sees it: its row, its sequence number, and its parsed content when a key needs it.</summary>
public sealed class SearchCandidate(ImapMessage message, int sequence, Func<long, byte[]?> loadRaw, int maxMimeDepth,
    IReadOnlyDictionary<(SearchTextField Field, string Value), IReadOnlySet<long>>? proven = null)
{
    private MimeMessage? _parsed;
    private string? _body;
    private bool _loaded;

    public ImapMessage Message { get; } = message;
    public int Sequence { get; } = sequence;

    /// <summary>The parsed message (headers decoded), or null when its bytes are gone.</summary>
    public MimeMessage? Parsed
    {
        get
        {
            if (!_loaded)
            {
                _loaded = true;
                if (loadRaw(Message.Id) is { } raw)
                {
                    // The hardened loader every other parse uses: hostile shapes cost linear time here too.
                    try
                    {
                        _parsed = MimeInput.Load(raw, maxMimeDepth);
                    }
                    catch (FormatException)
                    {
                        _parsed = null;
                    }
                }
            }
            return _parsed;
        }
    }

    private string? _headers;

    /// <summary>Whether the full-text index proved this message contains the text (<see cref="TextCandidates.Proven"/>): no need to read it.</summary>
    public bool IsProven((SearchTextField Field, string Value) text) => proven is not null && proven.TryGetValue(text, out var uids) && uids.Contains(Message.Uid);

    /// <summary>The message's text as the full-text index has it (decoded, HTML as text).</summary>
    public string Body => _body ??= Parsed is { } parsed ? MessageParser.ExtractText(parsed) : "";

    /// <summary>Every header field of the message and its parts, as the header index has them.</summary>
    public string HeaderText => _headers ??= Parsed is { } parsed ? MessageParser.HeaderText(parsed) : "";
}

/// <summary>
/// A SEARCH key (RFC 9051 §6.4.4) and its test. String keys match substrings without regard to
/// case, in decoded header values and decoded body text, as RFC 9051 requires.
/// </summary>
public abstract class SearchKey
{
    /// <summary>Relative cost: cheap row tests are tried before keys that read the message.</summary>
    public virtual int Cost => 0;

    public abstract bool Matches(SearchCandidate candidate);

    /// <summary>What the key reads of the message's row beyond flags and keywords.</summary>
    public virtual ImapMessageParts Parts => ImapMessageParts.None;

    /// <summary>True when any part of the key reads the message's bytes.</summary>
    public bool NeedsContent => Cost > 0;

    /// <summary>Text searches every match must satisfy (the top-level AND's BODY and TEXT keys), which the full-text index can narrow.</summary>
    public virtual IEnumerable<(SearchTextField Field, string Value)> Narrowing => [];

    /// <summary>
    /// True when the key is nothing but BODY and TEXT searches of its <see cref="Narrowing"/>: a message
    /// the index proves for each of them matches without its row or bytes being read.
    /// </summary>
    public virtual bool IsTextOnly => false;

    /// <summary>True when the key tests a modification sequence (RFC 7162 §3.1.5: the answer then names the highest one matched).</summary>
    public virtual bool UsesModseq => false;

    /// <summary>The keys of a SEARCH command until its end, as one AND.</summary>
    public static SearchKey ParseProgram(ImapArguments args, Func<SequenceSet, bool, Func<SearchCandidate, bool>> sets)
    {
        var keys = new List<SearchKey>();
        do
            keys.Add(Parse(args, sets, 0));
        while (args.TryConsume(' '));
        return keys.Count == 1 ? keys[0] : new And(keys);
    }

    private static SearchKey Parse(ImapArguments args, Func<SequenceSet, bool, Func<SearchCandidate, bool>> sets, int depth)
    {
        if (depth > ImapArguments.MaxDepth * 2)
            throw new ImapSyntaxException("Search nested too deeply");
        if (args.TryConsume('('))
        {
            var keys = new List<SearchKey>();
            do
                keys.Add(Parse(args, sets, depth + 1));
            while (args.TryConsume(' '));
            args.Expect(')');
            return new And(keys);
        }
        if (args.Peek is (byte)'$' or (byte)'*' or >= (byte)'0' and <= (byte)'9')
            return new Test(sets(args.SequenceSet(), false));

        var word = args.Atom().ToUpperInvariant();
        switch (word)
        {
            case "ALL": return new Test(_ => true);
            case "ANSWERED": return Flag(MessageFlags.Answered, true);
            case "UNANSWERED": return Flag(MessageFlags.Answered, false);
            case "DELETED": return Flag(MessageFlags.Deleted, true);
            case "UNDELETED": return Flag(MessageFlags.Deleted, false);
            case "DRAFT": return Flag(MessageFlags.Draft, true);
            case "UNDRAFT": return Flag(MessageFlags.Draft, false);
            case "FLAGGED": return Flag(MessageFlags.Flagged, true);
            case "UNFLAGGED": return Flag(MessageFlags.Flagged, false);
            case "SEEN": return Flag(MessageFlags.Seen, true);
            case "UNSEEN": return Flag(MessageFlags.Seen, false);
            // No message is \Recent here (RFC 9051 removed it; RFC 3501 lets a server never set it).
            case "RECENT" or "NEW": return new Test(_ => false);
            case "OLD": return new Test(_ => true);
            case "KEYWORD" or "UNKEYWORD":
            {
                args.Space();
                var keyword = args.Flag();
                var want = word == "KEYWORD";
                return new Test(c => Keywords.Parse(c.Message.Keywords).Contains(keyword, StringComparer.OrdinalIgnoreCase) == want);
            }
            case "BEFORE" or "ON" or "SINCE":
            {
                args.Space();
                var date = args.Date();
                return DateTest(word, date, c => DateOnly.FromDateTime(c.Message.InternalDate.UtcDateTime));
            }
            case "SENTBEFORE" or "SENTON" or "SENTSINCE":
            {
                args.Space();
                var date = args.Date();
                // RFC 9051 §6.4.4: the Date: header, disregarding time and time zone.
                return DateTest(word[4..], date, c => c.Message.SentDate is { } sent ? DateOnly.FromDateTime(sent.DateTime) : null);
            }
            case "LARGER" or "SMALLER":
            {
                args.Space();
                var size = args.Number(allowZero: true);
                return word == "LARGER" ? new Test(c => c.Message.Size > size, ImapMessageParts.Details) : new Test(c => c.Message.Size < size, ImapMessageParts.Details);
            }
            case "UID":
                args.Space();
                return new Test(sets(args.SequenceSet(), true));
            case "EMAILID":
            {
                // RFC 8474 §6: the message with this object id.
                args.Space();
                var emailId = args.Atom();
                return new Test(c => ObjectIds.Email(c.Message.Id) == emailId);
            }
            case "THREADID":
            {
                args.Space();
                var threadId = args.Atom();
                return new Test(c => ObjectIds.Thread(c.Message.ThreadKey) == threadId, ImapMessageParts.Thread);
            }
            case "MODSEQ":
            {
                // RFC 7162 §3.1.5: MODSEQ [entry-name entry-type] n. Flags have no modification
                // sequences of their own here: the message's is every entry's.
                args.Space();
                if (args.Peek == (byte)'"')
                {
                    args.AString();
                    args.Space();
                    var type = args.Atom().ToUpperInvariant();
                    if (type is not ("PRIV" or "SHARED" or "ALL"))
                        throw new ImapSyntaxException("Expected priv, shared or all");
                    args.Space();
                }
                var modseq = args.Number(allowZero: true);
                return new ModseqTest(modseq);
            }
            case "NOT":
                args.Space();
                return new Not(Parse(args, sets, depth + 1));
            case "OR":
            {
                args.Space();
                var left = Parse(args, sets, depth + 1);
                args.Space();
                return new Or(left, Parse(args, sets, depth + 1));
            }
            case "FROM" or "TO" or "CC" or "SUBJECT":
            {
                args.Space();
                var value = args.AString();
                return word switch
                {
                    "FROM" => new Test(c => Contains(c.Message.From, value), ImapMessageParts.Addresses),
                    "TO" => new Test(c => Contains(c.Message.To, value), ImapMessageParts.Addresses),
                    "CC" => new Test(c => Contains(c.Message.Cc, value), ImapMessageParts.Addresses),
                    _ => new Test(c => Contains(c.Message.Subject, value), ImapMessageParts.Addresses),
                };
            }
            case "BCC":
            {
                args.Space();
                var value = args.AString();
                return new Content(c => c.Parsed is { } m && Contains(m.Bcc.ToString(), value));
            }
            case "HEADER":
            {
                args.Space();
                var field = args.AString();
                args.Space();
                var value = args.AString();
                // RFC 9051 §6.4.4: an empty string matches every message that has the field.
                return new Content(c => c.Parsed is { } m && m.Headers.Where(h => h.Field.Equals(field, StringComparison.OrdinalIgnoreCase)).Any(h => Contains(h.Value, value)));
            }
            case "BODY":
            {
                args.Space();
                var value = args.AString();
                return new Content(c => Contains(c.Body, value), (SearchTextField.Body, value));
            }
            case "TEXT":
            {
                args.Space();
                var value = args.AString();
                // RFC 9051 §6.4.4: the header (with MIME header fields) or the body.
                return new Content(c => Contains(c.Body, value) || Contains(c.HeaderText, value), (SearchTextField.Text, value));
            }
            default:
                throw new ImapSyntaxException($"Unknown search key {word}");
        }
    }

    private static Test Flag(MessageFlags flag, bool set) => new(c => c.Message.Flags.HasFlag(flag) == set);

    private static Test DateTest(string relation, DateOnly date, Func<SearchCandidate, DateOnly?> of) => relation switch
    {
        "BEFORE" => new Test(c => of(c) is { } d && d < date, ImapMessageParts.Details),
        "ON" => new Test(c => of(c) is { } d && d == date, ImapMessageParts.Details),
        _ => new Test(c => of(c) is { } d && d >= date, ImapMessageParts.Details),
    };

    internal static bool Contains(string text, string value) =>
        value.Length == 0 || CultureInfo.InvariantCulture.CompareInfo.IndexOf(text, value, CompareOptions.IgnoreCase) >= 0;

    private sealed class Test(Func<SearchCandidate, bool> test, ImapMessageParts parts = ImapMessageParts.None) : SearchKey
    {
        public override ImapMessageParts Parts => parts;
        public override bool Matches(SearchCandidate candidate) => test(candidate);
    }

    private sealed class ModseqTest(long modseq) : SearchKey
    {
        public override bool UsesModseq => true;
        public override bool Matches(SearchCandidate candidate) => candidate.Message.Modseq >= modseq;
    }

    private sealed class Content(Func<SearchCandidate, bool> test, (SearchTextField, string)? narrowing = null) : SearchKey
    {
        public override int Cost => 1;
        public override bool Matches(SearchCandidate candidate) => narrowing is { } n && candidate.IsProven(n) || test(candidate);
        public override IEnumerable<(SearchTextField Field, string Value)> Narrowing => narrowing is { } n ? [n] : [];
        public override bool IsTextOnly => narrowing is not null;
    }

    private sealed class Not(SearchKey inner) : SearchKey
    {
        public override int Cost => inner.Cost;
        public override ImapMessageParts Parts => inner.Parts;
        public override bool UsesModseq => inner.UsesModseq;
        public override bool Matches(SearchCandidate candidate) => !inner.Matches(candidate);
    }

    private sealed class Or(SearchKey left, SearchKey right) : SearchKey
    {
        public override int Cost => left.Cost + right.Cost;
        public override ImapMessageParts Parts => left.Parts | right.Parts;
        public override bool UsesModseq => left.UsesModseq || right.UsesModseq;
        public override bool Matches(SearchCandidate candidate) => left.Matches(candidate) || right.Matches(candidate);
    }

    private sealed class And : SearchKey
    {
        private readonly List<SearchKey> _keys;

        public And(List<SearchKey> keys) => _keys = keys.OrderBy(k => k.Cost).ToList();

        public override int Cost => _keys.Sum(k => k.Cost);
        public override ImapMessageParts Parts => _keys.Aggregate(ImapMessageParts.None, (all, k) => all | k.Parts);
        public override bool Matches(SearchCandidate candidate) => _keys.All(k => k.Matches(candidate));
        public override IEnumerable<(SearchTextField Field, string Value)> Narrowing => _keys.SelectMany(k => k.Narrowing);
        public override bool IsTextOnly => _keys.All(k => k.IsTextOnly);
        public override bool UsesModseq => _keys.Any(k => k.UsesModseq);
    }
}
