using System.IO.Compression;
using System.Text;
using Microsoft.Playwright;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Web.Tests.Transfer;

/// <summary>Settings → Import and export in Chromium: upload an mbox, follow the job to its end, download an export.</summary>
public sealed class ImportExportFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task UploadedMboxImportsInTheBackgroundWithProgressAndAnExportDownloads()
    {
        var account = await web.NewAccountAsync("importer");
        using var files = new TempDirectory("webmail-upload");
        var mbox = files.File("old-mail.mbox");
        var text = new StringBuilder();
        for (var i = 0; i < 600; i++)
            text.Append($"From sender@old.example Mon Jan  6 09:{i / 60 % 60:D2}:{i % 60:D2} 2020\nMessage-ID: <up{i}@old.example>\nFrom: Old <sender@old.example>\nSubject: Uploaded {i}\n" +
                        (i % 2 == 0 ? "Status: RO\n" : "") + $"\nBody {i}\n\n");
        // One message no mail program writes: a line of 1.5 MB. It is counted and named, the rest imported.
        text.Append("From broken@old.example Mon Jan  6 10:00:00 2020\nMessage-ID: <long@old.example>\n\n" + new string('x', 1536 * 1024) + "\n\n");
        await File.WriteAllTextAsync(mbox, text.ToString());

        var page = await web.SignInAsync(account);
        await page.GotoAsync(web.Server.BaseUrl + "/settings");
        await Browser.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Open import and export" }).ClickAsync();
        // Settings has an "Import and export" heading too: the import page is there when its URL is.
        await page.WaitForURLAsync("**/settings/import");
        await Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByText("No imports yet.")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "import-empty");

        await page.GetByLabel("File to import").SetInputFilesAsync(mbox);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import file" }).ClickAsync();

        // The job's row: its source, then (once done) the counts and the closing message.
        var row = page.GetByRole(AriaRole.Listitem, new() { Name = "Import of old-mail.mbox" });
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await WebFixture.ScreenshotAsync(page, "import-running");
        await Assertions.Expect(row.GetByText("Done", new() { Exact = true })).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(row).ToContainTextAsync("601 of 601 messages · 600 imported · 0 already there · 1 failed");
        await Assertions.Expect(row).ToContainTextAsync("Imported 600 messages, 1 could not be imported.");
        await row.GetByText("1 problem").ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("message 601: a line is longer than 1,024 KB");
        await WebFixture.ScreenshotAsync(page, "import-done");
        var inbox = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        Assert.Equal(600, inbox.MessageCount);
        Assert.Equal(300, inbox.UnreadCount);

        // The job survives the page: a reload shows it from the store.
        await page.ReloadAsync();
        await Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem, new() { Name = "Import of old-mail.mbox" })).ToContainTextAsync("600 imported");

        // Export the inbox as a zip: the download has every message.
        await page.GetByLabel("Folder to export").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "INBOX", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Listbox)).ToHaveCountAsync(0);
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download" }).ClickAsync());
        var saved = files.File("export.zip");
        await download.SaveAsAsync(saved);
        Assert.Equal($"{account.Address}-Inbox.zip", download.SuggestedFilename);
        using (var zip = ZipFile.OpenRead(saved))
            Assert.Equal(600, zip.Entries.Count(e => e.FullName.StartsWith("INBOX/", StringComparison.Ordinal)));

        // A phone-sized screen and the dark theme, looked at.
        await page.SetViewportSizeAsync(390, 844);
        await WebFixture.ScreenshotAsync(page, "import-phone");
    }

    [Fact]
    public async Task UploadedMaildirZipIsRecognisedAndImportedWithItsFoldersAndFlags()
    {
        var account = await web.NewAccountAsync("maildir");
        using var files = new TempDirectory("webmail-upload");
        var path = files.File("mail-backup.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            void Add(string name, string subject)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write($"Message-ID: <{subject}@maildir.example>\nFrom: someone@maildir.example\nSubject: {subject}\n\nBody.\n");
            }
            Add("Maildir/cur/1700000000.M1P1.host:2,S", "Read one");
            Add("Maildir/new/1700000001.M2P1.host", "Unread one");
            Add("Maildir/.Projects.Alpha/cur/1700000002.M3P1.host:2,FRS", "Flagged and replied");
            Add("Maildir/../outside/cur/1700000003.M4P1.host:2,S", "Escaping");
        }

        var page = await web.SignInAsync(account);
        await page.GotoAsync(web.Server.BaseUrl + "/settings/import");
        await Browser.WaitForInteractiveAsync(page);
        await page.GetByLabel("File to import").SetInputFilesAsync(path);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import file" }).ClickAsync();

        var row = page.GetByRole(AriaRole.Listitem, new() { Name = "Import of mail-backup.zip" });
        await Assertions.Expect(row.GetByText("Done", new() { Exact = true })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(row).ToContainTextAsync("4 of 4 messages · 3 imported · 0 already there · 1 failed");
        await row.GetByText("1 problem").ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("Maildir/../outside/cur/1700000003.M4P1.host:2,S: refused, the name leaves the zip");
        await WebFixture.ScreenshotAsync(page, "import-maildir-done");

        var paths = new FolderPaths(await web.Server.Messages.GetFoldersAsync(account.Id, default));
        var inbox = paths.Find("INBOX")!;
        Assert.Equal((2L, 1L), (inbox.MessageCount, inbox.UnreadCount));
        var alpha = paths.Find("Projects/Alpha")!;
        var flagged = Assert.Single((await web.Server.Messages.ListAsync(account.Id, alpha.Id, 0, 10, MessageSort.DateAscending, default)).Items);
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged | MessageFlags.Answered, flagged.Flags);
    }

    [Fact]
    public async Task ExportOfAnotherAccountsFolderIsNotFound()
    {
        var owner = await web.NewAccountAsync("owner");
        var other = await web.NewAccountAsync("other");
        var folder = new FolderPaths(await web.Server.Messages.GetFoldersAsync(owner.Id, default)).Find("INBOX")!;
        var page = await web.SignInAsync(other);

        var response = await page.APIRequest.GetAsync($"{web.Server.BaseUrl}/export?format=mbox&folder={folder.Id}");

        Assert.Equal(404, response.Status);
        Assert.Equal(400, (await page.APIRequest.GetAsync($"{web.Server.BaseUrl}/export?format=tar")).Status);
    }
}
