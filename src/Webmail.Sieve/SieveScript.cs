using Webmail.Sieve.Execution;
using Webmail.Sieve.Syntax;
using Webmail.Sieve.Validation;

namespace Webmail.Sieve;

/// <summary>
/// A parsed and validated Sieve script (RFC 5228 with the extensions in <see cref="SieveExtensions"/>).
/// Immutable and safe to share: parse once when the user saves it, run it for every delivery.
/// </summary>
/// <example>
/// <code>
/// var parsed = SieveScript.Parse(text);
/// if (!parsed.Succeeded) return parsed.ErrorText;
/// var result = parsed.Script!.Run(message, new SieveEnvelope(from, to), new SieveRunContext { Now = now });
/// </code>
/// </example>
public sealed class SieveScript
{
    private readonly IReadOnlyList<BoundCommand> _commands;
    private readonly SieveOptions _options;
    private readonly HashSet<string> _tests = new(StringComparer.Ordinal);

    private SieveScript(IReadOnlyList<BoundCommand> commands, IReadOnlySet<string> required, SieveOptions options)
    {
        _commands = commands;
        CollectTests(commands, _tests);
        RequiredExtensions = required;
        _options = options;
    }

    /// <summary>The extensions the script requires.</summary>
    public IReadOnlySet<string> RequiredExtensions { get; }

    /// <summary>
    /// True when the script has a test of this name anywhere (<c>mailboxexists</c>: the caller then lists the
    /// account's folders for <see cref="SieveRunContext.MailboxExists"/>, which scripts without it never read).
    /// </summary>
    public bool UsesTest(string name) => _tests.Contains(name);

    private static void CollectTests(IEnumerable<BoundCommand> commands, HashSet<string> names)
    {
        foreach (var branch in commands.SelectMany(c => c.Branches))
        {
            if (branch.Condition is { } test)
                CollectTests(test, names);
            CollectTests(branch.Body, names);
        }
    }

    private static void CollectTests(BoundTest test, HashSet<string> names)
    {
        names.Add(test.Name);
        foreach (var inner in test.Tests)
            CollectTests(inner, names);
    }

    /// <summary>
    /// Parses and validates a script. Never throws for a bad script: the result carries the errors
    /// (the first syntax error, or every validation error), each with its line.
    /// </summary>
    public static SieveParseResult Parse(string text, SieveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= SieveOptions.Default;
        if (text.Length > options.Limits.MaxScriptSize)
            return Failure(new SieveError(0, 0, $"the script is larger than the limit of {options.Limits.MaxScriptSize} characters"));
        List<CommandNode> tree;
        try
        {
            tree = new SieveParser(text, options.Limits.MaxNesting).ParseScript();
        }
        catch (SieveSyntaxException e)
        {
            return Failure(new SieveError(e.Position.Line, e.Position.Column, e.Message));
        }
        var validator = new SieveValidator(options);
        var commands = validator.Validate(tree);
        if (validator.Errors.Count > 0)
            return new SieveParseResult(null, validator.Errors);
        return new SieveParseResult(new SieveScript(commands, validator.Required.ToHashSet(), options), []);
    }

    private static SieveParseResult Failure(SieveError error) => new(null, [error]);

    /// <summary>
    /// Runs the script against a message. Pure: reads only its arguments. A run-time failure
    /// (a limit, conflicting actions) gives a result with <see cref="SieveResult.Error"/> set and
    /// the implicit keep as its only action.
    /// </summary>
    public SieveResult Run(SieveMessage message, SieveEnvelope envelope, SieveRunContext context)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(context);
        return new SieveInterpreter(_options, RequiredExtensions, message, envelope, context).Run(_commands);
    }
}
