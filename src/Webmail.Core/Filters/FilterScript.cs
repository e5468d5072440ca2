using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Webmail.Core.Filters;

/// <summary>How the active script relates to the rules editor.</summary>
public enum FilterScriptKind
{
    /// <summary>No script is active: no rules, no vacation reply.</summary>
    None,
    /// <summary>Written by the rules editor and unchanged since.</summary>
    Ours,
    /// <summary>Written by the rules editor, then changed by hand or by another program.</summary>
    EditedElsewhere,
    /// <summary>Written by hand or by another program (ManageSieve, the CLI).</summary>
    Foreign,
}

/// <summary>What reading a script found: its kind, and the rules it holds (for <see cref="FilterScriptKind.EditedElsewhere"/>, as the editor last wrote them).</summary>
public sealed record FilterScriptReading(FilterScriptKind Kind, FilterSet? Set);

/// <summary>
/// The rules editor's Sieve: writes a <see cref="FilterSet"/> as one script and reads it back. The
/// rule model travels in the script as one JSON comment line (as Roundcube's managesieve keeps its
/// rules in comments); reading parses that line, writes the script again from it and compares, so a
/// script changed by any other hand is recognised as such rather than silently overwritten.
/// </summary>
public static partial class FilterScript
{
    /// <summary>The name the rules editor saves its script under.</summary>
    public const string ScriptName = "webmail";

    private const string Marker = "# webmail-filters: ";

    public const int MaxRules = 200;
    public const int MaxNameLength = 100;
    public const int MaxVacationDays = 365;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The whole script: vacation first (so a rule's stop cannot silence it), then the rules in order.</summary>
    public static string Write(FilterSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var model = Normalized(set);
        var body = new StringBuilder();
        var required = new SortedSet<string>(StringComparer.Ordinal);
        if (model.Vacation.Enabled)
            WriteVacation(body, model.Vacation, required);
        foreach (var rule in model.Rules)
            WriteRule(body, rule, required);

        var script = new StringBuilder();
        script.Append("# Written by the Webmail rules editor (Settings > Filters). Changes made here by hand\n");
        script.Append("# are not read back by the editor: it will offer this script in its raw editor instead.\n");
        script.Append(Marker).Append(JsonSerializer.Serialize(model, Json)).Append('\n');
        if (required.Count > 0)
            script.Append("require [").Append(string.Join(", ", required.Select(Quote))).Append("];\n");
        script.Append(body);
        return script.ToString();
    }

    /// <summary>A script of one rule alone (turned on, no vacation): what "run on existing mail" runs.</summary>
    public static string WriteSingle(FilterRule rule)
    {
        var only = rule.Clone();
        only.Enabled = true;
        return Write(new FilterSet { Rules = [only] });
    }

    /// <summary>Reads a script: the editor's own, one it wrote that was changed since, or another's.</summary>
    public static FilterScriptReading Read(string? text)
    {
        if (text is null)
            return new(FilterScriptKind.None, null);
        var normalized = text.ReplaceLineEndings("\n");
        var line = normalized.Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (line is null)
            return new(FilterScriptKind.Foreign, null);
        FilterSet? set;
        try
        {
            set = JsonSerializer.Deserialize<FilterSet>(line[Marker.Length..], Json);
        }
        catch (JsonException)
        {
            return new(FilterScriptKind.EditedElsewhere, null);
        }
        if (set is null || Validate(set).Count > 0)
            return new(FilterScriptKind.EditedElsewhere, null);
        var above = normalized.Split('\n').TakeWhile(l => !l.StartsWith(Marker, StringComparison.Ordinal));
        if (!above.All(l => l.Length == 0 || l.StartsWith('#')))
            return new(FilterScriptKind.EditedElsewhere, Normalized(set));
        return AfterMarker(Write(set)) == AfterMarker(normalized)
            ? new(FilterScriptKind.Ours, Normalized(set))
            : new(FilterScriptKind.EditedElsewhere, Normalized(set));
    }

    // The Sieve below the model line is what runs; the comments above it and the model's JSON spelling
    // (which a newer serializer may escape differently) must not make the editor disown its own script.
    private static string AfterMarker(string text)
    {
        var at = text.IndexOf("\n" + Marker, StringComparison.Ordinal);
        var end = at < 0 ? -1 : text.IndexOf('\n', at + 1);
        return end < 0 ? text : text[(end + 1)..];
    }

    /// <summary>What is wrong with the rules, one sentence each naming the rule; empty when they can be written.</summary>
    public static IReadOnlyList<string> Validate(FilterSet set)
    {
        var problems = new List<string>();
        if (set.Rules.Count > MaxRules)
            problems.Add($"At most {MaxRules} rules.");
        for (var i = 0; i < set.Rules.Count; i++)
        {
            var rule = set.Rules[i];
            var label = string.IsNullOrWhiteSpace(rule.Name) ? $"Rule {i + 1}" : $"\"{rule.Name.Trim()}\"";
            if (string.IsNullOrWhiteSpace(rule.Name))
                problems.Add($"{label}: give the rule a name.");
            else if (rule.Name.Trim().Length > MaxNameLength || rule.Name.Any(char.IsControl))
                problems.Add($"{label}: a name has at most {MaxNameLength} characters and no line breaks.");
            foreach (var condition in rule.Conditions)
            {
                if (ConditionProblem(condition) is { } problem)
                    problems.Add($"{label}: {problem}");
            }
            if (rule.Actions.Count == 0 || rule.Actions.All(a => a.Kind == RuleActionKind.Stop))
                problems.Add($"{label}: add an action.");
            foreach (var action in rule.Actions)
            {
                if (action.Kind == RuleActionKind.MoveTo && string.IsNullOrWhiteSpace(action.Argument))
                    problems.Add($"{label}: choose the folder to move to.");
                if (action.Kind == RuleActionKind.ForwardTo && !IsAddress(action.Argument))
                    problems.Add($"{label}: \"{action.Argument}\" is not an email address to forward to.");
            }
            if (rule.Actions.Any(a => a.Kind == RuleActionKind.Delete) && rule.Actions.Any(a => a.Kind == RuleActionKind.MoveTo))
                problems.Add($"{label}: a rule cannot both delete and move a message.");
        }
        // More distinct redirects than the interpreter allows per message fail the whole run (RFC 5228 §2.10.6: implicit keep).
        var maxRedirects = Sieve.SieveOptions.Default.Limits.MaxRedirects;
        var forwards = set.Rules.Where(r => r.Enabled).SelectMany(r => r.Actions).Where(a => a.Kind == RuleActionKind.ForwardTo)
            .Select(a => a.Argument.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count();
        if (forwards > maxRedirects)
            problems.Add($"At most {maxRedirects} different addresses to forward to across the rules that are on.");
        var vacation = set.Vacation;
        if (vacation.Enabled)
        {
            if (string.IsNullOrWhiteSpace(vacation.Message))
                problems.Add("Vacation reply: write the message.");
            if (vacation.Days is < 1 or > MaxVacationDays)
                problems.Add($"Vacation reply: days between replies must be 1 to {MaxVacationDays}.");
            if (vacation.Start is { } start && vacation.End is { } end && end < start)
                problems.Add("Vacation reply: the last day is before the first.");
            if (vacation.Subject.Any(char.IsControl))
                problems.Add("Vacation reply: the subject must be one line.");
        }
        return problems;
    }

    private static string? ConditionProblem(RuleCondition condition) => condition.Field switch
    {
        RuleField.SizeOver or RuleField.SizeUnder => SizeQuantity(condition.Value) is null ? $"\"{condition.Value}\" is not a size (such as 500 KB or 2 MB)." : null,
        RuleField.HasAttachment => null,
        RuleField.Header when !HeaderName().IsMatch(condition.Header) => $"\"{condition.Header}\" is not a header name.",
        _ when condition.Value.Length == 0 => "a condition has no text to look for.",
        _ when condition.Value.Contains('\n') || condition.Value.Contains('\r') => "a condition's text must be one line.",
        _ => null,
    };

    private static bool IsAddress(string value)
    {
        value = value.Trim();
        return value.Length is > 2 and <= 254 && MimeKit.MailboxAddress.TryParse(value, out var parsed) && parsed.Address == value && value.IndexOf('@') is > 0 and var at && at < value.Length - 1;
    }

    // RFC 5322 §3.6.8: printable ASCII but the colon.
    [GeneratedRegex(@"^[!-9;-~]{1,100}$")]
    private static partial Regex HeaderName();

    [GeneratedRegex(@"^\s*(\d{1,9})\s*([KMG]?)B?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Size();

    /// <summary>"500", "500 KB", "2M" → a Sieve quantity (RFC 5228 §2.4.1); a bare number is kilobytes.</summary>
    public static string? SizeQuantity(string value)
    {
        var match = Size().Match(value);
        if (!match.Success)
            return null;
        var unit = match.Groups[2].Value.ToUpperInvariant();
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) + (unit.Length == 0 ? "K" : unit);
    }

    // Trimmed names, one kind of line break, actions in the order they run: what is written is what is read.
    private static FilterSet Normalized(FilterSet set)
    {
        var copy = set.Clone();
        foreach (var rule in copy.Rules)
        {
            rule.Name = rule.Name.Trim();
            foreach (var condition in rule.Conditions)
            {
                condition.Header = condition.Field == RuleField.Header ? condition.Header.Trim() : "";
                if (condition.Field == RuleField.HasAttachment)
                    condition.Value = "";
            }
            rule.Actions = rule.Actions.OrderBy(a => a.Kind).ToList();
            foreach (var action in rule.Actions)
            {
                action.Argument = action.Kind is RuleActionKind.MoveTo or RuleActionKind.ForwardTo ? action.Argument.Trim() : "";
                action.KeepCopy = action.Kind == RuleActionKind.ForwardTo && action.KeepCopy;
            }
        }
        copy.Vacation.Message = copy.Vacation.Message.ReplaceLineEndings("\n");
        copy.Vacation.Subject = copy.Vacation.Subject.Trim();
        return copy;
    }

    private static void WriteVacation(StringBuilder script, VacationSettings vacation, ISet<string> required)
    {
        required.Add("vacation");
        var dates = new List<string>();
        if (vacation.Start is { } start)
            dates.Add($"currentdate :value \"ge\" \"date\" {Quote(start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}");
        if (vacation.End is { } end)
            dates.Add($"currentdate :value \"le\" \"date\" {Quote(end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}");
        var reply = new StringBuilder("vacation :days ").Append(vacation.Days.ToString(CultureInfo.InvariantCulture));
        if (vacation.Subject.Length > 0)
            reply.Append(" :subject ").Append(Quote(vacation.Subject));
        reply.Append(' ').Append(Quote(vacation.Message)).Append(';');

        script.Append("\n# Vacation reply\n");
        if (dates.Count == 0)
        {
            script.Append(reply).Append('\n');
            return;
        }
        required.Add("date");
        required.Add("relational");
        script.Append("if ").Append(dates.Count == 1 ? dates[0] : $"allof ({string.Join(", ", dates)})").Append(" {\n    ").Append(reply).Append("\n}\n");
    }

    private static void WriteRule(StringBuilder script, FilterRule rule, ISet<string> required)
    {
        var tests = rule.Conditions.Select(c => Test(c, required)).ToList();
        var test = tests.Count switch
        {
            0 => "true",
            1 => tests[0],
            _ => $"{(rule.MatchAll ? "allof" : "anyof")} ({string.Join(", ", tests)})",
        };
        // A turned-off rule stays in the script, visible to other Sieve editors, but never matches.
        if (!rule.Enabled)
            test = $"allof (false, {test})";
        script.Append("\n# rule: ").Append(rule.Name).Append(rule.Enabled ? "" : " (turned off)").Append('\n');
        script.Append("if ").Append(test).Append(" {\n");
        foreach (var action in rule.Actions)
            script.Append("    ").Append(Action(action, required)).Append('\n');
        script.Append("}\n");
    }

    private static string Test(RuleCondition condition, ISet<string> required)
    {
        var value = Quote(condition.Value);
        string Text(string header, string addressTest) => condition.Operator switch
        {
            RuleOperator.Is => addressTest,
            RuleOperator.DoesNotContain => $"not header :contains {header} {value}",
            _ => $"header :contains {header} {value}",
        };
        switch (condition.Field)
        {
            case RuleField.From:
                return Text("\"from\"", $"address :is \"from\" {value}");
            case RuleField.ToOrCc:
                return Text("[\"to\", \"cc\"]", $"address :is [\"to\", \"cc\"] {value}");
            case RuleField.Subject:
                return Text("\"subject\"", $"header :is \"subject\" {value}");
            case RuleField.Header:
                var name = Quote(condition.Header);
                return Text(name, $"header :is {name} {value}");
            case RuleField.Body:
                required.Add("body");
                return condition.Operator switch
                {
                    RuleOperator.DoesNotContain => $"not body :text :contains {value}",
                    RuleOperator.Is => $"body :text :is {value}",
                    _ => $"body :text :contains {value}",
                };
            case RuleField.SizeOver:
                return $"size :over {SizeQuantity(condition.Value)}";
            case RuleField.SizeUnder:
                return $"size :under {SizeQuantity(condition.Value)}";
            case RuleField.HasAttachment:
                // Sieve has no attachment test (RFC 5173 body tests see content, not part headers):
                // an attachment shows as a part header in the raw body. DoesNotContain means "has none".
                required.Add("body");
                var attachment = "body :raw :contains [\"Content-Disposition: attachment\", \"Content-Disposition:attachment\"]";
                return condition.Operator == RuleOperator.DoesNotContain ? "not " + attachment : attachment;
            default:
                throw new ArgumentOutOfRangeException(nameof(condition), condition.Field, "Unknown condition.");
        }
    }

    private static string Action(RuleAction action, ISet<string> required)
    {
        switch (action.Kind)
        {
            case RuleActionKind.MarkRead:
                required.Add("imap4flags");
                return "addflag \"\\\\Seen\";";
            case RuleActionKind.Flag:
                required.Add("imap4flags");
                return "addflag \"\\\\Flagged\";";
            case RuleActionKind.MoveTo:
                required.Add("fileinto");
                return $"fileinto {Quote(action.Argument)};";
            case RuleActionKind.ForwardTo:
                if (!action.KeepCopy)
                    return $"redirect {Quote(action.Argument)};";
                required.Add("copy");
                return $"redirect :copy {Quote(action.Argument)};";
            case RuleActionKind.Delete:
                return "discard;";
            case RuleActionKind.Stop:
                return "stop;";
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action.Kind, "Unknown action.");
        }
    }

    /// <summary>A Sieve quoted string (RFC 5228 §2.4.2): only the backslash and the quote are escaped.</summary>
    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
