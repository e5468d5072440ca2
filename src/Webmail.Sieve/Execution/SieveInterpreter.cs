using System.Globalization;
using System.Text;
using Webmail.Sieve.Actions;
using Webmail.Sieve.Matching;
using Webmail.Sieve.Validation;

namespace Webmail.Sieve.Execution;

/// <summary>
/// Runs a validated script against one message: executes commands in order, evaluates tests,
/// and hands actions to a <see cref="ResultBuilder"/>. One instance per run.
/// </summary>
internal sealed partial class SieveInterpreter
{
    private readonly SieveOptions _options;
    private readonly IReadOnlySet<string> _required;
    private readonly MessageView _message;
    private readonly SieveEnvelope _envelope;
    private readonly SieveRunContext _context;
    private readonly VariableStore _variables;
    private readonly Matcher _matcher;
    private readonly ResultBuilder _result;
    private List<string> _flags = [];

    public SieveInterpreter(SieveOptions options, IReadOnlySet<string> required, SieveMessage message,
        SieveEnvelope envelope, SieveRunContext context)
    {
        _options = options;
        _required = required;
        _message = new MessageView(message);
        _envelope = envelope;
        _context = context;
        _variables = new VariableStore(options.Limits);
        _matcher = new Matcher(new MatchBudget(options.Limits.MatchWorkBudget));
        _result = new ResultBuilder(options.Limits, "INBOX");
    }

    private bool UsesVariables => _required.Contains(SieveExtensions.Variables);

    public SieveResult Run(IReadOnlyList<BoundCommand> script)
    {
        try
        {
            Execute(script);
        }
        catch (SieveRuntimeException e)
        {
            var error = new SieveError(e.Position?.Line ?? 0, e.Position?.Column ?? 0, e.Message);
            return new SieveResult([new KeepAction([], Implicit: true)], error);
        }
        var actions = _result.Actions.ToList();
        if (_result.ImplicitKeep)
            actions.Add(new KeepAction(_flags.Where(SieveFlags.IsValid).ToList(), Implicit: true));
        return new SieveResult(actions, null);
    }

    /// <summary>Runs a block; false once stop has run.</summary>
    private bool Execute(IReadOnlyList<BoundCommand> commands)
    {
        foreach (var command in commands)
        {
            try
            {
                if (!Execute(command))
                    return false;
            }
            catch (SieveRuntimeException e) when (e.Position is null)
            {
                throw new SieveRuntimeException($"{command.Name}: {e.Message}", command.Position);
            }
        }
        return true;
    }

    private bool Execute(BoundCommand command)
    {
        var arguments = command.Arguments;
        switch (command.Name)
        {
            case "if":
                foreach (var branch in command.Branches)
                {
                    if (branch.Condition is null || Evaluate(branch.Condition))
                        return Execute(branch.Body);
                }
                return true;
            case "stop":
                return false;
            case "keep":
                _result.Keep(FlagsFor(arguments));
                return true;
            case "discard":
                _result.Discard();
                return true;
            case "fileinto":
                var mailbox = Expand(arguments.StringAt(0));
                if (mailbox.Length == 0)
                    throw new SieveRuntimeException("the mailbox name is empty");
                _result.FileInto(mailbox, FlagsFor(arguments), arguments.Has("copy"), arguments.Has("create"));
                return true;
            case "redirect":
                var address = Expand(arguments.StringAt(0)).Trim();
                if (!Names.IsMailAddress(address))
                    throw new SieveRuntimeException($"\"{address}\" is not a valid address");
                _result.Redirect(address, arguments.Has("copy"));
                return true;
            case "reject" or "ereject":
                _result.Reject(Expand(arguments.StringAt(0)), command.Name == "ereject");
                return true;
            case "vacation":
                _result.Vacation(Vacation(arguments));
                return true;
            case "setflag" or "addflag" or "removeflag":
                ChangeFlags(command.Name, arguments);
                return true;
            case "set":
                _variables.Set(arguments.StringAt(0), Modify(Expand(arguments.StringAt(1)), arguments));
                return true;
            default:
                throw new InvalidOperationException($"No execution for validated command '{command.Name}'.");
        }
    }

    private string Expand(string value) => UsesVariables ? _variables.Expand(value) : value;

    private List<string> ExpandAll(IEnumerable<string> values) => values.Select(Expand).ToList();

    /// <summary>RFC 5232 §5: :flags replaces the internal flags for this one action.</summary>
    private List<string> FlagsFor(BoundArguments arguments) =>
        (arguments.Strings("flags") is { } flags ? SieveFlags.Parse(ExpandAll(flags)) : _flags).Where(SieveFlags.IsValid).ToList();

    private void ChangeFlags(string name, BoundArguments arguments)
    {
        var given = SieveFlags.Parse(ExpandAll(arguments.StringsAt(arguments.Positionals.Count - 1)));
        var variable = arguments.Positionals.Count == 2 ? arguments.StringAt(0) : null;
        var current = variable is null ? _flags : SieveFlags.Parse([_variables.Get(variable)]);
        var updated = name switch
        {
            "setflag" => given,
            "addflag" => SieveFlags.Parse([.. current, .. given]),
            _ => current.Where(f => !given.Contains(f, StringComparer.OrdinalIgnoreCase)).ToList(),
        };
        if (variable is null)
            _flags = updated;
        else
            _variables.Set(variable, string.Join(' ', updated));
    }

    /// <summary>RFC 5229 §4.1: modifiers apply in order of precedence, highest first.</summary>
    private static string Modify(string value, BoundArguments arguments)
    {
        if (arguments.Has("lower"))
            value = Ascii(value, upper: false);
        if (arguments.Has("upper"))
            value = Ascii(value, upper: true);
        if (arguments.Has("lowerfirst") && value.Length > 0)
            value = Ascii(value[..1], upper: false) + value[1..];
        if (arguments.Has("upperfirst") && value.Length > 0)
            value = Ascii(value[..1], upper: true) + value[1..];
        if (arguments.Has("quotewildcard"))
            value = value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("*", "\\*", StringComparison.Ordinal).Replace("?", "\\?", StringComparison.Ordinal);
        if (arguments.Has("length"))
            value = value.EnumerateRunes().Count().ToString(CultureInfo.InvariantCulture);
        return value;
    }

    private static string Ascii(string value, bool upper) =>
        string.Create(value.Length, value, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
                span[i] = upper ? (char.IsAsciiLetterLower(source[i]) ? (char)(source[i] - 32) : source[i]) : Comparators.Fold(source[i]);
        });

    private VacationAction Vacation(BoundArguments arguments)
    {
        var limits = _options.Limits;
        var period = arguments.Number("seconds") is { } seconds ? TimeSpan.FromSeconds(seconds)
            : arguments.Number("days") is { } days ? TimeSpan.FromDays(days)
            : limits.VacationDefaultPeriod;
        period = period < limits.VacationMinPeriod ? limits.VacationMinPeriod
            : period > limits.VacationMaxPeriod ? limits.VacationMaxPeriod : period;
        var reason = Expand(arguments.StringAt(0));
        var subject = arguments.String("subject") is { } s ? Expand(s) : null;
        var from = arguments.String("from") is { } f ? Expand(f) : null;
        var mime = arguments.Has("mime");
        // RFC 5230 §4.2: without :handle, the reply is identified by its arguments as written,
        // before variable substitution, so one rule keeps one handle whatever the message
        // (composed as Pigeonhole does).
        var handle = arguments.String("handle") is { } h ? Expand(h)
            : new StringBuilder(arguments.StringAt(0)).Append(arguments.String("subject") ?? "<default-subject>")
                .Append(arguments.String("from") ?? "<default-from>").Append(mime ? "<MIME>" : "<NO-MIME>").ToString();
        var addresses = ExpandAll(arguments.Strings("addresses") ?? []);
        return new VacationAction(reason, subject, from, addresses, mime, handle, period);
    }
}
