using Webmail.Sieve.Matching;
using Webmail.Sieve.Syntax;

namespace Webmail.Sieve.Validation;

// The checks on constant argument values, per command and test.
internal sealed partial class SieveValidator
{
    private void CheckCommandValues(string name, BoundArguments arguments, SourcePosition position)
    {
        switch (name)
        {
            case "redirect":
                var address = arguments.StringAt(0);
                if (IsConstant(address) && !Names.IsMailAddress(address))
                    Error(position, $"redirect: \"{address}\" is not a valid address");
                break;
            case "fileinto":
                var mailbox = arguments.StringAt(0);
                if (IsConstant(mailbox) && mailbox.Length == 0)
                    Error(position, "fileinto: the mailbox name is empty");
                break;
            case "vacation":
                if (arguments.String("from") is { } from && IsConstant(from) && !Names.IsMailAddress(StripAngles(from)))
                    Error(position, $"vacation: :from \"{from}\" is not a valid address");
                foreach (var other in arguments.Strings("addresses") ?? [])
                {
                    if (IsConstant(other) && !Names.IsMailAddress(other))
                        Error(position, $"vacation: :addresses \"{other}\" is not a valid address");
                }
                break;
            case "set":
                var variable = arguments.StringAt(0);
                if (!Names.IsVariableName(variable))
                    Error(position, $"set: \"{variable}\" is not a valid variable name");
                break;
            case "setflag" or "addflag" or "removeflag" when arguments.Positionals.Count == 2:
                CheckVariableNames(name, arguments.StringsAt(0), position);
                break;
        }
    }

    private void CheckTestValues(string name, BoundArguments arguments, MatchSpec match, SourcePosition position)
    {
        switch (name)
        {
            case "address":
                foreach (var header in arguments.StringsAt(0).Where(IsConstant))
                {
                    if (!Names.AddressHeaders.Contains(header))
                        Error(position, $"address: \"{header}\" is not a header that holds addresses");
                }
                break;
            case "header" or "exists":
                CheckHeaderNames(name, arguments.StringsAt(0), position);
                break;
            case "envelope":
                foreach (var part in arguments.StringsAt(0).Where(IsConstant))
                {
                    if (!Names.EnvelopeParts.Contains(part))
                        Error(position, $"envelope: unknown envelope part \"{part}\" (from, to or auth)");
                }
                break;
            case "date":
                CheckHeaderNames(name, [arguments.StringAt(0)], position);
                CheckDatePart(name, arguments.StringAt(1), position);
                break;
            case "currentdate":
                CheckDatePart(name, arguments.StringAt(0), position);
                break;
            case "hasflag" when arguments.Positionals.Count == 2:
                CheckVariableNames(name, arguments.StringsAt(0), position);
                break;
        }
        if (arguments.String("zone") is { } zone && IsConstant(zone) && !Names.TryParseZone(zone, out _))
            Error(position, $"{name}: \"{zone}\" is not a time zone (+hhmm or -hhmm)");
        if (match.Type == MatchType.Regex)
        {
            var keys = arguments.StringsAt(arguments.Positionals.Count - 1);
            foreach (var key in keys.Where(IsConstant))
            {
                if (!RegexMatcher.IsValid(key, match.Comparator, out var problem))
                    Error(position, $"{name}: invalid regular expression \"{key}\": {problem}");
            }
        }
    }

    private void CheckHeaderNames(string name, IEnumerable<string> headers, SourcePosition position)
    {
        foreach (var header in headers.Where(IsConstant))
        {
            if (!Names.IsHeaderName(header))
                Error(position, $"{name}: \"{header}\" is not a valid header name");
        }
    }

    private void CheckDatePart(string name, string part, SourcePosition position)
    {
        if (IsConstant(part) && !Names.DateParts.Contains(part))
            Error(position, $"{name}: unknown date part \"{part}\"");
    }

    private void CheckVariableNames(string name, IEnumerable<string> variables, SourcePosition position)
    {
        if (!IsRequired(SieveExtensions.Variables))
        {
            Error(position, $"{name}: a variable name argument needs require \"variables\"");
            return;
        }
        foreach (var variable in variables)
        {
            if (!Names.IsVariableName(variable))
                Error(position, $"{name}: \"{variable}\" is not a valid variable name");
        }
    }

    private static string StripAngles(string address)
    {
        var open = address.LastIndexOf('<');
        return open >= 0 && address.EndsWith('>') ? address[(open + 1)..^1] : address;
    }
}
