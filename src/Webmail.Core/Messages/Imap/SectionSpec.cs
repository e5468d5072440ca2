namespace Webmail.Core.Messages.Imap;

/// <summary>A BODY[...] section (RFC 9051 §6.4.5).</summary>
/// <param name="Part">The part path, 1-based (<c>2.1</c> is [2, 1]); empty for the whole message.</param>
/// <param name="Text">The text specifier.</param>
/// <param name="Fields">The field names of <see cref="SectionText.HeaderFields"/> and <see cref="SectionText.HeaderFieldsNot"/>; empty otherwise.</param>
public sealed record SectionSpec(IReadOnlyList<int> Part, SectionText Text, IReadOnlyList<string> Fields);
