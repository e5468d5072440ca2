using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>Reads fail the way writes do: a store that cannot be read throws <see cref="StoreUnavailableException"/>, never a SQLite type.</summary>
public sealed class UnavailableStoreTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("webmail-store");
    private TestStoreAt _store = null!;
    private Account _user = null!;
    private long _messageId;
    private IMessageStore _messages = null!;
    private IDirectoryStore _accounts = null!;

    public async Task InitializeAsync()
    {
        await using (var writing = new TestStoreAt(_directory.Path))
        {
            _user = await writing.CreateAccountAsync("user@local.example");
            var inbox = await writing.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Inbox, default);
            _messageId = (await writing.Messages.AppendAsync(_user.Id, inbox.Id, TestMessages.Simple(), MessageFlags.None)).Id;
        }
        // Reopened without writing: no connection stays open, so the WAL is checkpointed away and
        // every read goes to the main file.
        _store = new TestStoreAt(_directory.Path);
        _messages = _store.Messages;
        _accounts = _store.Directory;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task ReadsOfACorruptFileThrowStoreUnavailable()
    {
        CorruptTheDatabaseHeader();

        await Assert.ThrowsAsync<StoreUnavailableException>(() => _messages.GetFoldersAsync(_user.Id, default));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => _messages.GetSummaryAsync(_user.Id, _messageId, default));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => _messages.OpenRawAsync(_user.Id, _messageId, default));
        Assert.Throws<StoreUnavailableException>(() => ((IMaildropStore)_messages).OpenRawReader(_user.Id));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => _accounts.FindAccountAsync("user@local.example", default));
    }

    /// <summary>Overwrites the SQLite header ("SQLite format 3") so every new connection finds "file is not a database".</summary>
    private void CorruptTheDatabaseHeader()
    {
        Assert.False(File.Exists(_directory.File("webmail.db-wal")) && new FileInfo(_directory.File("webmail.db-wal")).Length > 0);
        using var file = new FileStream(_directory.File("webmail.db"), FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        file.Write(new byte[100].AsSpan());
        file.Flush(flushToDisk: true);
    }
}
