namespace Webmail.Core.Storage;

/// <summary>A request the store refuses for a reason the user can act on (the message says which).</summary>
public class StoreException(string message) : Exception(message);

/// <summary>The account's quota would be passed.</summary>
public sealed class QuotaExceededException(string address) : StoreException($"The mailbox {address} is over its quota.");

/// <summary>The store could not be reached or written (disk full, I/O error): a temporary failure.</summary>
public sealed class StoreUnavailableException(string message, Exception inner, bool outOfSpace = false) : Exception(message, inner)
{
    /// <summary>The disk (or the database) is full: space must be freed before writes succeed again.</summary>
    public bool OutOfSpace { get; } = outOfSpace;
}
