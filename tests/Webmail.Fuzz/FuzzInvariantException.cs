namespace Webmail.Fuzz;

/// <summary>An input made the path break one of its promises without throwing (script in the sanitized output, raw bytes changed...).</summary>
internal sealed class FuzzInvariantException(string message) : Exception(message);
