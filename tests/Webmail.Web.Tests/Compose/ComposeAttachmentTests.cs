using System.Security.Cryptography;
using Microsoft.Playwright;
using MimeKit;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Web.Tests.Compose;

/// <summary>Attachments uploaded from Chromium, sent, and fetched by the recipient over POP3.</summary>
[Collection(ComposeCollection.Name)]
public sealed class ComposeAttachmentTests(ComposeFixture fixture) : IDisposable
{
    private readonly TempDirectory _files = new("compose-files");

    public void Dispose() => _files.Dispose();

    private string WriteRandomFile(string name, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var path = Path.Combine(_files.Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static async Task<byte[]> DecodeAsync(MimeEntity entity)
    {
        using var decoded = new MemoryStream();
        await ((MimePart)entity).Content!.DecodeToAsync(decoded);
        return decoded.ToArray();
    }

    [Fact]
    public async Task TenMegabyteFileFromThePickerShowsProgressAndReachesRecipientIdenticalOverPop3()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var path = WriteRandomFile("holiday.mov", 10 * 1024 * 1024, 10);
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(betty.Address);
        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync("Big file");

        var chooser = await page.RunAndWaitForFileChooserAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Attach", Exact = true }).ClickAsync());
        await chooser.SetFilesAsync(path);
        var progress = page.GetByRole(AriaRole.Progressbar, new() { Name = "Upload progress" });
        await progress.WaitForAsync(new() { Timeout = 20_000 });
        await page.GetByRole(AriaRole.List, new() { Name = "Attached files" }).GetByText("holiday.mov (10 MB)").WaitForAsync(new() { Timeout = 120_000 });
        Assert.Equal(0, await progress.CountAsync());
        await ComposeFixture.SendAsync(page);
        await fixture.WaitForAsync(betty, SpecialFolder.Inbox, timeoutMs: 30_000);

        var fetched = Assert.Single(await fixture.FetchOverPop3Async(betty));
        Assert.Equal("Big file", fetched.Subject);
        var attachment = Assert.Single(fetched.Attachments);
        Assert.Equal("holiday.mov", ((MimePart)attachment).FileName);
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(path)), SHA256.HashData(await DecodeAsync(attachment)));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DroppedFilesAreAttachedAndReachRecipientIdenticalOverPop3()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(betty.Address);
        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync("Dropped");

        // What the browser hands a drop target when files are dragged in from the desktop.
        var transfer = await page.EvaluateHandleAsync("""
            () => {
                const bytes = new Uint8Array(700000);
                for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
                const dt = new DataTransfer();
                dt.items.add(new File([bytes], "scan.bin", { type: "application/octet-stream" }));
                dt.items.add(new File(["plain notes\r\n"], "notes.txt", { type: "text/plain" }));
                return dt;
            }
            """);
        await page.DispatchEventAsync(".compose-dropzone", "dragover", new { dataTransfer = transfer });
        await page.DispatchEventAsync(".compose-dropzone", "drop", new { dataTransfer = transfer });
        var list = page.GetByRole(AriaRole.List, new() { Name = "Attached files" });
        await list.GetByText("scan.bin").WaitForAsync(new() { Timeout = 30_000 });
        await list.GetByText("notes.txt").WaitForAsync(new() { Timeout = 30_000 });
        await ComposeFixture.SendAsync(page);
        await fixture.WaitForAsync(betty, SpecialFolder.Inbox);

        var fetched = Assert.Single(await fixture.FetchOverPop3Async(betty));
        var attachments = fetched.Attachments.Cast<MimePart>().ToDictionary(p => p.FileName!);
        var expected = Enumerable.Range(0, 700000).Select(i => (byte)((i * 31 + (i >> 8)) & 0xff)).ToArray();
        Assert.Equal(expected, await DecodeAsync(attachments["scan.bin"]));
        Assert.Equal("plain notes\r\n"u8.ToArray(), await DecodeAsync(attachments["notes.txt"]));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FileOverTheLimitIsRefusedAndTheLimitIsShown()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var path = Path.Combine(_files.Path, "huge.iso");
        await using (var file = File.Create(path))
            file.SetLength(26 * 1024 * 1024);
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");

        await page.GetByText("up to 25 MB per message").WaitForAsync();
        await page.Locator("#compose-attach-input").SetInputFilesAsync(path);

        var alert = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "huge.iso" });
        await alert.WaitForAsync();
        Assert.Contains("does not fit: a message can be at most 25 MB", await alert.InnerTextAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.List, new() { Name = "Attached files" }).CountAsync());
        await page.Context.CloseAsync();
    }
}
