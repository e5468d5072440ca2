using static Webmail.Sieve.SieveExtensions;

namespace Webmail.Sieve.Validation;

/// <summary>The commands and tests of RFC 5228 and the implemented extensions.</summary>
internal static class Signatures
{
    private static readonly ArgumentType S = ArgumentType.String;
    private static readonly ArgumentType L = ArgumentType.StringList;
    private static readonly ArgumentType N = ArgumentType.Number;

    private static readonly TagSignature[] Comparator = [new("comparator", S, "comparator")];

    private static readonly TagSignature[] MatchTypes =
    [
        new("is", Group: "match"),
        new("contains", Group: "match"),
        new("matches", Group: "match"),
        new("regex", Group: "match", Extension: Regex),
        new("count", S, "match", Relational),
        new("value", S, "match", Relational),
    ];

    private static readonly TagSignature[] AddressParts =
    [
        new("all", Group: "address-part"),
        new("localpart", Group: "address-part"),
        new("domain", Group: "address-part"),
        new("user", Group: "address-part", Extension: Subaddress),
        new("detail", Group: "address-part", Extension: Subaddress),
    ];

    private static readonly TagSignature[] IndexTags = [new("index", N, "index", SieveExtensions.Index), new("last", Extension: SieveExtensions.Index)];

    private static readonly TagSignature[] MatchTags = [.. Comparator, .. MatchTypes];

    private static readonly Dictionary<string, CommandSignature> All = new[]
    {
        // RFC 5228 §3: control
        new CommandSignature("require", false, null, [], [L]),
        new CommandSignature("if", false, null, [], [], Tests: TestArity.One, TakesBlock: true),
        new CommandSignature("elsif", false, null, [], [], Tests: TestArity.One, TakesBlock: true),
        new CommandSignature("else", false, null, [], [], TakesBlock: true),
        new CommandSignature("stop", false, null, [], []),

        // RFC 5228 §4: actions, with :copy (RFC 3894), :flags (RFC 5232) and :create (RFC 5490)
        new CommandSignature("keep", false, null, [new("flags", L, Extension: Imap4Flags)], []),
        new CommandSignature("discard", false, null, [], []),
        new CommandSignature("redirect", false, null, [new("copy", Extension: Copy)], [S]),
        new CommandSignature("fileinto", false, FileInto,
            [new("copy", Extension: Copy), new("flags", L, Extension: Imap4Flags), new("create", Extension: Mailbox)], [S]),
        new CommandSignature("reject", false, Reject, [], [S]),
        new CommandSignature("ereject", false, EReject, [], [S]),
        new CommandSignature("vacation", false, Vacation,
        [
            new("days", N, "period"), new("seconds", N, "period", VacationSeconds), new("subject", S),
            new("from", S), new("addresses", L), new("mime"), new("handle", S),
        ], [S]),

        // RFC 5232: imap4flags
        new CommandSignature("setflag", false, Imap4Flags, [], [S, L], OptionalLeading: 1),
        new CommandSignature("addflag", false, Imap4Flags, [], [S, L], OptionalLeading: 1),
        new CommandSignature("removeflag", false, Imap4Flags, [], [S, L], OptionalLeading: 1),

        // RFC 5229: variables
        new CommandSignature("set", false, Variables,
        [
            new("lower", Group: "case"), new("upper", Group: "case"),
            new("lowerfirst", Group: "first"), new("upperfirst", Group: "first"),
            new("quotewildcard", Group: "quote"), new("length", Group: "length"),
        ], [S, S]),

        // RFC 5228 §5: tests
        new CommandSignature("address", true, null, [.. MatchTags, .. AddressParts, .. IndexTags], [L, L]),
        new CommandSignature("header", true, null, [.. MatchTags, .. IndexTags], [L, L]),
        new CommandSignature("envelope", true, Envelope, [.. MatchTags, .. AddressParts], [L, L]),
        new CommandSignature("exists", true, null, [], [L]),
        new CommandSignature("size", true, null, [new("over", N, "size"), new("under", N, "size")], [],
            RequiredGroups: ["size"]),
        new CommandSignature("true", true, null, [], []),
        new CommandSignature("false", true, null, [], []),
        new CommandSignature("not", true, null, [], [], Tests: TestArity.One),
        new CommandSignature("allof", true, null, [], [], Tests: TestArity.List),
        new CommandSignature("anyof", true, null, [], [], Tests: TestArity.List),
        new CommandSignature("body", true, Body,
            [.. MatchTags, new("raw", Group: "transform"), new("content", L, "transform"), new("text", Group: "transform")], [L]),
        new CommandSignature("string", true, Variables, MatchTags, [L, L]),
        new CommandSignature("hasflag", true, Imap4Flags, MatchTags, [L, L], OptionalLeading: 1),
        new CommandSignature("date", true, Date,
            [.. MatchTags, .. IndexTags, new("zone", S, "zone"), new("originalzone", Group: "zone")], [S, S, L]),
        new CommandSignature("currentdate", true, Date, [.. MatchTags, new("zone", S, "zone")], [S, L]),
        new CommandSignature("mailboxexists", true, Mailbox, [], [L]),
    }.ToDictionary(s => s.Name, StringComparer.Ordinal);

    public static CommandSignature? Find(string name) => All.GetValueOrDefault(name);
}
