using Webmail.Sieve.Syntax;

namespace Webmail.Sieve.Validation;

/// <summary>A command's arguments sorted out by the validator: tags by name, then the positional ones in order.</summary>
internal sealed class BoundArguments(Dictionary<string, ArgumentNode?> tags, List<ArgumentNode> positionals)
{
    public IReadOnlyList<ArgumentNode> Positionals { get; } = positionals;

    public bool Has(string tag) => tags.ContainsKey(tag);

    public IReadOnlyList<string>? Strings(string tag) => tags.GetValueOrDefault(tag) is StringListNode list ? list.Values : null;

    public string? String(string tag) => Strings(tag)?[0];

    public long? Number(string tag) => tags.GetValueOrDefault(tag) is NumberNode number ? number.Value : null;

    public IReadOnlyList<string> StringsAt(int index) => ((StringListNode)Positionals[index]).Values;

    public string StringAt(int index) => StringsAt(index)[0];
}
