using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Testing;

/// <summary>
/// Many messages into one account's INBOX quickly, through the store's import API in batches (one unit of work per
/// batch, as an mbox import stores them): for the tests of big mailboxes, the migration test and the migration benchmark.
/// </summary>
public static class BulkMessages
{
    /// <summary>
    /// Imports the <paramref name="count"/> messages <paramref name="message"/> makes (from 0 up) into one folder, a unit of
    /// work per 500 (as an mbox import stores them): a big mailbox in seconds on either store, where an append per message
    /// is a commit per message. Throws when a batch is not stored whole (a duplicate, the quota).
    /// </summary>
    public static async Task FillAsync(IImportStore imports, long accountId, long folderId, int count, Func<int, byte[]> message)
    {
        for (var first = 0; first < count; first += 500)
        {
            var batch = Enumerable.Range(first, Math.Min(500, count - first)).Select(i => new ImportMessage(folderId, message(i), MessageFlags.None, [], null)).ToList();
            var stored = (await imports.ImportBatchAsync(accountId, new ImportBatch(batch), default)).Imported;
            if (stored != batch.Count)
                throw new InvalidOperationException($"Only {stored} of a batch of {batch.Count} were stored.");
        }
    }

    /// <summary>
    /// Imports <paramref name="count"/> distinct small messages (about 1.5 KB each, a quarter unread, some flagged or with
    /// a keyword, one word per message that a search finds) and returns how many were stored.
    /// </summary>
    public static async Task<long> ImportAsync(TestStoreAt store, string address, int count, int batchSize = 1000, CancellationToken cancellationToken = default)
    {
        var account = await store.Directory.FindAccountAsync(address, cancellationToken) ?? throw new InvalidOperationException($"No account {address}.");
        var inbox = (await store.Messages.GetFoldersAsync(account.Id, cancellationToken)).Single(f => f.SpecialUse == SpecialFolder.Inbox);
        var imports = store.Services.GetService(typeof(IImportStore)) as IImportStore ?? throw new InvalidOperationException("The store has no import API.");
        var body = string.Join("\r\n", Enumerable.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.", 14));
        long stored = 0;
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var first = 0; first < count; first += batchSize)
        {
            var batch = Enumerable.Range(first, Math.Min(batchSize, count - first)).Select(i => new ImportMessage(inbox.Id,
                TestMessages.Simple(to: address, subject: $"Message {i}", body: $"word{i} {body}", messageId: $"bulk-{i}@bulk.example"),
                (i % 4 == 0 ? MessageFlags.None : MessageFlags.Seen) | (i % 10 == 0 ? MessageFlags.Flagged : MessageFlags.None),
                i % 7 == 0 ? ["$Important"] : [],
                start.AddMinutes(i))).ToList();
            var result = await imports.ImportBatchAsync(account.Id, new ImportBatch(batch), cancellationToken);
            stored += result.Imported;
        }
        return stored;
    }
}
