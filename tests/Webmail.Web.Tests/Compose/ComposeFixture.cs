using MailKit.Net.Pop3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Compose;

/// <summary>One server shared by the composer's browser tests, and the run's one Chromium (<see cref="SharedWeb"/>); each test makes its own accounts.</summary>
public sealed class ComposeFixture : IAsyncLifetime
{
    private int _next;

    public TestServer Server { get; private set; } = default!;
    public Browser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        // b.example is "remote": its route points at a closed loopback port, so a message for it is
        // queued and deferred (never bounced by a DNS answer that depends on the machine).
        Server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Delivery:Routes:b.example"] = $"127.0.0.1:{FreePort.Next()}" });
        Browser = await SharedWeb.BrowserAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Server.DisposeAsync();
    }

    /// <summary>A fresh account on the local domain, e.g. <c>lucy3@local.example</c>.</summary>
    /// <remarks>Undo send is off for these accounts, so a Send is in the recipients' mailboxes at once; the undo-send tests turn it on.</remarks>
    public async Task<Account> NewAccountAsync(string name)
    {
        var account = await Server.CreateAccountAsync($"{name}{Interlocked.Increment(ref _next)}@local.example");
        await SetUndoSendAsync(account, 0);
        return account;
    }

    /// <summary>Sets the account's undo-send delay (0 = off) as the settings page does.</summary>
    public async Task SetUndoSendAsync(Account account, int seconds)
    {
        var settings = await Server.Directory.GetSettingsAsync(account.Id, default);
        await Server.Directory.SaveSettingsAsync(account.Id, settings with { UndoSendSeconds = seconds }, default);
    }

    /// <summary>A fresh account with a display name and a signature, set through the directory as the settings page does.</summary>
    public async Task<Account> NewAccountAsync(string name, string displayName, string signature)
    {
        var address = $"{name}{Interlocked.Increment(ref _next)}@local.example";
        var directory = Server.Services.GetRequiredService<DirectoryService>();
        if (await Server.Directory.FindDomainAsync("local.example", default) is null)
            await directory.AddDomainAsync("local.example", "test", default);
        var account = await directory.CreateAccountAsync(address, Password, displayName, false, null, "test", default);
        var settings = await Server.Directory.GetSettingsAsync(account.Id, default);
        await Server.Directory.SaveSettingsAsync(account.Id, settings with { Signature = signature, UndoSendSeconds = 0 }, default);
        return account;
    }

    public const string Password = "correct horse";

    /// <summary>Files <paramref name="message"/> in the account's INBOX as an arriving message; returns its id.</summary>
    public async Task<long> DeliverAsync(Account account, MimeMessage message)
    {
        using var raw = new MemoryStream();
        await message.WriteToAsync(Webmail.Compose.MessageComposer.StorageFormat, raw);
        var receipt = await Server.Messages.DeliverAsync(new DeliveryRequest(raw.ToArray(), [new MailboxDelivery(account.Id, SpecialFolder.Inbox)]), default);
        return receipt.Mailboxes[0].Message!.Id;
    }

    /// <summary>Every message of the account's maildrop, fetched with MailKit over the server's POP3 port.</summary>
    public async Task<IReadOnlyList<MimeMessage>> FetchOverPop3Async(Account account)
    {
        using var client = new Pop3Client();
        await client.ConnectAsync("127.0.0.1", Server.Pop3Port, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(account.Address, Password);
        var messages = new List<MimeMessage>();
        for (var i = 0; i < client.Count; i++)
            messages.Add(await client.GetMessageAsync(i));
        await client.DisconnectAsync(true);
        return messages;
    }

    /// <summary>A signed-in page for <paramref name="account"/>.</summary>
    public async Task<IPage> SignInAsync(Account account, int width = 1400, int height = 900)
    {
        var page = await Browser.NewPageAsync(width, height);
        await Browser.SignInWithFormPostAsync(page, Server, account.Address);
        return page;
    }

    /// <summary>Opens a composer URL and waits for the circuit and the form, with the Cc and Bcc fields shown.</summary>
    public async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(Server.BaseUrl + path);
        await Browser.WaitForInteractiveAsync(page);
        await page.GetByLabel("Subject", new() { Exact = true }).WaitForAsync();
        await ShowCopyFieldsAsync(page);
    }

    /// <summary>Clicks Add Cc and Add Bcc where the fields are still behind their links.</summary>
    public static async Task ShowCopyFieldsAsync(IPage page)
    {
        foreach (var (link, field) in new[] { ("Add Cc", "#compose-cc"), ("Add Bcc", "#compose-bcc") })
        {
            var button = page.GetByRole(AriaRole.Button, new() { Name = link, Exact = true });
            if (await button.CountAsync() > 0)
            {
                await button.ClickAsync();
                await page.Locator(field).WaitForAsync();
            }
        }
    }

    /// <summary>An address field's text as the composer holds it: its chips and what is still being typed, comma-separated.</summary>
    public static async Task<string> AddressesAsync(IPage page, string label) =>
        await page.Locator($"#compose-{label.ToLowerInvariant()}").EvaluateAsync<string>("el => el.closest('.compose-address').dataset.value");

    /// <summary>Clicks Send and waits until the composer (a page or docked) has gone; fails with the composer's message if it refused.</summary>
    public static async Task SendAsync(IPage page)
    {
        var form = page.Locator(".compose-form");
        await form.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        var alerts = form.GetByRole(AriaRole.Alert); // not the "Message sent" snackbar
        for (var until = DateTime.UtcNow.AddSeconds(30); await form.CountAsync() > 0; await Task.Delay(100))
        {
            if (await alerts.CountAsync() > 0)
            {
                var refusal = await alerts.First.InnerTextAsync();
                Assert.Fail("The composer refused to send: " + refusal);
            }
            Assert.True(DateTime.UtcNow < until, "the composer neither sent nor said why within 30 s");
        }
    }

    /// <summary>The messages of one folder, newest first, parsed.</summary>
    public async Task<IReadOnlyList<(MessageSummary Summary, MimeMessage Message)>> FolderAsync(Account account, SpecialFolder special)
    {
        var folder = await Server.Messages.GetSpecialFolderAsync(account.Id, special, default);
        var page = await Server.Messages.ListAsync(account.Id, folder.Id, 0, 100, MessageSort.DateDescending, default);
        var result = new List<(MessageSummary, MimeMessage)>();
        foreach (var summary in page.Items)
        {
            var raw = await Server.Messages.GetRawAsync(account.Id, summary.Id, default);
            result.Add((summary, MimeMessage.Load(new MemoryStream(raw!))));
        }
        return result;
    }

    /// <summary>Polls until the folder holds <paramref name="count"/> messages (live delivery, autosave).</summary>
    public async Task<IReadOnlyList<(MessageSummary Summary, MimeMessage Message)>> WaitForAsync(Account account, SpecialFolder special, int count = 1, int timeoutMs = 15_000)
    {
        var until = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var messages = await FolderAsync(account, special);
            if (messages.Count >= count || DateTime.UtcNow > until)
                return messages;
            await Task.Delay(100);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ComposeCollection : ICollectionFixture<ComposeFixture>
{
    public const string Name = "compose browser";
}
