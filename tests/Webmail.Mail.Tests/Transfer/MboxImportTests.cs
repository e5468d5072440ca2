using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Mail.Transfer;
using Webmail.Storage;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Transfer;

/// <summary>mbox imports (Google Takeout, Thunderbird, mutt), the export → import round trip, and hostile files.</summary>
public sealed class MboxImportTests : IAsyncDisposable
{
    private readonly TestStore _store = new();
    private readonly TempDirectory _files = new("webmail-import");

    private MailboxImporter Importer => _store.Services.GetRequiredService<MailboxImporter>();

    [Fact]
    public async Task GoogleTakeoutMboxOfTenThousandMessagesMapsLabelsToFoldersAndFlags()
    {
        var account = await _store.CreateAccountAsync("takeout@local.example");
        var path = _files.File("All mail Including Spam and Trash.mbox");
        // The labels cycle: Inbox+Opened, Inbox+Unread+Starred, Sent+Opened, a nested user label, two user labels, Spam, none (archived).
        string[] labels =
        [
            "Inbox,Opened,Important,Category Personal",
            "Inbox,Unread,Starred",
            "Sent,Opened",
            "Opened,\"Work/Clients, big\"",
            "Opened,Receipts,Travel",
            "Spam,Unread",
            "Archived,Opened",
        ];
        await using (var file = new StreamWriter(path, false, new UTF8Encoding(false)) { NewLine = "\r\n" })
        {
            for (var i = 0; i < 10_000; i++)
            {
                // Takeout writes CRLF line ends and a From line with a zone.
                await file.WriteLineAsync($"From 17{i:D8}@xxx Thu Dec 04 10:{i / 600 % 60:D2}:{i % 60:D2} +0000 2025");
                await file.WriteLineAsync($"X-GM-THRID: {1000 + i}");
                await file.WriteLineAsync($"X-Gmail-Labels: {labels[i % labels.Length]}");
                await file.WriteLineAsync($"Message-ID: <takeout-{i}@mail.gmail.com>");
                await file.WriteLineAsync("From: Someone <someone@gmail.example>");
                await file.WriteLineAsync("To: takeout@local.example");
                await file.WriteLineAsync($"Subject: Takeout message {i}");
                await file.WriteLineAsync("Date: Thu, 04 Dec 2025 10:00:00 +0000");
                await file.WriteLineAsync("");
                await file.WriteLineAsync($"Hello {i}.");
                await file.WriteLineAsync(">From the archive: quoted in mboxrd.");
                await file.WriteLineAsync("");
            }
        }
        var commitsBefore = _store.Database.Writer.Commits;

        var outcome = await Importer.RunAsync(account.Id, new MboxSource(path), null, null, null, default);

        // 10,000 messages, 1,428 of them ("Receipts,Travel") stored in two folders.
        var twoLabels = Enumerable.Range(0, 10_000).Count(i => i % labels.Length == 4);
        Assert.Equal((10_000L + twoLabels, 0L, 0L, false), (outcome.Imported, outcome.Duplicates, outcome.Failed, outcome.QuotaStopped));
        // One commit per batch of 200 (plus the folders it created), not one per message.
        Assert.InRange(_store.Database.Writer.Commits - commitsBefore, 1, (10_000 + twoLabels) / MailboxImporter.BatchMessages + 12);
        var folders = await _store.Messages.GetFoldersAsync(account.Id, default);
        var paths = new FolderPaths(folders);
        long Count(string name) => paths.Find(name)!.MessageCount;
        long Unread(string name) => paths.Find(name)!.UnreadCount;
        var perLabel = 10_000 / labels.Length; // 1,428, and the first four labels get one more
        Assert.Equal(2 * perLabel + 2, Count("INBOX"));
        Assert.Equal(perLabel + 1, Unread("INBOX"));
        Assert.Equal(perLabel + 1, Count("Sent"));
        Assert.Equal(perLabel + 1, Count("Work/Clients, big"));
        Assert.Equal(perLabel, Count("Receipts"));
        Assert.Equal(perLabel, Count("Travel"));
        Assert.Equal(perLabel, Count("Junk"));
        Assert.Equal(perLabel, Unread("Junk"));
        Assert.Equal(perLabel, Count("Archive"));
        var inboxFlagged = 0;
        for (var page = 0; page < 6; page++)
            inboxFlagged += (await _store.Messages.ListAsync(account.Id, paths.Find("INBOX")!.Id, page, 500, MessageSort.DateAscending, default)).Items.Count(m => m.Flags.HasFlag(MessageFlags.Flagged));
        Assert.Equal(perLabel + 1, inboxFlagged);

        // The bytes are the file's, with the mboxrd quote undone; the date comes from the From line.
        var inbox = paths.Find("INBOX")!;
        var first = (await _store.Messages.ListAsync(account.Id, inbox.Id, 0, 1, MessageSort.DateAscending, default)).Items[0];
        var raw = Encoding.UTF8.GetString((await _store.Messages.GetRawAsync(account.Id, first.Id, default))!);
        Assert.StartsWith("X-GM-THRID: 1000\r\nX-Gmail-Labels: Inbox,Opened,Important,Category Personal\r\n", raw);
        Assert.EndsWith("\r\n\r\nHello 0.\r\nFrom the archive: quoted in mboxrd.\r\n", raw);
        Assert.Equal(DateTimeOffset.Parse("2025-12-04T10:00:00Z"), first.InternalDate);

        // The same file again: every message is already there.
        var again = await Importer.RunAsync(account.Id, new MboxSource(path), null, null, null, default);
        Assert.Equal((0L, 10_000L + twoLabels), (again.Imported, again.Duplicates));
    }

    [Fact]
    public async Task ThunderbirdAndMuttStatusHeadersBecomeFlagsAndExpungedMessagesAreSkipped()
    {
        var account = await _store.CreateAccountAsync("tb@local.example");
        var path = _files.File("Inbox");
        await File.WriteAllTextAsync(path,
            "From - Mon Jan  6 09:30:00 2020\nX-Mozilla-Status: 0005\nMessage-ID: <a@x>\nSubject: read and flagged\n\nbody\n\n" +
            "From - Mon Jan  6 09:31:00 2020\nX-Mozilla-Status: 0009\nMessage-ID: <b@x>\nSubject: expunged\n\nbody\n\n" +
            "From - Mon Jan  6 09:32:00 2020\nX-Mozilla-Status: 1002\nMessage-ID: <c@x>\nSubject: replied, forwarded\n\nbody\n\n" +
            "From mutt@x Mon Jan  6 09:33:00 2020\nStatus: RO\nX-Status: AT\nMessage-ID: <d@x>\nSubject: mutt\n\nbody\n\n");

        var outcome = await Importer.RunAsync(account.Id, new MboxSource(path), null, null, null, default);

        Assert.Equal(3, outcome.Imported);
        var inbox = await _store.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        var messages = (await _store.Messages.ListAsync(account.Id, inbox.Id, 0, 10, MessageSort.DateAscending, default)).Items;
        Assert.Equal(["read and flagged", "replied, forwarded", "mutt"], messages.Select(m => m.Subject));
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, messages[0].Flags);
        Assert.Equal(MessageFlags.Answered, messages[1].Flags);
        Assert.Equal("$Forwarded", messages[1].Keywords);
        Assert.Equal(MessageFlags.Seen | MessageFlags.Answered | MessageFlags.Draft, messages[2].Flags);
        Assert.Equal(new DateTimeOffset(2020, 1, 6, 9, 30, 0, TimeSpan.Zero), messages[0].InternalDate);
    }

    [Fact]
    public async Task ExportThenImportKeepsTheBytesInMboxAndZip()
    {
        var source = await _store.CreateAccountAsync("from@local.example");
        var work = await _store.Messages.CreateFolderAsync(source.Id, "Work", null, default);
        var inbox = await _store.Messages.GetSpecialFolderAsync(source.Id, SpecialFolder.Inbox, default);
        byte[][] messages =
        [
            Encoding.UTF8.GetBytes("Message-ID: <1@x>\r\nSubject: plain\r\n\r\nline\r\n"),
            Encoding.UTF8.GetBytes("Message-ID: <2@x>\r\nSubject: tricky\r\n\r\nFrom the start of a line\r\n>From quoted once\r\n>>From quoted twice\r\n\r\n\r\nFrom \r\n"),
            Encoding.UTF8.GetBytes("Message-ID: <3@x>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nd\u00e9j\u00e0 vu\r\n"),
        ];
        var stored = new List<byte[]>();
        for (var i = 0; i < messages.Length; i++)
        {
            await _store.Messages.AppendAsync(source.Id, i == 1 ? work.Id : inbox.Id, messages[i], MessageFlags.Seen, DateTimeOffset.Parse("2024-05-0" + (i + 1) + "T12:00:00Z"), true, default);
            stored.Add(messages[i]);
        }
        var exporter = _store.Services.GetRequiredService<MailboxExporter>();
        foreach (var format in new[] { ExportFormat.Mbox, ExportFormat.Zip })
        {
            var file = _files.File("export." + format);
            await using (var output = File.Create(file))
                Assert.Equal(3, await exporter.ExportAsync(source.Id, null, format, output, null, default));
            var target = await _store.CreateAccountAsync($"to-{format}@local.example".ToLowerInvariant());

            var outcome = await Importer.RunAsync(target.Id, format == ExportFormat.Mbox ? new MboxSource(file) : new EmlZipSource(file), null, null, null, default);

            Assert.Equal(3, outcome.Imported);
            var imported = new List<byte[]>();
            foreach (var folder in await _store.Messages.GetFoldersAsync(target.Id, default))
            {
                foreach (var summary in (await _store.Messages.ListAsync(target.Id, folder.Id, 0, 10, MessageSort.DateAscending, default)).Items)
                {
                    imported.Add((await _store.Messages.GetRawAsync(target.Id, summary.Id, default))!);
                    Assert.Equal(DateTimeOffset.Parse($"2024-05-0{Array.FindIndex(messages, m => m.AsSpan().SequenceEqual(imported[^1])) + 1}T12:00:00Z"), summary.InternalDate);
                }
            }
            Assert.Equal(stored.Select(Convert.ToBase64String).Order(), imported.Select(Convert.ToBase64String).Order());
            if (format == ExportFormat.Zip)
            {
                // The zip keeps the folders.
                var work2 = new FolderPaths(await _store.Messages.GetFoldersAsync(target.Id, default)).Find("Work")!;
                Assert.Equal(1, work2.MessageCount);
            }
        }
    }

    [Fact]
    public async Task MboxExportWritesTheFlagsInStatusHeadersAndTheImportReadsThemBackWithTheSameBytes()
    {
        var source = await _store.CreateAccountAsync("flags-from@local.example");
        var inbox = await _store.Messages.GetSpecialFolderAsync(source.Id, SpecialFolder.Inbox, default);
        IImapStore imap = _store.Messages;
        var cases = new (string Raw, MessageFlags Flags, string[] Keywords)[]
        {
            ("Message-ID: <read@x>\r\nSubject: read, replied, forwarded\r\n\r\nFrom here on\r\nStatus: RO in the body stays\r\n", MessageFlags.Seen | MessageFlags.Answered, ["$Forwarded", "ProjectX"]),
            ("Message-ID: <new@x>\r\nSubject: unread\r\n\r\n>From quoted\r\n", MessageFlags.None, []),
            ("Message-ID: <all@x>\r\nSubject: flagged draft deleted\r\n\r\nx\r\n", MessageFlags.Flagged | MessageFlags.Draft | MessageFlags.Deleted, ["$Label1"]),
            // Status fields of an mbox imported long ago (and now stale): the export writes the flags it has now instead.
            ("Message-ID: <stale@x>\r\nStatus: RO\r\nX-Status: AF\r\n  continued\r\nSubject: stale\r\nX-Keywords: Old\r\n\r\nbody\r\n", MessageFlags.Seen, []),
        };
        for (var i = 0; i < cases.Length; i++)
            await imap.AppendAsync(source.Id, inbox.Id, Encoding.ASCII.GetBytes(cases[i].Raw), cases[i].Flags, cases[i].Keywords, DateTimeOffset.Parse($"2024-05-0{i + 1}T12:00:00Z"), default);
        var file = _files.File("flags.mbox");
        await using (var output = File.Create(file))
            await _store.Services.GetRequiredService<MailboxExporter>().ExportAsync(source.Id, inbox.Id, ExportFormat.Mbox, output, null, default);

        // As mutt and Dovecot write them: at the end of the header; X-Status and X-Keywords only when there is something to say.
        var text = await File.ReadAllTextAsync(file);
        Assert.Contains("Subject: read, replied, forwarded\nStatus: RO\nX-Status: A\nX-Keywords: $Forwarded ProjectX\n\n>From here on\nStatus: RO in the body stays\n", text, StringComparison.Ordinal);
        Assert.Contains("Subject: unread\nStatus: O\n\n>>From quoted\n", text, StringComparison.Ordinal);
        Assert.Contains("Subject: flagged draft deleted\nStatus: O\nX-Status: FDT\nX-Keywords: $Label1\n\n", text, StringComparison.Ordinal);
        Assert.Contains("Message-ID: <stale@x>\nSubject: stale\nStatus: RO\n\nbody\n", text, StringComparison.Ordinal);

        var target = await _store.CreateAccountAsync("flags-to@local.example");
        var outcome = await Importer.RunAsync(target.Id, new MboxSource(file), null, null, null, default);

        Assert.Equal(4, outcome.Imported);
        var targetInbox = await _store.Messages.GetSpecialFolderAsync(target.Id, SpecialFolder.Inbox, default);
        var imported = (await _store.Messages.ListAsync(target.Id, targetInbox.Id, 0, 10, MessageSort.DateAscending, default)).Items;
        for (var i = 0; i < cases.Length; i++)
        {
            Assert.Equal(cases[i].Flags, imported[i].Flags);
            Assert.Equal(cases[i].Keywords, imported[i].KeywordList);
            var expected = i == 3 ? "Message-ID: <stale@x>\r\nSubject: stale\r\n\r\nbody\r\n" : cases[i].Raw;
            Assert.Equal(expected, Encoding.ASCII.GetString((await _store.Messages.GetRawAsync(target.Id, imported[i].Id, default))!));
        }
    }

    [Fact]
    public async Task HostileZipEntriesAreRefusedOneByOneAndTheRestImported()
    {
        var account = await _store.CreateAccountAsync("zip@local.example");
        var path = _files.File("hostile.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            void Add(string name, byte[] content, CompressionLevel level = CompressionLevel.Optimal)
            {
                using var stream = zip.CreateEntry(name, level).Open();
                stream.Write(content);
            }
            Add("good.eml", "Message-ID: <good@x>\r\nSubject: good\r\n\r\nok\r\n"u8.ToArray());
            Add("../../etc/evil.eml", "Subject: traversal\r\n\r\nx\r\n"u8.ToArray());
            Add("/abs.eml", "Subject: absolute\r\n\r\nx\r\n"u8.ToArray());
            Add("C:/windows.eml", "Subject: drive\r\n\r\nx\r\n"u8.ToArray());
            // A bomb: 30 MB of one byte compresses about a thousand to one.
            Add("bomb.eml", Enumerable.Repeat((byte)'a', 30 * 1024 * 1024).ToArray());
            Add("Sub/Deeper/nested.eml", "Message-ID: <nested@x>\r\nSubject: nested\r\n\r\nok\r\n"u8.ToArray());
            Add("readme.txt", "not mail"u8.ToArray());
        }

        var outcome = await Importer.RunAsync(account.Id, new EmlZipSource(path), null, null, null, default);

        Assert.Equal((2L, 4L), (outcome.Imported, outcome.Failed));
        Assert.Equal(1, new FolderPaths(await _store.Messages.GetFoldersAsync(account.Id, default)).Find("Sub/Deeper")!.MessageCount);
    }

    [Fact]
    public async Task ZipWithTooManyEntriesIsRefusedBeforeAnythingIsRead()
    {
        var account = await _store.CreateAccountAsync("many@local.example");
        var path = _files.File("many.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            for (var i = 0; i < 30; i++)
                zip.CreateEntry($"{i}.eml");
        }
        var importer = new MailboxImporter(_store.Services.GetRequiredService<IImportStore>(), _store.Messages, _store.Messages,
            new TestOptions(o => o.Import.MaxZipEntries = 20), Microsoft.Extensions.Logging.Abstractions.NullLogger<MailboxImporter>.Instance);

        var error = await Assert.ThrowsAsync<ImportException>(() => importer.RunAsync(account.Id, new EmlZipSource(path), null, null, null, default));

        Assert.Equal("The zip has 30 entries; at most 20 are imported at once.", error.Message);
        Assert.Equal(0, (await _store.Directory.GetAccountAsync(account.Id, default))!.MessageCount);
    }

    [Fact]
    public async Task MalformedMboxIsRefusedAndOversizeMessagesAreCountedNotStored()
    {
        var account = await _store.CreateAccountAsync("bad@local.example");
        var notMbox = _files.File("letter.txt");
        await File.WriteAllTextAsync(notMbox, "Dear friend,\nthis is not an mbox.\n");
        var error = await Assert.ThrowsAsync<ImportException>(() => Importer.RunAsync(account.Id, new MboxSource(notMbox), null, null, null, default));
        Assert.Equal("This is not an mbox file: it does not start with a 'From ' line.", error.Message);

        var big = _files.File("big.mbox");
        var limit = new TestOptions(o => o.Limits.MaxMessageSize = 10_000);
        await File.WriteAllTextAsync(big, "From a@x Mon Jan  6 09:30:00 2020\nMessage-ID: <small@x>\n\nsmall\n\n"
            + "From a@x Mon Jan  6 09:30:00 2020\nMessage-ID: <big@x>\n\n" + string.Concat(Enumerable.Repeat(new string('x', 99) + "\n", 200)) + "\n"
            + "From a@x Mon Jan  6 09:30:00 2020\nMessage-ID: <after@x>\n\nafter\n\n");
        var importer = new MailboxImporter(_store.Services.GetRequiredService<IImportStore>(), _store.Messages, _store.Messages, limit,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<MailboxImporter>.Instance);

        var outcome = await importer.RunAsync(account.Id, new MboxSource(big), null, null, null, default);

        Assert.Equal((2L, 1L), (outcome.Imported, outcome.Failed));
        Assert.Equal("Imported 2 messages, 1 could not be imported.", outcome.Message);
    }

    [Fact]
    public async Task FullMailboxStopsTheImportWithAClearMessage()
    {
        var account = await _store.CreateAccountAsync("full@local.example", quota: 2_000);
        var path = _files.File("quota.mbox");
        await File.WriteAllTextAsync(path, string.Concat(Enumerable.Range(0, 10).Select(i =>
            $"From a@x Mon Jan  6 09:30:00 2020\nMessage-ID: <q{i}@x>\nSubject: {i}\n\n{new string('z', 400)}\n\n")));

        var outcome = await Importer.RunAsync(account.Id, new MboxSource(path), null, null, null, default);

        Assert.True(outcome.QuotaStopped);
        Assert.Equal(4, outcome.Imported); // 4 × ~440 bytes fit in 2,000
        Assert.StartsWith("Stopped: the mailbox is full (its quota is reached) after 4 messages.", outcome.Message);
        Assert.Equal(4, (await _store.Directory.GetAccountAsync(account.Id, default))!.MessageCount);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        _files.Dispose();
    }
}
