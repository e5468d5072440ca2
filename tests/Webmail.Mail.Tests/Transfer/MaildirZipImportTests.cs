using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Mail.Transfer;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Transfer;

/// <summary>A zip of a Maildir tree, as Settings → Import takes it: recognised by its entries, imported through MaildirSource, bounded.</summary>
public sealed class MaildirZipImportTests : IAsyncDisposable
{
    private readonly TestStore _store = new();
    private readonly TempDirectory _files = new("webmail-maildir-zip");

    private MailboxImporter Importer => _store.Services.GetRequiredService<MailboxImporter>();

    private static void Add(ZipArchive zip, string name, string content, DateTimeOffset? time = null, CompressionLevel level = CompressionLevel.Optimal)
    {
        var entry = zip.CreateEntry(name, level);
        if (time is { } t)
            entry.LastWriteTime = t;
        using var stream = entry.Open();
        stream.Write(Encoding.ASCII.GetBytes(content));
    }

    private static string Message(string id) => $"Message-ID: <{id}@maildir.example>\nFrom: Someone <someone@maildir.example>\nSubject: {id}\n\nBody of {id}.\n";

    [Fact]
    public async Task AZippedDovecotMaildirKeepsItsFoldersFlagsKeywordsAndDates()
    {
        var account = await _store.CreateAccountAsync("maildir@local.example");
        var path = _files.File("Maildir.zip");
        var date = new DateTimeOffset(2023, 3, 14, 15, 9, 26, TimeSpan.Zero);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            // As `zip -r Maildir.zip Maildir` makes it: the folder around the tree, Dovecot's own files beside the mail.
            zip.CreateEntry("Maildir/");
            Add(zip, "Maildir/cur/1678806566.M1P1.host,S=120:2,S", Message("read"), date);
            Add(zip, "Maildir/cur/1678806567.M2P1.host,S=120:2,FR", Message("flagged-replied"), date.AddMinutes(1));
            Add(zip, "Maildir/new/1678806568.M3P1.host,S=120", Message("new"), date.AddMinutes(2));
            Add(zip, "Maildir/tmp/1678806569.M4P1.host", Message("half-delivered"));
            Add(zip, "Maildir/dovecot-uidlist", "3 V1678806500 N4\n");
            Add(zip, "Maildir/dovecot.index.log", "binary");
            Add(zip, "Maildir/.Work.Clients/cur/1678806570.M5P1.host:2,PSa", Message("client"), date.AddMinutes(3));
            Add(zip, "Maildir/.Work.Clients/dovecot-keywords", "0 $Label1\n1 Urgent\n");
            Add(zip, "Maildir/.Sent/cur/1678806571.M6P1.host:2,S", Message("sent"), date.AddMinutes(4));
        }
        Assert.Equal("maildir", ImportZip.KindOf(path, Importer.Limits));

        var outcome = await Importer.RunAsync(account.Id, new MaildirZipSource(path), null, null, null, default);

        Assert.Equal((5L, 0L, 0L), (outcome.Imported, outcome.Duplicates, outcome.Failed));
        var paths = new FolderPaths(await _store.Messages.GetFoldersAsync(account.Id, default));
        async Task<IReadOnlyList<MessageSummary>> ListAsync(string folder) =>
            (await _store.Messages.ListAsync(account.Id, paths.Find(folder)!.Id, 0, 10, MessageSort.DateAscending, default)).Items;
        var inbox = await ListAsync("INBOX");
        Assert.Equal(["read", "flagged-replied", "new"], inbox.Select(m => m.Subject));
        Assert.Equal([MessageFlags.Seen, MessageFlags.Flagged | MessageFlags.Answered, MessageFlags.None], inbox.Select(m => m.Flags));
        Assert.Equal(date, inbox[0].InternalDate);
        var client = Assert.Single(await ListAsync("Work/Clients"));
        Assert.Equal(MessageFlags.Seen, client.Flags);
        Assert.Equal(["$Forwarded", "$Label1"], client.KeywordList);
        Assert.Equal(date.AddMinutes(3), client.InternalDate);
        Assert.Equal("sent", Assert.Single(await ListAsync("Sent")).Subject); // the standard Sent folder, not a new one
        Assert.Equal("Message-ID: <read@maildir.example>\r\nFrom: Someone <someone@maildir.example>\r\nSubject: read\r\n\r\nBody of read.\r\n",
            Encoding.ASCII.GetString((await _store.Messages.GetRawAsync(account.Id, inbox[0].Id, default))!));
        // What was unpacked is gone once read.
        Assert.False(Directory.Exists(MaildirZipSource.WorkDirectoryOf(path)));
    }

    [Fact]
    public void AZipOfEmlFilesIsNotTakenForAMaildir()
    {
        var path = _files.File("eml.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            Add(zip, "INBOX/000001.eml", Message("a"));
            Add(zip, "Work/current/000002.eml", Message("b"));
        }

        Assert.Equal("eml", ImportZip.KindOf(path, Importer.Limits));
    }

    [Fact]
    public async Task HostileEntriesAreRefusedOneByOneAndNothingIsWrittenOutsideTheZipsDirectory()
    {
        var account = await _store.CreateAccountAsync("hostile-maildir@local.example");
        var path = _files.File("hostile.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            Add(zip, "cur/1.host:2,S", Message("good"));
            Add(zip, "cur/../../escaped/cur/2.host:2,S", Message("traversal"));
            Add(zip, "../cur/3.host:2,S", Message("up"));
            Add(zip, "/abs/cur/4.host:2,S", Message("absolute"));
            Add(zip, "C:/cur/5.host:2,S", Message("drive"));
            // A bomb: 30 MB of one byte compresses about a thousand to one.
            Add(zip, "new/6.host", new string('a', 30 * 1024 * 1024));
        }

        var outcome = await Importer.RunAsync(account.Id, new MaildirZipSource(path), null, null, null, default);

        Assert.Equal((1L, 5L), (outcome.Imported, outcome.Failed));
        // Beside the zip there is nothing: no "escaped" folder, and the unpacked tree is gone.
        Assert.Equal(["hostile.zip"], Directory.EnumerateFileSystemEntries(_files.Path).Select(Path.GetFileName));
        var inbox = await _store.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        Assert.Equal("good", Assert.Single((await _store.Messages.ListAsync(account.Id, inbox.Id, 0, 10, MessageSort.DateAscending, default)).Items).Subject);
    }

    [Fact]
    public async Task AZipOverItsBoundsIsRefusedBeforeAnythingIsUnpacked()
    {
        var account = await _store.CreateAccountAsync("bounded-maildir@local.example");
        var many = _files.File("many.zip");
        using (var zip = ZipFile.Open(many, ZipArchiveMode.Create))
        {
            for (var i = 0; i < 30; i++)
                Add(zip, $"cur/{i}.host:2,S", Message($"m{i}"));
        }
        var big = _files.File("big.zip");
        using (var zip = ZipFile.Open(big, ZipArchiveMode.Create))
        {
            for (var i = 0; i < 3; i++)
                Add(zip, $"cur/{i}.host:2,S", Message($"b{i}") + new string('x', 400_000));
        }
        var importer = new MailboxImporter(_store.Services.GetRequiredService<IImportStore>(), _store.Messages, _store.Messages,
            new TestOptions(o => { o.Import.MaxZipEntries = 20; o.Import.MaxZipBytes = 1_000_000; }), NullLogger<MailboxImporter>.Instance);

        var tooMany = await Assert.ThrowsAsync<ImportException>(() => importer.RunAsync(account.Id, new MaildirZipSource(many), null, null, null, default));
        var tooBig = await Assert.ThrowsAsync<ImportException>(() => importer.RunAsync(account.Id, new MaildirZipSource(big), null, null, null, default));

        Assert.Equal("The zip has 30 entries; at most 20 are imported at once.", tooMany.Message);
        Assert.StartsWith("The zip unpacks to ", tooBig.Message, StringComparison.Ordinal);
        Assert.EndsWith(" are imported at once.", tooBig.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await _store.Directory.GetAccountAsync(account.Id, default))!.MessageCount);
        Assert.False(Directory.Exists(MaildirZipSource.WorkDirectoryOf(many)));
        Assert.False(Directory.Exists(MaildirZipSource.WorkDirectoryOf(big)));
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        _files.Dispose();
    }
}
