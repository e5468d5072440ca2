using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Imap.Tests;

/// <summary>One whole server for a test class, with a local domain and a few accounts, on SQLite (or, as
/// <see cref="ImapServerFixtureOnPostgres"/>, on a PostgreSQL database of its own).</summary>
public class ImapServerFixture : IAsyncLifetime
{
    protected virtual StoreProvider Provider => StoreProvider.Sqlite;

    public const string Password = "correct horse";
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Hostname"] = "imap.local.example" }, provider: Provider);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    private int _accounts;

    /// <summary>A fresh account (each test its own, so tests do not see each other's mail).</summary>
    public async Task<Account> NewAccountAsync(long? quota = null) =>
        await Server.CreateAccountAsync($"user{Interlocked.Increment(ref _accounts)}-{Guid.NewGuid().ToString("N")[..8]}@local.example", Password, quota: quota);

    /// <summary>Stores <paramref name="count"/> messages in an account's INBOX through the store's import API (<see cref="BulkMessages.FillAsync"/>).</summary>
    public async Task ImportAsync(Account account, int count, Func<int, byte[]> message)
    {
        var inbox = await Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        await BulkMessages.FillAsync(Server.Services.GetRequiredService<IImportStore>(), account.Id, inbox.Id, count, message);
    }

    /// <summary>Stores a message in an account's INBOX through the store, as delivery does.</summary>
    public async Task<StoredMessage> DeliverAsync(Account account, string subject, string body = "Hello.", SpecialFolder folder = SpecialFolder.Inbox, MessageFlags flags = MessageFlags.None)
    {
        var box = await Server.Messages.GetSpecialFolderAsync(account.Id, folder, default);
        var raw = System.Text.Encoding.UTF8.GetBytes(
            $"From: Ann <ann@example.org>\r\nTo: {account.Address}\r\nSubject: {subject}\r\nDate: Sat, 05 Dec 2026 08:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\n\r\n{body}\r\n");
        return await Server.Messages.AppendAsync(account.Id, box.Id, raw, flags, enforceQuota: false);
    }
}

/// <summary>The same server on PostgreSQL: the end-to-end tests whose outcome depends on the store run on both.</summary>
public sealed class ImapServerFixtureOnPostgres : ImapServerFixture
{
    protected override StoreProvider Provider => StoreProvider.Postgres;
}
