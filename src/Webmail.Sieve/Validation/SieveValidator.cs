using Webmail.Sieve.Matching;
using Webmail.Sieve.Syntax;

namespace Webmail.Sieve.Validation;

/// <summary>
/// Gives the parse tree meaning: checks require, command and test names, argument types, tags and
/// their extensions, and the constant values it can judge before running (comparators, address
/// parts, header names, addresses, date parts, regular expressions). Collects every error.
/// </summary>
internal sealed partial class SieveValidator
{
    private readonly SieveOptions _options;
    private readonly List<SieveError> _errors = [];
    private readonly HashSet<string> _required = new(StringComparer.Ordinal);
    private int _commands;

    public SieveValidator(SieveOptions options) => _options = options;

    public IReadOnlyList<SieveError> Errors => _errors;

    public IReadOnlySet<string> Required => _required;

    public List<BoundCommand> Validate(IReadOnlyList<CommandNode> script)
    {
        var index = 0;
        // RFC 5228 §3.2: require only at the start of the script.
        for (; index < script.Count && script[index].Name == "require"; index++)
            Require(script[index]);
        return Block(script.Skip(index).ToList());
    }

    private void Error(SourcePosition position, string message) => _errors.Add(new SieveError(position.Line, position.Column, message));

    private bool IsRequired(string extension) =>
        _required.Contains(extension) || (extension == SieveExtensions.Vacation && _required.Contains(SieveExtensions.VacationSeconds));

    private void Require(CommandNode node)
    {
        if (node.Arguments is not [StringListNode names] || node.Tests.Count > 0 || node.Block is not null)
        {
            Error(node.Position, "require takes one string list of extension names");
            return;
        }
        foreach (var name in names.Values)
        {
            if (!_options.Extensions.Contains(name))
                Error(node.Position, $"require: unknown extension \"{name}\"");
            else
                _required.Add(name);
        }
    }

    private List<BoundCommand> Block(IReadOnlyList<CommandNode> nodes)
    {
        var commands = new List<BoundCommand>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (++_commands == _options.Limits.MaxCommands + 1)
                Error(node.Position, $"the script has more than {_options.Limits.MaxCommands} commands");
            switch (node.Name)
            {
                case "require":
                    Error(node.Position, "require must come before any other command, at the top level");
                    continue;
                case "elsif" or "else":
                    Error(node.Position, $"'{node.Name}' without a preceding 'if'");
                    continue;
                case "if":
                    var branches = new List<IfBranch> { Branch(node) };
                    while (i + 1 < nodes.Count && nodes[i + 1].Name is "elsif" or "else")
                    {
                        i++;
                        branches.Add(Branch(nodes[i]));
                        if (nodes[i].Name == "else")
                            break;
                    }
                    commands.Add(new BoundCommand("if", node.Position, Empty, branches));
                    continue;
            }
            var command = Command(node);
            if (command is not null)
                commands.Add(command);
        }
        return commands;
    }

    private static BoundArguments Empty => new([], []);

    private IfBranch Branch(CommandNode node)
    {
        var signature = Signatures.Find(node.Name)!;
        CheckShape(node.Name, node.Arguments, node.Tests, node.HasTestList, signature, node.Position);
        if (node.Block is null)
            Error(node.Position, $"'{node.Name}' needs a block");
        var condition = node.Tests.Count == 1 && !node.HasTestList ? Test(node.Tests[0]) : null;
        return new IfBranch(condition, Block(node.Block ?? []));
    }

    private BoundCommand? Command(CommandNode node)
    {
        var signature = Signatures.Find(node.Name);
        if (signature is null)
        {
            Error(node.Position, $"unknown command '{node.Name}'");
            return null;
        }
        if (signature.IsTest)
        {
            Error(node.Position, $"'{node.Name}' is a test, not a command");
            return null;
        }
        if (!CheckExtension(signature, node.Position))
            return null;
        if (node.Block is not null && !signature.TakesBlock)
            Error(node.Position, $"command '{node.Name}' takes no block");
        var arguments = CheckShape(node.Name, node.Arguments, node.Tests, node.HasTestList, signature, node.Position);
        if (arguments is null)
            return null;
        CheckCommandValues(node.Name, arguments, node.Position);
        return new BoundCommand(node.Name, node.Position, arguments, []);
    }

    private BoundTest? Test(TestNode node)
    {
        var signature = Signatures.Find(node.Name);
        if (signature is null)
        {
            Error(node.Position, $"unknown test '{node.Name}'");
            return null;
        }
        if (!signature.IsTest)
        {
            Error(node.Position, $"'{node.Name}' is a command, not a test");
            return null;
        }
        if (!CheckExtension(signature, node.Position))
            return null;
        var arguments = CheckShape(node.Name, node.Arguments, node.Tests, node.HasTestList, signature, node.Position);
        var tests = node.Tests.Select(Test).OfType<BoundTest>().ToList();
        if (arguments is null)
            return null;
        var match = Match(node.Name, arguments, node.Position);
        CheckTestValues(node.Name, arguments, match, node.Position);
        return new BoundTest(node.Name, node.Position, arguments, match, tests);
    }

    private bool CheckExtension(CommandSignature signature, SourcePosition position)
    {
        if (signature.Extension is null || IsRequired(signature.Extension))
            return true;
        Error(position, $"{(signature.IsTest ? "test" : "command")} '{signature.Name}' needs require \"{signature.Extension}\"");
        return false;
    }

    /// <summary>Sorts arguments into tags and positional ones and checks them against the signature.</summary>
    private BoundArguments? CheckShape(string name, IReadOnlyList<ArgumentNode> nodes, IReadOnlyList<TestNode> tests,
        bool hasTestList, CommandSignature signature, SourcePosition position)
    {
        var ok = true;
        var tags = new Dictionary<string, ArgumentNode?>(StringComparer.Ordinal);
        var groups = new Dictionary<string, string>(StringComparer.Ordinal);
        var positionals = new List<ArgumentNode>();
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i] is not TagNode tag)
            {
                positionals.Add(Decode(nodes[i]));
                continue;
            }
            var tagSignature = signature.Tags.FirstOrDefault(t => t.Name == tag.Name);
            if (tagSignature is null)
            {
                Error(tag.Position, $"unknown tag ':{tag.Name}' for '{name}'");
                ok = false;
                continue;
            }
            if (tagSignature.Extension is not null && !IsRequired(tagSignature.Extension))
            {
                Error(tag.Position, $"tag ':{tag.Name}' needs require \"{tagSignature.Extension}\"");
                ok = false;
            }
            if (tags.ContainsKey(tag.Name))
            {
                Error(tag.Position, $"tag ':{tag.Name}' is given twice");
                ok = false;
            }
            else if (tagSignature.Group is not null && groups.TryGetValue(tagSignature.Group, out var other))
            {
                Error(tag.Position, $"tags ':{other}' and ':{tag.Name}' cannot be used together");
                ok = false;
            }
            if (tagSignature.Group is not null)
                groups.TryAdd(tagSignature.Group, tag.Name);
            ArgumentNode? value = null;
            if (tagSignature.Value is { } type)
            {
                if (i + 1 >= nodes.Count || !Fits(nodes[i + 1], type))
                {
                    Error(tag.Position, $"tag ':{tag.Name}' needs {Describe(type)} after it");
                    ok = false;
                }
                else
                {
                    value = Decode(nodes[++i]);
                }
            }
            tags.TryAdd(tag.Name, value);
        }
        foreach (var group in signature.RequiredGroups ?? [])
        {
            if (!groups.ContainsKey(group))
            {
                var choices = string.Join(" or ", signature.Tags.Where(t => t.Group == group).Select(t => ":" + t.Name));
                Error(position, $"'{name}' needs {choices}");
                ok = false;
            }
        }

        var most = signature.Positionals.Count;
        var least = most - signature.OptionalLeading;
        if (positionals.Count < least || positionals.Count > most)
        {
            var expected = least == most ? $"{most}" : $"{least} or {most}";
            Error(position, $"'{name}' takes {expected} positional argument{(most == 1 ? "" : "s")}, not {positionals.Count}");
            ok = false;
        }
        else
        {
            var skip = most - positionals.Count;
            for (var i = 0; i < positionals.Count; i++)
            {
                var type = signature.Positionals[skip + i];
                if (!Fits(positionals[i], type))
                {
                    Error(positionals[i].Position, $"'{name}' expects {Describe(type)} as argument {i + 1}");
                    ok = false;
                }
            }
        }

        switch (signature.Tests)
        {
            case TestArity.None when tests.Count > 0 || hasTestList:
                Error(position, $"'{name}' takes no test");
                ok = false;
                break;
            case TestArity.One when tests.Count != 1 || hasTestList:
                Error(position, $"'{name}' takes exactly one test");
                ok = false;
                break;
            case TestArity.List when !hasTestList:
                Error(position, $"'{name}' takes a test list in parentheses");
                ok = false;
                break;
        }
        return ok ? new BoundArguments(tags, positionals) : null;
    }

    private static bool Fits(ArgumentNode node, ArgumentType type) => type switch
    {
        ArgumentType.Number => node is NumberNode,
        ArgumentType.String => node is StringListNode { IsSingleString: true },
        _ => node is StringListNode,
    };

    private static string Describe(ArgumentType type) => type switch
    {
        ArgumentType.Number => "a number",
        ArgumentType.String => "a string",
        _ => "a string list",
    };

    private ArgumentNode Decode(ArgumentNode node) =>
        node is StringListNode list && _required.Contains(SieveExtensions.EncodedCharacter)
            ? list with { Values = list.Values.Select(EncodedCharacters.Decode).ToList() }
            : node;

    /// <summary>True when a string cannot change at run time (no variable reference in it).</summary>
    private bool IsConstant(string value) => !_required.Contains(SieveExtensions.Variables) || !value.Contains("${", StringComparison.Ordinal);

    private MatchSpec Match(string name, BoundArguments arguments, SourcePosition position)
    {
        var comparator = Comparator.AsciiCasemap;
        if (arguments.String("comparator") is { } comparatorName)
        {
            switch (comparatorName.ToLowerInvariant())
            {
                case "i;octet": comparator = Comparator.Octet; break;
                case "i;ascii-casemap": comparator = Comparator.AsciiCasemap; break;
                case "i;ascii-numeric" when IsRequired(SieveExtensions.ComparatorAsciiNumeric): comparator = Comparator.AsciiNumeric; break;
                case "i;ascii-numeric":
                    Error(position, $"comparator \"i;ascii-numeric\" needs require \"{SieveExtensions.ComparatorAsciiNumeric}\"");
                    break;
                default:
                    Error(position, $"unknown comparator \"{comparatorName}\"");
                    break;
            }
        }
        var type = MatchType.Is;
        var op = RelationalOperator.Equal;
        foreach (var (tag, matchType) in new[] { ("contains", MatchType.Contains), ("matches", MatchType.Matches), ("regex", MatchType.Regex), ("count", MatchType.Count), ("value", MatchType.Value) })
        {
            if (arguments.Has(tag))
                type = matchType;
        }
        if (type is MatchType.Count or MatchType.Value)
        {
            var text = arguments.String(type == MatchType.Count ? "count" : "value")!;
            RelationalOperator? parsed = text.ToLowerInvariant() switch
            {
                "gt" => RelationalOperator.GreaterThan,
                "ge" => RelationalOperator.GreaterOrEqual,
                "lt" => RelationalOperator.LessThan,
                "le" => RelationalOperator.LessOrEqual,
                "eq" => RelationalOperator.Equal,
                "ne" => RelationalOperator.NotEqual,
                _ => null,
            };
            if (parsed is null)
                Error(position, $"unknown relational operator \"{text}\" (gt, ge, lt, le, eq or ne)");
            op = parsed ?? op;
        }
        if (comparator == Comparator.AsciiNumeric && type is MatchType.Contains or MatchType.Matches or MatchType.Regex)
            Error(position, $"comparator \"i;ascii-numeric\" cannot be used with :{type.ToString().ToLowerInvariant()}");

        var part = AddressPart.All;
        foreach (var (tag, addressPart) in new[] { ("localpart", AddressPart.LocalPart), ("domain", AddressPart.Domain), ("user", AddressPart.User), ("detail", AddressPart.Detail) })
        {
            if (arguments.Has(tag))
                part = addressPart;
        }
        int? index = null;
        if (arguments.Number("index") is { } number)
        {
            if (number < 1)
                Error(position, ":index counts from 1");
            index = (int)Math.Min(number, int.MaxValue);
        }
        if (arguments.Has("last") && index is null)
            Error(position, ":last needs :index");
        return new MatchSpec(comparator, type, op, part, index, arguments.Has("last"));
    }
}
