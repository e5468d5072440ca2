using System.Text;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// A folder's index held in memory answers exactly what the rows say — flags, keywords, modseqs,
/// UIDs, and which full-text matches are in the folder — after every kind of change made through
/// every door (IMAP STORE, COPY, MOVE, EXPUNGE and APPEND; the web UI's flag changes, moves and
/// deletes), whether it follows the changes one by one or is read afresh.
/// </summary>
public sealed class FolderIndexTests : IAsyncLifetime
{
    private readonly TestStore _store = new();
    private Account _user = null!;
    private Folder _inbox = null!;
    private Folder _other = null!;

    private IImapStore Imap => _store.Messages;
    private IMailboxWriter Web => _store.Messages;

    public async Task InitializeAsync()
    {
        _user = await _store.CreateAccountAsync("index@local.example");
        _inbox = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Inbox, default);
        _other = await Imap.CreateFolderPathAsync(_user.Id, ["Other"], default);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private Task<StoredMessage> AppendAsync(Folder folder, int i, MessageFlags flags = MessageFlags.None, params string[] keywords) =>
        Imap.AppendAsync(_user.Id, folder.Id, Encoding.UTF8.GetBytes(
                $"From: a@example.org\r\nTo: index@local.example\r\nSubject: note {i}\r\n\r\n{(i % 3 == 0 ? "Un café et le budget" : "The budget review")} number {i}\r\n"),
            flags, keywords, null, default);

    [Fact]
    public async Task TheIndexFollowsEveryChangeAndAgreesWithTheRows()
    {
        for (var i = 0; i < 40; i++)
            await AppendAsync(i < 20 ? _inbox : _other, i, i % 4 == 0 ? MessageFlags.Seen : MessageFlags.None, i % 5 == 0 ? ["$Forwarded"] : []);
        // One index follows in the caller's transaction, one catches up in a transaction of its own.
        var followed = (new FolderIndex(_inbox.Id), new FolderIndex(_inbox.Id));
        await AssertAgreeAsync(followed, "first read");

        await Imap.StoreFlagsAsync(_user.Id, _inbox.Id, [2, 3, 5], new FlagChange(FlagChangeMode.Add, MessageFlags.Flagged | MessageFlags.Seen, ["ProjectX"]), null, default);
        await AssertAgreeAsync(followed, "after an IMAP STORE");

        await Imap.StoreFlagsAsync(_user.Id, _inbox.Id, [4, 6], new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []), null, default);
        await Imap.ExpungeAsync(_user.Id, _inbox.Id, null, default);
        await AssertAgreeAsync(followed, "after an IMAP EXPUNGE");

        await Imap.MoveAsync(_user.Id, _inbox.Id, [7, 8], _other.Id, default);
        await Imap.MoveAsync(_user.Id, _other.Id, [1, 2, 3], _inbox.Id, default);
        await Imap.CopyAsync(_user.Id, _other.Id, [4], _inbox.Id, default);
        await AssertAgreeAsync(followed, "after IMAP MOVE out and in, and COPY in");

        var rows = await Imap.GetMessagesAsync(_user.Id, _inbox.Id, [9, 10, 11, 12], ImapMessageParts.None, default);
        await Web.SetFlagsAsync(_user.Id, [rows[0].Id, rows[1].Id], MessageFlags.Seen, set: true, default);
        await Web.MoveAsync(_user.Id, [rows[2].Id], _other.Id, default);
        await Web.DeleteAsync(_user.Id, [rows[3].Id], default);
        await AppendAsync(_inbox, 100);
        await AssertAgreeAsync(followed, "after the web UI's changes and new mail");

        // The expunge log compacted past what the indexes know: they read the folder afresh.
        await Imap.StoreFlagsAsync(_user.Id, _inbox.Id, [9, 10], new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []), null, default);
        await Imap.ExpungeAsync(_user.Id, _inbox.Id, null, default);
        Assert.True(await Imap.CompactExpungeLogAsync(0, default) > 0);
        await AssertAgreeAsync(followed, "after the expunge log was compacted");
    }

    [Fact]
    public async Task ACompactedExpungeLogKeepsTheNewestRowsAndSaysWhereItStops()
    {
        for (var i = 0; i < 6; i++)
            await AppendAsync(_inbox, i);
        var before = (await Imap.SnapshotAsync(_user.Id, _inbox.Id, default))!.Folder.HighestModseq;
        foreach (var uid in new long[] { 1, 2, 3, 4 })
        {
            await Imap.StoreFlagsAsync(_user.Id, _inbox.Id, [uid], new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []), null, default);
            await Imap.ExpungeAsync(_user.Id, _inbox.Id, [uid], default);
        }
        var complete = (await Imap.ChangesSinceAsync(_user.Id, _inbox.Id, before, default))!;
        Assert.Equal([1L, 2, 3, 4], complete.Expunged.Order());
        Assert.Null(complete.PresentUids);

        Assert.Equal(2, await Imap.CompactExpungeLogAsync(2, default));
        Assert.Equal(0, await Imap.CompactExpungeLogAsync(2, default));
        var compacted = (await Imap.ChangesSinceAsync(_user.Id, _inbox.Id, before, default))!;
        Assert.True(compacted.Folder.ExpungeFloor > before);
        Assert.Equal([3L, 4], compacted.Expunged.Order());
        Assert.Equal([(5L, 2)], compacted.PresentUids!);
        // A reader that knew the folder after the floor still gets its answer from the log alone.
        Assert.Null((await Imap.ChangesSinceAsync(_user.Id, _inbox.Id, compacted.Folder.ExpungeFloor, default))!.PresentUids);
    }

    /// <summary>
    /// The index (followed since an earlier read, and read afresh) against the store's row reads of a
    /// small folder, which never use an index: every message's state, and the body search for "budget".
    /// </summary>
    private async Task AssertAgreeAsync((FolderIndex InTransaction, FolderIndex Alone) followed, string because)
    {
        var snapshot = (await Imap.SnapshotAsync(_user.Id, _inbox.Id, default))!;
        var uids = snapshot.UidRuns.SelectMany(r => Enumerable.Range(0, r.Length).Select(k => r.First + k)).ToList();
        // Every UID there ever was and more, so that an entry the index kept for a message gone shows.
        var asked = Enumerable.Range(1, 150).Select(i => (long)i).ToList();
        Assert.True(uids.Count > 0 && uids.Max() < 150);
        var rows = await Imap.GetMessagesAsync(_user.Id, _inbox.Id, asked, ImapMessageParts.None, default);
        var search = (await Imap.TextCandidatesAsync(_user.Id, _inbox.Id, SearchTextField.Body, "budget", default))!;
        Assert.NotEmpty(search.Uids);
        Assert.NotEmpty(search.Proven);

        foreach (var (index, own) in new[] { (followed.InTransaction, false), (followed.Alone, true), (new FolderIndex(_inbox.Id), false) })
        {
            using var connection = _store.Database.OpenConnection();
            using var transaction = connection.BeginTransaction(deferred: true);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT rowid FROM message_fts WHERE message_fts MATCH 'budget'";
            var ids = new List<long>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                    ids.Add(reader.GetInt64(0));
            }
            using var alone = _store.Database.OpenConnection();
            var (held, found) = index.Read(own ? alone : connection, own ? null : transaction, snapshot.Folder, i => (i.Messages(asked), i.Find([ids], provable: true)));

            Assert.Equal(Describe(rows), Describe(held));
            Assert.True(search.Uids.SequenceEqual(found.Uids), $"{because}: [{string.Join(' ', search.Uids)}] vs [{string.Join(' ', found.Uids)}]");
            Assert.True(search.Proven.Order().SequenceEqual(found.Proven.Order()), $"{because}: proven differ");
        }

        string Describe(IEnumerable<ImapMessage> messages) =>
            because + ": " + string.Join("; ", messages.Select(m => $"{m.Uid} #{m.Id} {m.Flags} [{m.Keywords}] {m.Modseq}"));
    }
}
