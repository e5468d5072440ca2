namespace Webmail.ManageSieve.Protocol;

/// <summary>What reading one command gave.</summary>
public enum ReadOutcome
{
    /// <summary>A whole command: its name and its arguments, literals decoded.</summary>
    Command,
    /// <summary>The command does not follow the grammar; it was read to its end. <see cref="SieveCommand.Error"/> says why.</summary>
    SyntaxError,
    /// <summary>
    /// A literal longer than the command may carry, announced but not read yet:
    /// <see cref="SieveCommand.LiteralLength"/> octets follow. Answer, then <see cref="CommandReader.DiscardAsync"/>.
    /// </summary>
    LiteralTooLarge,
    /// <summary>A line longer than <see cref="CommandReader.MaxLine"/>: the connection is to be closed.</summary>
    LineTooLong,
    /// <summary>The client closed the connection.</summary>
    Closed,
}

/// <summary>One command as read: the outcome, the name (upper case), the arguments.</summary>
public sealed record SieveCommand(ReadOutcome Outcome, string Name, IReadOnlyList<SieveToken> Arguments, string Error = "", long LiteralLength = 0)
{
    public static SieveCommand Closed { get; } = new(ReadOutcome.Closed, "", []);
}
