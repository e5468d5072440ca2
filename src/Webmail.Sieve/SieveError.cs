namespace Webmail.Sieve;

/// <summary>An error in a script, at a line and column (both 1-based).</summary>
public sealed record SieveError(int Line, int Column, string Message)
{
    /// <summary>"line 3: unknown command 'filein'".</summary>
    public override string ToString() => Line > 0 ? $"line {Line}: {Message}" : Message;
}
