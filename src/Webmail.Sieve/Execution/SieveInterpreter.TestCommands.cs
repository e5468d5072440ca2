using Webmail.Sieve.Matching;
using Webmail.Sieve.Validation;

namespace Webmail.Sieve.Execution;

// The tests of RFC 5228 §5 and the extensions.
internal sealed partial class SieveInterpreter
{
    private bool Evaluate(BoundTest test)
    {
        var arguments = test.Arguments;
        switch (test.Name)
        {
            case "true":
                return true;
            case "false":
                return false;
            case "not":
                return !Evaluate(test.Tests[0]);
            case "allof":
                return test.Tests.All(Evaluate);
            case "anyof":
                return test.Tests.Any(Evaluate);
            case "exists":
                return ExpandAll(arguments.StringsAt(0)).All(_message.Exists);
            case "size":
                return arguments.Number("over") is { } over ? _message.Size > over : _message.Size < arguments.Number("under")!.Value;
            case "header":
                return Match(test, Select(ExpandAll(arguments.StringsAt(0)).Select(_message.HeaderValues), test.Match), 1);
            case "address":
                return Match(test, AddressValues(ExpandAll(arguments.StringsAt(0)), test.Match), 1);
            case "envelope":
                return Match(test, EnvelopeValues(ExpandAll(arguments.StringsAt(0)), test.Match), 1);
            case "string":
                var sources = ExpandAll(arguments.StringsAt(0));
                // RFC 5229 §5: for :count, empty strings are not counted.
                return Match(test, test.Match.Type == MatchType.Count ? sources.Where(s => s.Length > 0).ToList() : sources, 1);
            case "hasflag":
                var flags = arguments.Positionals.Count == 2
                    ? ParseFlags(arguments.StringsAt(0).Select(_variables.Get))
                    : _flags;
                return Match(test, flags, arguments.Positionals.Count - 1);
            case "body":
                var texts = _message.BodyTexts(arguments.Has("raw"), arguments.Strings("content") is { } types ? ExpandAll(types) : null);
                return Match(test, texts, 0);
            case "date":
                return Match(test, DateValues(test), 2);
            case "currentdate":
                var part = Expand(arguments.StringAt(0));
                var zone = Zone(_context.Now, arguments.String("zone"), original: false);
                return Match(test, DateParts.Format(_context.Now, zone, part) is { } value ? [value] : [], 1);
            case "mailboxexists":
                return ExpandAll(arguments.StringsAt(0)).All(_context.MailboxExists);
            default:
                throw new InvalidOperationException($"No evaluation for validated test '{test.Name}'.");
        }
    }

    private static List<string> ParseFlags(IEnumerable<string> values) => Actions.SieveFlags.Parse(values);

    /// <summary>Matches the values against the keys at the given positional argument, setting match variables on success.</summary>
    private bool Match(BoundTest test, List<string> values, int keysAt)
    {
        var keys = ExpandAll(test.Arguments.StringsAt(keysAt));
        var captures = UsesVariables && test.Match.Type is MatchType.Matches or MatchType.Regex ? new List<string>() : null;
        if (!_matcher.Match(test.Match, values, keys, captures))
            return false;
        if (captures is not null)
            _variables.SetMatches(captures);
        return true;
    }

    /// <summary>RFC 5260 §6: :index picks the nth field (from the end with :last) of the fields read.</summary>
    private static List<T> Select<T>(IEnumerable<List<T>> perName, MatchSpec match)
    {
        var fields = perName.SelectMany(f => f).ToList();
        if (match.Index is not { } index)
            return fields;
        if (index > fields.Count)
            return [];
        return [fields[match.Last ? fields.Count - index : index - 1]];
    }

    private List<string> AddressValues(List<string> headers, MatchSpec match)
    {
        var fields = Select(headers.Select(_message.Addresses), match);
        return fields.SelectMany(f => f).Select(a => Part(a, match.AddressPart)).OfType<string>().ToList();
    }

    private List<string> EnvelopeValues(List<string> parts, MatchSpec match)
    {
        var values = new List<string>();
        foreach (var part in parts)
        {
            var address = part.ToLowerInvariant() switch
            {
                "from" => _envelope.From,
                "to" => _envelope.To,
                "auth" => _envelope.Auth,
                _ => null,
            };
            if (address is null)
                continue;
            // RFC 5228 §5.4: the null reverse path compares as the empty string.
            if (address.Length == 0)
            {
                if (match.AddressPart == AddressPart.All)
                    values.Add("");
                continue;
            }
            if (Part(ParsedAddress.FromAddress(address.Trim('<', '>')), match.AddressPart) is { } value)
                values.Add(value);
        }
        return values;
    }

    /// <summary>RFC 5228 §2.7.4 and RFC 5233 §4: the address part; null when it has none (no detail).</summary>
    private string? Part(ParsedAddress address, AddressPart part)
    {
        if (address.Domain is null || part == AddressPart.All)
            return part == AddressPart.All ? address.All : null;
        var local = address.LocalPart;
        var separator = local.IndexOf(_options.SubaddressSeparator);
        return part switch
        {
            AddressPart.LocalPart => local,
            AddressPart.Domain => address.Domain,
            AddressPart.User => separator < 0 ? local : local[..separator],
            _ => separator < 0 ? null : local[(separator + 1)..],
        };
    }

    private List<string> DateValues(BoundTest test)
    {
        var arguments = test.Arguments;
        var header = Expand(arguments.StringAt(0));
        var part = Expand(arguments.StringAt(1));
        var dates = Select([_message.Dates(header)], test.Match);
        var values = new List<string>();
        foreach (var date in dates)
        {
            // RFC 5260 §4: a field that is not a date makes the test false for that field.
            if (date is null)
                continue;
            var zone = Zone(date.Value, arguments.String("zone"), arguments.Has("originalzone"));
            if (DateParts.Format(date.Value, zone, part) is { } value)
                values.Add(value);
        }
        return values;
    }

    /// <summary>RFC 5260 §4.1: the zone a date is seen in — :originalzone, :zone, or the local zone.</summary>
    private TimeSpan Zone(DateTimeOffset date, string? zone, bool original)
    {
        if (original)
            return date.Offset;
        if (zone is null)
            return _context.LocalTimeZone.GetUtcOffset(date);
        var expanded = Expand(zone);
        if (!Names.TryParseZone(expanded, out var offset))
            throw new SieveRuntimeException($"\"{expanded}\" is not a time zone");
        return offset;
    }

}
