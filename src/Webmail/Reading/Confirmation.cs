namespace Webmail.Reading;

/// <summary>A question the mailbox asks before a step that cannot be undone.</summary>
public sealed record Confirmation(string Title, string Text, string YesText);
