namespace Webmail.Core.Storage;

/// <summary>
/// Every message-side interface of one store provider together: what a provider implements, and what the
/// store tests and tools that exercise the whole message store ask for. Consumers ask for the narrow
/// interface they use.
/// </summary>
public interface IMessageStore : IMailboxReader, IMailboxWriter, IDeliveryStore, IMaildropStore, IComposeStore,
    IImapStore, IImportStore, IRetentionStore, IHeldSubmissionStore
{
    /// <summary>A reader over one account's raw messages (both POP3 and IMAP ask for one; it is the same reader).</summary>
    new IRawMessageReader OpenRawReader(long accountId);
}
