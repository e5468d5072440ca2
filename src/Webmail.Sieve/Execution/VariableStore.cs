using System.Globalization;
using System.Text;

namespace Webmail.Sieve.Execution;

/// <summary>
/// RFC 5229 variables: named variables (names without case), the match variables ${0}–${9} of
/// the last successful :matches or :regex, and "${...}" substitution in strings.
/// </summary>
internal sealed class VariableStore(SieveLimits limits)
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);
    private List<string> _matches = [];

    public string Get(string name) => _values.GetValueOrDefault(name, "");

    public void Set(string name, string value)
    {
        if (!_values.ContainsKey(name) && _values.Count >= limits.MaxVariables)
            throw new SieveRuntimeException($"more than {limits.MaxVariables} variables");
        _values[name] = Truncate(value);
    }

    public void SetMatches(List<string> captures) => _matches = captures.Select(Truncate).ToList();

    private string Truncate(string value) => value.Length <= limits.MaxVariableSize ? value : value[..limits.MaxVariableSize];

    /// <summary>RFC 5229 §3: replaces each "${name}" and "${digits}"; a reference to an unset variable becomes empty.</summary>
    public string Expand(string text)
    {
        var start = text.IndexOf("${", StringComparison.Ordinal);
        if (start < 0)
            return text;
        var result = new StringBuilder(text.Length);
        var position = 0;
        while (start >= 0)
        {
            var close = text.IndexOf('}', start + 2);
            if (close < 0)
                break;
            var name = text[(start + 2)..close];
            string? value = null;
            if (name.Length > 0 && name.All(char.IsAsciiDigit))
            {
                value = int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < _matches.Count ? _matches[n] : "";
            }
            else if (Validation.Names.IsVariableName(name))
            {
                value = Get(name);
            }
            else if (name.Split('.').All(Validation.Names.IsVariableName))
            {
                // A namespaced reference ("${env.foo}"): no namespace is implemented, so it is
                // empty (as Pigeonhole makes it; RFC 5229 §3 leaves unsupported namespaces open).
                value = "";
            }
            if (value is null)
            {
                // Not a reference (a namespace or stray characters): keep "${" and look further.
                result.Append(text, position, start + 2 - position);
                position = start + 2;
                start = text.IndexOf("${", position, StringComparison.Ordinal);
                continue;
            }
            result.Append(text, position, start - position).Append(value);
            // Each reference adds up to a whole variable: bound what a line of "${a}${a}…" builds.
            if (result.Length > limits.MaxStringSize)
                throw new SieveRuntimeException($"a string grew past the limit of {limits.MaxStringSize} characters");
            position = close + 1;
            start = text.IndexOf("${", position, StringComparison.Ordinal);
        }
        result.Append(text, position, text.Length - position);
        return result.ToString();
    }
}
