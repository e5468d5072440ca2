using System.Text;
using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests;

/// <summary>One server and one Chromium shared by the browser tests; each test signs in as its own fresh account.</summary>
public sealed class WebFixture : IAsyncLifetime
{
    private int _accounts;

    public TestServer Server { get; private set; } = default!;
    public Browser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        // The static web assets manifests are named after the application (Webmail), not the test host.
        Server = await TestServer.StartAsync(new Dictionary<string, string?> { ["applicationName"] = "Webmail" });
        Browser = await Browser.LaunchAsync();
    }

    public async Task<Account> NewAccountAsync(string name)
    {
        var n = Interlocked.Increment(ref _accounts);
        return await Server.CreateAccountAsync($"{name}{n}@local.example");
    }

    /// <summary>Delivers a message into the account's INBOX the way the pipeline does (one store transaction).</summary>
    public async Task<long> DeliverAsync(Account account, byte[] raw, MessageFlags flags = MessageFlags.None)
    {
        var receipt = await Server.Messages.DeliverAsync(new DeliveryRequest(raw, [new MailboxDelivery(account.Id, SpecialFolder.Inbox, flags)]), default);
        return receipt.Mailboxes.Single().Message!.Id;
    }

    public Task<long> DeliverAsync(Account account, string subject, string body = "Hello there.", string from = "Sender Person <sender@remote.example>") =>
        DeliverAsync(account, TestMessages.Simple(from: from, to: account.Address, subject: subject, body: body));

    public async Task<IPage> SignInAsync(Account account, int width = 1400, int height = 900)
    {
        var page = await Browser.NewPageAsync(width, height);
        await Webmail.Testing.Browser.SignInAsync(page, Server, account.Address);
        return page;
    }

    /// <summary>Saves a screenshot when WEBMAIL_SCREENSHOTS names a folder (for looking at the UI, not for asserting).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Environment.GetEnvironmentVariable("WEBMAIL_SCREENSHOTS");
        if (!string.IsNullOrEmpty(folder))
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png") });
    }

    public static byte[] Ascii(string text) => Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n").Replace("\n", "\r\n"));

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Server.DisposeAsync();
    }
}
