using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Webmail.Components.Mail;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Components;

/// <summary>Replied / Forwarded icons and keyword chips, rendered with bUnit over a real store.</summary>
public sealed class MessageMarksComponentTests : IAsyncLifetime
{
    private readonly BunitContext _context = new();
    private readonly TestStore _store = new();
    private Account _account = default!;
    private Folder _inbox = default!;

    public async Task InitializeAsync()
    {
        _account = await _store.CreateAccountAsync("marks@local.example");
        _inbox = await _store.Messages.GetSpecialFolderAsync(_account.Id, SpecialFolder.Inbox, default);
        _context.AddMailbox(_store);
    }

    private IRenderedComponent<Mailbox> RenderMailbox(long? messageId = null)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, _account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))], "test"));
        var host = _context.Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(principal)))
            .Add(c => c.ChildContent, (RenderFragment)(b =>
            {
                b.OpenComponent<Mailbox>(0);
                b.AddAttribute(1, nameof(Mailbox.FolderId), _inbox.Id);
                b.AddAttribute(2, nameof(Mailbox.MessageId), messageId);
                b.CloseComponent();
            })));
        return host.FindComponent<Mailbox>();
    }

    /// <summary>A message as an IMAP client would leave it: flags and keywords stored with it.</summary>
    private async Task<long> AppendAsync(string subject, MessageFlags flags, params string[] keywords) =>
        (await ((IImapStore)_store.Messages).AppendAsync(_account.Id, _inbox.Id, TestMessages.Simple(to: _account.Address, subject: subject), flags | MessageFlags.Seen, keywords, null, default)).Id;

    [Fact]
    public async Task ListRowsShowRepliedAndForwardedWithAccessibleNames()
    {
        await AppendAsync("Answered one", MessageFlags.Answered);
        await AppendAsync("Forwarded one", MessageFlags.None, "$Forwarded");
        await AppendAsync("Plain one", MessageFlags.None, "ProjectX");

        var mailbox = RenderMailbox();

        mailbox.WaitForAssertion(() => Assert.Equal(3, mailbox.FindAll(".message-row").Count), TimeSpan.FromSeconds(15));
        string Marks(string subject) => string.Join(",", mailbox.FindAll(".message-row").Single(r => r.TextContent.Contains(subject, StringComparison.Ordinal))
            .QuerySelectorAll(".message-marks .status-icon[role=img]").Select(e => e.GetAttribute("aria-label")));
        Assert.Equal("Replied", Marks("Answered one"));
        Assert.Equal("Forwarded", Marks("Forwarded one"));
        Assert.Equal("", Marks("Plain one"));
        Assert.Empty(mailbox.FindAll(".message-list .keyword-chips"));
    }

    [Fact]
    public async Task ReadingPaneShowsClientKeywordsAsBoundedReadOnlyChips()
    {
        var tags = Enumerable.Range(1, 9).Select(i => $"Tag{i}").ToList();
        var longWord = "Project" + new string('x', 60);
        var id = await AppendAsync("Tagged", MessageFlags.Answered, ["$Forwarded", "$Junk", "$NotJunk", "$MDNSent", longWord, .. tags]);

        var mailbox = RenderMailbox(id);

        mailbox.WaitForAssertion(() => Assert.NotNull(mailbox.Find(".reader-marks")), TimeSpan.FromSeconds(15));
        var marks = mailbox.Find(".reader-marks");
        Assert.Equal(["Replied", "Forwarded"], marks.QuerySelectorAll(".status-icon[role=img]").Select(e => e.GetAttribute("aria-label")));
        var chips = marks.QuerySelectorAll(".keyword-chips li").Select(e => e.TextContent.Trim()).ToList();
        Assert.Equal(9, chips.Count);
        Assert.Equal("Project" + new string('x', 24) + "…", chips[0]);
        Assert.Equal(longWord, marks.QuerySelector(".keyword-chips .mud-chip")!.GetAttribute("title"));
        Assert.Equal(tags.Take(7), chips.Skip(1).Take(7));
        Assert.Equal("+2 more", chips[8]);
        Assert.DoesNotContain(chips, c => c.StartsWith('$'));
        Assert.Empty(marks.QuerySelectorAll(".keyword-chips button"));
    }

    [Fact]
    public async Task AMessageWithoutMarksShowsNone()
    {
        var id = await AppendAsync("Nothing special", MessageFlags.None, "$NotJunk", "$MDNSent");

        var mailbox = RenderMailbox(id);

        mailbox.WaitForAssertion(() => Assert.NotNull(mailbox.Find(".reader-headers")), TimeSpan.FromSeconds(15));
        Assert.Empty(mailbox.FindAll(".reader-marks"));
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _store.DisposeAsync();
    }
}
