using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Mail.Transfer;
using Webmail.Testing;
using KitFlags = MailKit.MessageFlags;
using MessageFlags = Webmail.Core.Model.MessageFlags;
using SpecialFolder = Webmail.Core.Model.SpecialFolder;

namespace Webmail.Mail.Tests.Transfer;

/// <summary>
/// Import from another IMAP server — Debian's Dovecot on loopback, five folders with flags, keywords and
/// dates — and from the Maildir that Dovecot wrote; then an incremental run that copies only the new mail.
/// </summary>
public sealed class ImapImportTests : IAsyncLifetime
{
    private DovecotServer _dovecot = null!;
    private readonly TestStore _store = new();

    // Folder (Dovecot's name) → messages: subject, flags, keyword.
    private static readonly (string Folder, string Subject, KitFlags Flags, string? Keyword)[] Seed =
    [
        ("INBOX", "inbox unread", KitFlags.None, null),
        ("INBOX", "inbox read flagged", KitFlags.Seen | KitFlags.Flagged, null),
        ("INBOX", "inbox answered", KitFlags.Seen | KitFlags.Answered, "$Forwarded"),
        ("Sent", "sent one", KitFlags.Seen, null),
        ("Trash", "trashed", KitFlags.Seen | KitFlags.Deleted, null),
        ("Work", "work draft", KitFlags.Draft, null),
        ("Work.Clients", "client mail", KitFlags.Seen, "project-x"),
        ("Work.Clients", "client mail 2", KitFlags.None, null),
    ];

    public async Task InitializeAsync()
    {
        _dovecot = await DovecotServer.StartAsync();
        using var client = await _dovecot.ConnectAsync();
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        foreach (var name in new[] { "Sent", "Trash", "Work" })
            await root.CreateAsync(name, true);
        await (await client.GetFolderAsync("Work")).CreateAsync("Clients", true);
        var i = 0;
        foreach (var (folder, subject, flags, keyword) in Seed)
            await AppendAsync(client, folder, subject, flags, keyword, new DateTimeOffset(2021, 3, 1 + i, 8, i++, 0, TimeSpan.FromHours(2)));
        await client.DisconnectAsync(true);
    }

    private static async Task AppendAsync(ImapClient client, string folder, string subject, KitFlags flags, string? keyword, DateTimeOffset date)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Old Server", "someone@old.example"));
        message.To.Add(new MailboxAddress("", "olduser@old.example"));
        message.Subject = subject;
        message.MessageId = $"{subject.Replace(' ', '-')}@old.example";
        message.Date = date;
        message.Body = new TextPart("plain") { Text = $"Body of {subject}.\r\nFrom the old server.\r\n" };
        var target = folder == "INBOX" ? client.Inbox : await client.GetFolderAsync(folder);
        var request = new AppendRequest(message, flags, date);
        if (keyword is not null)
            request.Keywords = new HashSet<string> { keyword };
        await target.AppendAsync(request);
    }

    [Fact]
    public async Task ImapImportKeepsFoldersFlagsAndDatesThenCopiesOnlyNewMail()
    {
        var account = await _store.CreateAccountAsync("new@local.example");
        var importer = _store.Services.GetRequiredService<MailboxImporter>();

        var first = await importer.RunAsync(account.Id, Source(account.Id), null, null, null, default);

        Assert.Equal((8L, 0L, 0L, false), (first.Imported, first.Duplicates, first.Failed, first.QuotaStopped));
        var stored = await StoredAsync(account.Id);
        var served = await ServedAsync();
        Assert.Equal(served.Keys.Order(), stored.Keys.Order());
        foreach (var (id, (folder, flags, keywords, date, raw)) in served)
        {
            var mine = stored[id];
            Assert.Equal(folder, mine.Folder);
            Assert.Equal(flags, mine.Flags);
            Assert.Equal(keywords, mine.Keywords);
            Assert.Equal(date, mine.Date);
            Assert.Equal(raw, mine.Raw);
        }
        Assert.Equal(SpecialFolder.Sent, (await FolderOfAsync(account.Id, "sent-one@old.example")).SpecialUse);
        Assert.Equal(SpecialFolder.Trash, (await FolderOfAsync(account.Id, "trashed@old.example")).SpecialUse);

        // New mail on the old server: the second run copies only it (no duplicates: it did not fetch the old ones again).
        using (var client = await _dovecot.ConnectAsync())
        {
            await AppendAsync(client, "INBOX", "new in inbox", KitFlags.None, null, DateTimeOffset.Parse("2022-01-01T10:00:00Z"));
            await AppendAsync(client, "INBOX", "new in inbox 2", KitFlags.Seen, null, DateTimeOffset.Parse("2022-01-02T10:00:00Z"));
            await AppendAsync(client, "Work.Clients", "new client mail", KitFlags.Flagged, null, DateTimeOffset.Parse("2022-01-03T10:00:00Z"));
            await client.DisconnectAsync(true);
        }
        var second = await importer.RunAsync(account.Id, Source(account.Id), null, null, null, default);
        Assert.Equal((3L, 0L, 0L), (second.Imported, second.Duplicates, second.Failed));
        Assert.Equal(11, (await StoredAsync(account.Id)).Count);
        Assert.Equal(MessageFlags.Flagged, (await StoredAsync(account.Id))["new-client-mail@old.example"].Flags);

        var third = await importer.RunAsync(account.Id, Source(account.Id), null, null, null, default);
        Assert.Equal((0L, 0L, 0L), (third.Imported, third.Duplicates, third.Failed));
    }

    [Fact]
    public async Task ImapImportOfChosenFoldersIntoOneFolder()
    {
        var account = await _store.CreateAccountAsync("chosen@local.example");
        var target = await _store.Messages.CreateFolderAsync(account.Id, "From old", null, default);
        var source = new ImapSource(new ImapSourceOptions("127.0.0.1", _dovecot.Port, "none", DovecotServer.User, ["Work.Clients"]), DovecotServer.Password,
            _store.Services.GetRequiredService<IImportStore>(), account.Id, TimeSpan.FromSeconds(30));

        var outcome = await _store.Services.GetRequiredService<MailboxImporter>().RunAsync(account.Id, source, target.Id, null, null, default);

        Assert.Equal(2, outcome.Imported);
        Assert.Equal(2, (await _store.Messages.GetFolderAsync(account.Id, target.Id, default))!.MessageCount);
    }

    [Fact]
    public async Task WrongPasswordIsAClearError()
    {
        var account = await _store.CreateAccountAsync("wrong@local.example");
        var source = new ImapSource(new ImapSourceOptions("127.0.0.1", _dovecot.Port, "none", DovecotServer.User, []), "not the password",
            _store.Services.GetRequiredService<IImportStore>(), account.Id, TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<ImportException>(() => _store.Services.GetRequiredService<MailboxImporter>().RunAsync(account.Id, source, null, null, null, default));

        Assert.StartsWith("127.0.0.1 refused the user name or password", error.Message);
    }

    [Fact]
    public async Task MaildirWrittenByDovecotImportsWithFoldersAndFlags()
    {
        var account = await _store.CreateAccountAsync("maildir@local.example");
        var served = await ServedAsync();

        var outcome = await _store.Services.GetRequiredService<MailboxImporter>().RunAsync(account.Id, new MaildirSource(_dovecot.Maildir), null, null, null, default);

        Assert.Equal((8L, 0L), (outcome.Imported, outcome.Failed));
        var stored = await StoredAsync(account.Id);
        foreach (var (id, (folder, flags, keywords, date, raw)) in served)
        {
            var mine = stored[id];
            Assert.Equal(folder, mine.Folder);
            Assert.Equal(flags, mine.Flags);
            Assert.Equal(keywords, mine.Keywords);
            Assert.Equal(date, mine.Date);
            Assert.Equal(raw, mine.Raw); // Dovecot keeps LF on disk; the import stores CRLF, as Dovecot serves it
        }
    }

    private ImapSource Source(long accountId) =>
        new(new ImapSourceOptions("127.0.0.1", _dovecot.Port, "none", DovecotServer.User, []), DovecotServer.Password,
            _store.Services.GetRequiredService<IImportStore>(), accountId, TimeSpan.FromSeconds(30));

    /// <summary>Every message of the old server by Message-ID: our folder name for it, flags, keywords, INTERNALDATE, bytes.</summary>
    private async Task<Dictionary<string, (string Folder, MessageFlags Flags, string Keywords, DateTimeOffset Date, byte[] Raw)>> ServedAsync()
    {
        var result = new Dictionary<string, (string, MessageFlags, string, DateTimeOffset, byte[])>();
        using var client = await _dovecot.ConnectAsync();
        var folders = new List<IMailFolder> { client.Inbox };
        folders.AddRange(await client.GetFoldersAsync(client.PersonalNamespaces[0]));
        foreach (var folder in folders.Distinct())
        {
            await folder.OpenAsync(FolderAccess.ReadOnly);
            foreach (var summary in await folder.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Envelope))
            {
                using var stream = await folder.GetStreamAsync(summary.UniqueId);
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer);
                var flags = (MessageFlags)0;
                var f = summary.Flags!.Value;
                if (f.HasFlag(KitFlags.Seen)) flags |= MessageFlags.Seen;
                if (f.HasFlag(KitFlags.Answered)) flags |= MessageFlags.Answered;
                if (f.HasFlag(KitFlags.Flagged)) flags |= MessageFlags.Flagged;
                if (f.HasFlag(KitFlags.Deleted)) flags |= MessageFlags.Deleted;
                if (f.HasFlag(KitFlags.Draft)) flags |= MessageFlags.Draft;
                var name = folder.FullName == "INBOX" ? "INBOX" : folder.FullName.Replace('.', '/');
                result[summary.Envelope!.MessageId!] = (name, flags, string.Join(' ', summary.Keywords.Order(StringComparer.Ordinal)), summary.InternalDate!.Value, buffer.ToArray());
            }
            await folder.CloseAsync();
        }
        await client.DisconnectAsync(true);
        return result;
    }

    /// <summary>Every message of the account by Message-ID, with its folder's full name.</summary>
    private async Task<Dictionary<string, (string Folder, MessageFlags Flags, string Keywords, DateTimeOffset Date, byte[] Raw)>> StoredAsync(long accountId)
    {
        var folders = await _store.Messages.GetFoldersAsync(accountId, default);
        var paths = new FolderPaths(folders);
        var result = new Dictionary<string, (string, MessageFlags, string, DateTimeOffset, byte[])>();
        foreach (var folder in folders)
        {
            var snapshot = (await _store.Messages.SnapshotAsync(accountId, folder.Id, default))!;
            var uids = snapshot.UidRuns.SelectMany(r => Enumerable.Range(0, r.Length).Select(i => r.First + i)).ToList();
            foreach (var message in await _store.Messages.GetMessagesAsync(accountId, folder.Id, uids, ImapMessageParts.Details | ImapMessageParts.Envelope, default))
            {
                var raw = (await _store.Messages.GetRawAsync(accountId, message.Id, default))!;
                var id = MimeMessage.Load(new MemoryStream(raw)).MessageId!;
                var keywords = string.Join(' ', message.Keywords.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
                result[id] = (paths.Name(folder), message.Flags, keywords, message.InternalDate, raw);
            }
        }
        return result;
    }

    private async Task<Folder> FolderOfAsync(long accountId, string messageId)
    {
        var folders = await _store.Messages.GetFoldersAsync(accountId, default);
        var name = (await StoredAsync(accountId))[messageId].Folder;
        return folders.Single(f => new FolderPaths(folders).Name(f) == name);
    }

    public async Task DisposeAsync()
    {
        await _dovecot.DisposeAsync();
        await _store.DisposeAsync();
    }
}
