namespace Webmail.Compose;

/// <summary>What pressing Send did: the submission's result and, when undo send held the message, the hold.</summary>
public sealed record SendOutcome(SubmitResult Result, HeldSend? Held);

/// <summary>A message held for undo send: Undo with <see cref="Id"/> until <see cref="ReleaseAt"/>.</summary>
public sealed record HeldSend(long Id, DateTimeOffset ReleaseAt);
