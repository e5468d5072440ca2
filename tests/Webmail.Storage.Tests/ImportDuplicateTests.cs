using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// An import skips a message its folder holds already (the same Message-ID and size), so a run that is started again
/// stores nothing twice; and the lookup that decides it reads one index entry, not every message of that size.
/// </summary>
public abstract class ImportDuplicateTests(StoreProvider provider) : IAsyncLifetime
{
    private protected readonly TestStore _store = new(provider);
    private Account _user = null!;
    private Folder _inbox = null!;

    private IImportStore Imports => _store.Services.GetRequiredService<IImportStore>();

    public async Task InitializeAsync()
    {
        _user = await _store.CreateAccountAsync("import@local.example");
        _inbox = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Inbox, default);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private ImportMessage Message(string? id, string body = "Same size.") =>
        new(_inbox.Id, TestMessages.Simple(subject: "Sized", body: body, messageId: id ?? "placeholder"), MessageFlags.None, [], null);

    [Fact]
    public async Task ASecondRunOfTheSameMessagesStoresNothingTwice()
    {
        // Every message the same size, as a newsletter's or a monitor's are: only the Message-ID tells them apart.
        var batch = Enumerable.Range(0, 300).Select(i => Message($"m{i:D4}@import.example")).ToList();
        Assert.Equal((300, 0), Outcome(await Imports.ImportBatchAsync(_user.Id, new ImportBatch(batch), default)));

        Assert.Equal((0, 300), Outcome(await Imports.ImportBatchAsync(_user.Id, new ImportBatch(batch), default)));
        // The same Message-ID with other bytes is another message.
        Assert.Equal((1, 0), Outcome(await Imports.ImportBatchAsync(_user.Id, new ImportBatch([Message("m0001@import.example", "A longer body.")]), default)));

        var inbox = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Inbox, default);
        Assert.Equal(301, inbox.MessageCount);
    }

    private static (int Imported, int Duplicates) Outcome(ImportBatchResult result) => (result.Imported, result.Duplicates);
}

public sealed class ImportDuplicateTestsOnSqlite() : ImportDuplicateTests(StoreProvider.Sqlite)
{
    // SQLite's plan: without `message_id <> ''` in the statement the partial index messages_folder_msgid does not
    // apply, and the lookup took messages_folder_size, reading every message of that size (quadratic on a big import).
    [Fact]
    public void TheLookupReadsTheFoldersMessageIdIndex()
    {
        using var connection = _store.Database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + SqliteMessageStore.ImportDuplicateSql;
        command.Parameters.AddWithValue("$f", 1);
        command.Parameters.AddWithValue("$m", "m@import.example");
        command.Parameters.AddWithValue("$s", 100);
        var plan = new List<string>();
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                plan.Add(reader.GetString(3));
        Assert.True(plan.Any(step => step.Contains("INDEX messages_folder_msgid (folder_id=? AND message_id=?)", StringComparison.Ordinal)), string.Join(" | ", plan));
    }
}

public sealed class ImportDuplicateTestsOnPostgres() : ImportDuplicateTests(StoreProvider.Postgres);
