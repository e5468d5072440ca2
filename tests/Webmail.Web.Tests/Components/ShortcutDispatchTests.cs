using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Webmail.Components.Mail;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Reading;
using Webmail.Core.Storage;
using Webmail.Settings;
using Webmail.Testing;

namespace Webmail.Web.Tests.Components;

/// <summary>What each shortcut key does in the mailbox, over a real store; the JS listener's lifetime.</summary>
public sealed class ShortcutDispatchTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly BunitContext _context = new();
    private readonly TestStore _store = new();
    private Account _account = default!;
    private BunitJSModuleInterop _listener = default!;
    private IRenderedComponent<CascadingValue<Task<AuthenticationState>>> _host = default!;

    public async Task InitializeAsync()
    {
        _account = await _store.CreateAccountAsync("keys@local.example");
        _context.AddMailbox(_store);
        // The object app.js hands back; disposing the mailbox must call its dispose().
        _listener = _context.JSInterop.SetupModule(invocation => invocation.Identifier == "webmail.shortcuts.attach");
        _listener.SetupVoid("dispose");
    }

    private async Task<long> DeliverAsync(string subject) =>
        (await _store.Messages.DeliverAsync(new DeliveryRequest(TestMessages.Simple(to: _account.Address, subject: subject), [new MailboxDelivery(_account.Id, SpecialFolder.Inbox)]), default))
        .Mailboxes[0].Message!.Id;

    private IRenderedComponent<Mailbox> RenderMailbox(long? messageId = null)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, _account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))], "test"));
        var host = _host = _context.Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(principal)))
            .Add(c => c.ChildContent, (RenderFragment)(b =>
            {
                b.OpenComponent<MudDialogProvider>(0);
                b.CloseComponent();
                b.OpenComponent<Mailbox>(1);
                b.AddAttribute(2, nameof(Mailbox.MessageId), messageId);
                b.CloseComponent();
            })));
        var mailbox = host.FindComponent<Mailbox>();
        mailbox.WaitForAssertion(() => Assert.NotEmpty(mailbox.FindAll(".message-row")), Wait);
        return mailbox;
    }

    private static Task PressAsync(IRenderedComponent<Mailbox> mailbox, string key) => mailbox.InvokeAsync(() => mailbox.Instance.OnShortcutAsync(key));

    private string Uri => _context.Services.GetRequiredService<NavigationManager>().Uri;

    [Fact]
    public async Task JAndKMoveTheCursorAndOOpensIt()
    {
        var older = await DeliverAsync("Older");
        await DeliverAsync("Newer");
        var mailbox = RenderMailbox();

        await PressAsync(mailbox, "j");
        mailbox.WaitForAssertion(() => Assert.Contains("Newer", mailbox.Find(".message-row--cursor").TextContent, StringComparison.Ordinal), Wait);
        await PressAsync(mailbox, "j");
        mailbox.WaitForAssertion(() => Assert.Contains("Older", mailbox.Find(".message-row--cursor").TextContent, StringComparison.Ordinal), Wait);
        await PressAsync(mailbox, "j");
        Assert.Contains("Older", mailbox.Find(".message-row--cursor").TextContent, StringComparison.Ordinal);
        await PressAsync(mailbox, "k");
        mailbox.WaitForAssertion(() => Assert.Contains("Newer", mailbox.Find(".message-row--cursor").TextContent, StringComparison.Ordinal), Wait);
        await PressAsync(mailbox, "j");
        await PressAsync(mailbox, "o");

        Assert.EndsWith($"/message/{older}", Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplyKeysNeedAMessageAndComposeDoesNot()
    {
        var id = await DeliverAsync("Question");
        var mailbox = RenderMailbox();

        await PressAsync(mailbox, "r");
        Assert.DoesNotContain("/compose", Uri, StringComparison.Ordinal);
        await PressAsync(mailbox, "c");
        Assert.EndsWith("/compose", Uri, StringComparison.Ordinal);

        // The composer docks under the message: the key opens the row under the cursor first.
        await PressAsync(mailbox, "j");
        await PressAsync(mailbox, "a");
        Assert.EndsWith($"/message/{id}", Uri, StringComparison.Ordinal);
        Assert.Equal((id, Webmail.Compose.ComposeMode.ReplyAll), _context.Services.GetRequiredService<MailboxState>().Answering);
        await PressAsync(mailbox, "f");
        Assert.Equal((id, Webmail.Compose.ComposeMode.Forward), _context.Services.GetRequiredService<MailboxState>().Answering);
    }

    [Fact]
    public async Task HashDeletesTheMessageUnderTheCursorToTrash()
    {
        var id = await DeliverAsync("Unwanted");
        var mailbox = RenderMailbox();

        await PressAsync(mailbox, "j");
        await PressAsync(mailbox, "#");

        var trash = await _store.Messages.GetSpecialFolderAsync(_account.Id, SpecialFolder.Trash, default);
        Assert.Equal(trash.Id, (await _store.Messages.GetSummaryAsync(_account.Id, id, default))!.FolderId);
        mailbox.WaitForAssertion(() => Assert.Empty(mailbox.FindAll(".message-row")), Wait);
    }

    [Fact]
    public async Task QuestionMarkShowsTheShortcutsAndEscapeClosesThemThenTheMessage()
    {
        var id = await DeliverAsync("Open one");
        var mailbox = RenderMailbox(id);
        mailbox.WaitForAssertion(() => Assert.NotNull(mailbox.Find(".reader-text")), Wait);

        var before = Uri;
        await PressAsync(mailbox, "?");
        mailbox.WaitForAssertion(() => Assert.Contains("Show these shortcuts", _host.Markup, StringComparison.Ordinal), Wait);

        // The first Escape closes the help, the next one the message.
        await PressAsync(mailbox, "Escape");
        mailbox.WaitForAssertion(() => Assert.DoesNotContain("Show these shortcuts", _host.Markup, StringComparison.Ordinal), Wait);
        Assert.Equal(before, Uri);
        await PressAsync(mailbox, "Escape");
        Assert.Matches(@"/folder/\d+$", Uri);
    }

    [Fact]
    public async Task TheKeyListenerIsAttachedOnceAndDisposedWithTheMailbox()
    {
        await DeliverAsync("Any");
        var mailbox = RenderMailbox();

        Assert.Single(_context.JSInterop.Invocations["webmail.shortcuts.attach"]);
        await _context.DisposeComponentsAsync();

        _listener.VerifyInvoke("dispose");
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _store.DisposeAsync();
    }
}
