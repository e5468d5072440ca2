namespace Webmail.Compose;

/// <summary>A message the user must correct before it can be saved or sent; the text is shown to them.</summary>
public sealed class ComposeException(string message) : Exception(message);
