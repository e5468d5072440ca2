namespace Webmail.Pop3.Net;

/// <summary>What reading one command line produced.</summary>
public enum Pop3LineStatus
{
    /// <summary>A complete line; <see cref="Pop3Line.Text"/> holds it without CRLF.</summary>
    Line,
    /// <summary>The line ended but was longer than RFC 2449 allows; it was discarded.</summary>
    TooLong,
    /// <summary>A line ran on without end past the discard bound: the connection should close.</summary>
    Runaway,
    /// <summary>The client closed the connection.</summary>
    Closed,
    /// <summary>No complete line came within the idle timeout (RFC 1939 §3 autologout).</summary>
    TimedOut,
}

/// <summary>One command line from the client.</summary>
public readonly record struct Pop3Line(Pop3LineStatus Status, string Text = "");
