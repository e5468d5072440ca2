using System.Text;
using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests;

/// <summary>
/// The server and the Chromium of the browser tests: one of each for the whole test run (<see cref="SharedWeb"/>),
/// so every class on this fixture talks to the same server, side by side. Each test signs in as its own fresh
/// account and opens its own browser context, and asserts only on that account's state.
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    // Process-wide: the classes share one server, so account names must not repeat across them.
    private static int _accounts;

    public TestServer Server { get; private set; } = default!;
    public Browser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Server = await SharedWeb.ServerAsync();
        Browser = await SharedWeb.BrowserAsync();
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

    /// <summary>
    /// A new page signed in as <paramref name="account"/> and showing the mailbox, the circuit up. The sign-in form is
    /// posted without rendering it (<see cref="Webmail.Testing.Browser.SignInWithFormPostAsync(IPage, TestServer, string, string)"/>);
    /// tests about signing in drive the form in the page instead (<see cref="Webmail.Testing.Browser.SignInAsync(IPage, TestServer, string, string)"/>).
    /// </summary>
    public async Task<IPage> SignInAsync(Account account, int width = 1400, int height = 900)
    {
        var page = await Browser.NewPageAsync(width, height);
        await Webmail.Testing.Browser.SignInWithFormPostAsync(page, Server, account.Address);
        return page;
    }

    /// <summary>
    /// Saves a screenshot when WEBMAIL_SCREENSHOTS names a folder (for looking at the UI, not for asserting); a run
    /// without it takes none, since each capture is a render and a PNG encode that no test needs.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name, bool fullPage = false)
    {
        var folder = Environment.GetEnvironmentVariable("WEBMAIL_SCREENSHOTS");
        if (!string.IsNullOrEmpty(folder))
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = fullPage });
    }

    public static byte[] Ascii(string text) => Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n").Replace("\n", "\r\n"));

    /// <summary>Closes the browser contexts this class opened; the shared server and Chromium outlive it (<see cref="SharedWeb"/>).</summary>
    public async Task DisposeAsync() => await Browser.DisposeAsync();
}
