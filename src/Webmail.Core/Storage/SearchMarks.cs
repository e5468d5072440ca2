namespace Webmail.Core.Storage;

/// <summary>A message's subject and a snippet of its text (its preview, or its body around a match), cut into runs of plain and matched text.</summary>
/// <remarks>Runs are text, never markup: the UI renders each as text (a matched run inside <c>&lt;mark&gt;</c>).</remarks>
public sealed record SearchMarks(IReadOnlyList<MarkedRun> Subject, IReadOnlyList<MarkedRun> Snippet)
{
    /// <summary>
    /// Words a body snippet keeps before its first match: a snippet may place the match late in its fragment, and a
    /// list row shows one line, so the match must come first for the row to show it.
    /// </summary>
    public const int WordsBeforeMatch = 4;

    /// <summary>A body snippet with the plain text before its first match cut to its last <see cref="WordsBeforeMatch"/> words, marked cut with '…'.</summary>
    public static IReadOnlyList<MarkedRun> LeadUpTo(IReadOnlyList<MarkedRun> runs)
    {
        if (runs.Count == 0 || runs[0].Match)
            return runs;
        var lead = runs[0].Text;
        var seen = 0;
        var inWord = false;
        for (var i = lead.Length - 1; i >= 0; i--)
        {
            if (!char.IsWhiteSpace(lead[i]))
                inWord = true;
            else if (inWord)
            {
                inWord = false;
                if (++seen == WordsBeforeMatch)
                    return [new MarkedRun("…" + lead[(i + 1)..], false), .. runs.Skip(1)];
            }
        }
        return runs;
    }
}

/// <summary>A stretch of text; <see cref="Match"/> when it is a word the search matched.</summary>
public sealed record MarkedRun(string Text, bool Match);
