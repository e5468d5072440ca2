using Webmail.Sieve.Syntax;

namespace Webmail.Sieve.Execution;

/// <summary>A run-time failure (a limit, a conflict between actions, an invalid computed value): the run ends with the implicit keep.</summary>
internal sealed class SieveRuntimeException(string message, SourcePosition? position = null) : Exception(message)
{
    public SourcePosition? Position { get; } = position;
}
