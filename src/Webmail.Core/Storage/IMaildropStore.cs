using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>
/// The POP3 maildrop: the INBOX as a numbered list, its messages' bytes, and the UPDATE state's
/// changes as one transaction.
/// Every call takes the owning account's id and matches it on the server side: another account's
/// id behaves exactly like one that does not exist. Safe for many concurrent callers. A call the
/// store cannot serve (I/O error, disk full, corrupt file) throws <see cref="StoreUnavailableException"/>:
/// a temporary failure.
/// </summary>
public interface IMaildropStore
{
    /// <summary>POP3: the INBOX as it is now, oldest first (RFC 1939 message numbers follow this order).</summary>
    Task<IReadOnlyList<MaildropEntry>> GetMaildropAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>
    /// POP3 UPDATE state (RFC 1939 §6) as one transaction: marks retrieved messages \Seen and applies
    /// the account's delete policy to the deleted ones.
    /// </summary>
    Task CommitPop3UpdateAsync(long accountId, IReadOnlyCollection<long> deletedIds, IReadOnlyCollection<long> retrievedIds, Pop3DeletePolicy policy, CancellationToken cancellationToken);

    /// <summary>A reader of the account's stored messages that keeps one connection open until disposed.</summary>
    IRawMessageReader OpenRawReader(long accountId);
}
