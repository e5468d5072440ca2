namespace Webmail.Core.Storage;

/// <summary>A message's subject and a snippet of its text (its preview, or its body around a match), cut into runs of plain and matched text.</summary>
/// <remarks>Runs are text, never markup: the UI renders each as text (a matched run inside <c>&lt;mark&gt;</c>).</remarks>
public sealed record SearchMarks(IReadOnlyList<MarkedRun> Subject, IReadOnlyList<MarkedRun> Snippet);

/// <summary>A stretch of text; <see cref="Match"/> when it is a word the search matched.</summary>
public sealed record MarkedRun(string Text, bool Match);
