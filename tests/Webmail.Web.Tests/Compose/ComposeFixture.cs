using Microsoft.Playwright;
using MimeKit;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Web.Tests.Compose;

/// <summary>One server and one Chromium shared by the composer's browser tests; each test makes its own accounts.</summary>
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
        Browser = await Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Server.DisposeAsync();
    }

    /// <summary>A fresh account on the local domain, e.g. <c>lucy3@local.example</c>.</summary>
    public Task<Account> NewAccountAsync(string name) =>
        Server.CreateAccountAsync($"{name}{Interlocked.Increment(ref _next)}@local.example");

    /// <summary>A signed-in page for <paramref name="account"/>.</summary>
    public async Task<IPage> SignInAsync(Account account, int width = 1400, int height = 900)
    {
        var page = await Browser.NewPageAsync(width, height);
        await Browser.SignInAsync(page, Server, account.Address);
        return page;
    }

    /// <summary>Opens a composer URL and waits for the circuit and the form.</summary>
    public async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(Server.BaseUrl + path);
        await Browser.WaitForInteractiveAsync(page);
        await page.GetByLabel("Subject", new() { Exact = true }).WaitForAsync();
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
