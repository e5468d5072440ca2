namespace Webmail.Reading;

/// <summary>Undoes one move: each message id with the folder it came from.</summary>
public sealed record MoveUndo(IReadOnlyDictionary<long, long> Origins);
