using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Webmail.Components.Mail;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Reading;
using Webmail.Core.Storage;
using Webmail.Settings;
using Webmail.Testing;

namespace Webmail.Web.Tests.Components;

/// <summary>The mailbox components over a real SQLite store, rendered with bUnit.</summary>
public sealed class MailboxComponentTests : IAsyncLifetime
{
    private readonly BunitContext _context = new();
    private readonly TestStore _store = new();
    private Account _account = default!;

    public async Task InitializeAsync()
    {
        _account = await _store.CreateAccountAsync("reader@local.example");
        _context.AddMailbox(_store);
    }

    private IRenderedComponent<Mailbox> RenderMailbox(long? folderId = null, long? messageId = null)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, _account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))], "test"));
        var state = Task.FromResult(new AuthenticationState(principal));
        var host = _context.Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, state)
            .Add(c => c.ChildContent, (RenderFragment)(b =>
            {
                b.OpenComponent<Mailbox>(0);
                b.AddAttribute(1, nameof(Mailbox.FolderId), folderId);
                b.AddAttribute(2, nameof(Mailbox.MessageId), messageId);
                b.CloseComponent();
            })));
        return host.FindComponent<Mailbox>();
    }

    private Task<DeliveryReceipt> DeliverAsync(string subject, MessageFlags flags = MessageFlags.None, string body = "Hello.") =>
        _store.Messages.DeliverAsync(new DeliveryRequest(TestMessages.Simple(to: _account.Address, subject: subject, body: body), [new MailboxDelivery(_account.Id, SpecialFolder.Inbox, flags)]), default);

    [Fact]
    public async Task ListShowsUnreadInBoldAndFolderUnreadCount()
    {
        await DeliverAsync("Unread one");
        await DeliverAsync("Already read", MessageFlags.Seen);

        var mailbox = RenderMailbox();

        mailbox.WaitForAssertion(() => Assert.Equal(2, mailbox.FindAll(".message-row").Count), TimeSpan.FromSeconds(15));
        var unread = mailbox.Find(".message-row--unread");
        Assert.Contains("Unread one", unread.TextContent, StringComparison.Ordinal);
        Assert.Single(mailbox.FindAll(".message-row--unread"));
        Assert.Contains("1 unread", mailbox.Find("[data-testid='unread-Inbox']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyFolderExplainsItself()
    {
        var mailbox = RenderMailbox();

        mailbox.WaitForAssertion(() => Assert.Contains("No messages in Inbox.", mailbox.Find(".list-empty").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        Assert.Contains("Select a message to read it.", mailbox.Find(".reader-empty").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenMessageShowsEscapedTextAndIsMarkedSeen()
    {
        var receipt = await DeliverAsync("Markup inside", body: "<script>alert(1)</script> see https://example.org/x");
        var message = receipt.Mailboxes[0].Message!;

        var mailbox = RenderMailbox(message.FolderId, message.Id);

        mailbox.WaitForAssertion(() => Assert.NotNull(mailbox.Find(".reader-text")), TimeSpan.FromSeconds(15));
        var text = mailbox.Find(".reader-text");
        Assert.Empty(text.QuerySelectorAll("script"));
        Assert.Contains("<script>alert(1)</script>", text.TextContent, StringComparison.Ordinal);
        Assert.Equal("https://example.org/x", text.QuerySelector("a")!.GetAttribute("href"));
        // Opening marks \Seen through the store after the pane renders: give that write its commit.
        var seen = false;
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !seen && DateTime.UtcNow < deadline; await Task.Delay(50))
            seen = (await _store.Messages.GetSummaryAsync(_account.Id, message.Id, default))!.IsSeen;
        Assert.True(seen);
    }

    [Fact]
    public async Task UnknownMessageShowsNotFound()
    {
        var mailbox = RenderMailbox(null, 999_999);

        mailbox.WaitForAssertion(() => Assert.Contains("does not exist any more", mailbox.Find(".reader-empty").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        await Task.CompletedTask;
    }

    [Fact]
    public void PlainTextLinksOnlyHttpUrls()
    {
        var body = _context.Render<PlainTextBody>(p => p.Add(c => c.Text, "javascript:alert(1) <b>x</b> http://a.example/p, done."));

        var link = Assert.Single(body.FindAll("a"));
        Assert.Equal("http://a.example/p", link.GetAttribute("href"));
        Assert.Empty(body.FindAll("b"));
        Assert.Contains("javascript:alert(1) <b>x</b>", body.Markup.Replace("&lt;", "<").Replace("&gt;", ">"), StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _store.DisposeAsync();
    }
}
