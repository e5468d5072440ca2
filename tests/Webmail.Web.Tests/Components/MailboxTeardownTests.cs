using Webmail.Core.Storage;
using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.JSInterop;
using MudBlazor.Services;
using Webmail.Components.Mail;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Reading;
using Webmail.Settings;
using Webmail.Testing;

namespace Webmail.Web.Tests.Components;

/// <summary>
/// The mailbox going away with its circuit: the browser's answer to the last JS call never comes
/// (the call is cancelled, or the circuit is already gone), and disposal still completes quietly.
/// </summary>
public sealed class MailboxTeardownTests : IAsyncLifetime
{
    private readonly BunitContext _context = new();
    private readonly TestStore _store = new();
    private Account _account = default!;

    public async Task InitializeAsync()
    {
        _account = await _store.CreateAccountAsync("teardown@local.example");
        _context.AddMailbox(_store);
    }

    private IRenderedComponent<Mailbox> RenderMailbox()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, _account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))], "test"));
        var host = _context.Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(principal)))
            .Add(c => c.ChildContent, (RenderFragment)(b =>
            {
                b.OpenComponent<Mailbox>(0);
                b.CloseComponent();
            })));
        return host.FindComponent<Mailbox>();
    }

    /// <summary>The page's key listener, as app.js hands it back; its "dispose" call is what teardown interrupts.</summary>
    private BunitJSModuleInterop ShortcutListener()
    {
        var listener = _context.JSInterop.SetupModule(invocation => invocation.Identifier == "webmail.shortcuts.attach");
        listener.Mode = JSRuntimeMode.Loose;
        return listener;
    }

    [Fact]
    public async Task DisposalCompletesWhenTheListenerCallIsCancelledByTheClosingCircuit()
    {
        ShortcutListener().SetupVoid("dispose").SetCanceled();
        var mailbox = RenderMailbox();
        mailbox.WaitForAssertion(() => Assert.Equal("on", mailbox.Find(".mailbox").GetAttribute("data-shortcuts")));

        var failure = await Record.ExceptionAsync(() => mailbox.InvokeAsync(() => mailbox.Instance.DisposeAsync().AsTask()));

        Assert.Null(failure);
    }

    [Fact]
    public async Task DisposalCompletesWhenTheCircuitIsAlreadyGone()
    {
        ShortcutListener().SetupVoid("dispose").SetException(new JSDisconnectedException("The circuit is gone."));
        var mailbox = RenderMailbox();
        mailbox.WaitForAssertion(() => Assert.Equal("on", mailbox.Find(".mailbox").GetAttribute("data-shortcuts")));

        var failure = await Record.ExceptionAsync(() => mailbox.InvokeAsync(() => mailbox.Instance.DisposeAsync().AsTask()));

        Assert.Null(failure);
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _store.DisposeAsync();
    }
}
