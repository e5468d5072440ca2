using Webmail.Core.Storage;

namespace Webmail.Core.Model;

/// <summary>Keywords to add to a message and keywords to take off it, as one change.</summary>
public sealed record KeywordEdit(IReadOnlyList<string> Add, IReadOnlyList<string> Remove)
{
    /// <summary>
    /// The stored keywords (<see cref="Keywords"/>' form) after the change: removals first, then
    /// additions. An addition that would pass <see cref="Keywords.MaxPerMessage"/> is left out rather
    /// than failing the action that carries it (a move or a send is worth more than its keyword).
    /// </summary>
    public string ApplyTo(string stored)
    {
        var result = Keywords.Apply(stored, FlagChangeMode.Remove, Remove);
        foreach (var keyword in Add)
        {
            if (Keywords.Parse(result).Count < Keywords.MaxPerMessage)
                result = Keywords.Apply(result, FlagChangeMode.Add, [keyword]);
        }
        return result;
    }
}
