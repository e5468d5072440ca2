namespace Webmail.Core.Storage;

/// <summary>
/// Reads the stored bytes of one account's messages, many times over, on one store connection that it
/// keeps open until disposed (a POP3 session's RETRs and TOPs), so that each read skips opening a
/// connection and preparing its statement again.
/// </summary>
public interface IRawMessageReader : IDisposable
{
    /// <summary>
    /// The message's stored bytes as a stream (large messages are not loaded whole); null when the message is gone or
    /// belongs to another account. Dispose the stream before the next call.
    /// </summary>
    Stream? Open(long messageId);
}
