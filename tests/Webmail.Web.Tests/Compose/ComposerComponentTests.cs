using System.Globalization;
using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Webmail.Compose;
using Webmail.Components.Compose;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Web.Tests.Compose;

/// <summary>The composer's components rendered with bUnit over the services of a real running server.</summary>
[Collection(ComposeCollection.Name)]
public sealed class ComposerComponentTests(ComposeFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly BunitContext _context = new();

    public Task InitializeAsync()
    {
        var server = fixture.Server.Services;
        _context.Services.AddMudServices();
        _context.Services.AddLogging();
        _context.Services.AddSingleton(server.GetRequiredService<ComposeService>());
        _context.Services.AddSingleton(server.GetRequiredService<AttachmentStaging>());
        _context.Services.AddSingleton(server.GetRequiredService<IDirectoryStore>());
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    private IRenderedComponent<Composer> RenderComposer(Account account)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, account.Id.ToString(CultureInfo.InvariantCulture)), new Claim(ClaimTypes.Name, account.Address)], "test"));
        var host = _context.Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(principal)))
            .Add(c => c.ChildContent, (RenderFragment)(b =>
            {
                b.OpenComponent<Composer>(0);
                b.CloseComponent();
            })));
        var composer = host.FindComponent<Composer>();
        composer.WaitForElement("#compose-subject", Wait);
        return composer;
    }

    [Fact]
    public async Task SendRightAfterTypingSendsWhatWasTyped()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var composer = RenderComposer(lucy);

        // No pause between the last input event and the click: the model must already hold every field.
        await composer.Find("#compose-to").InputAsync(betty.Address);
        await composer.Find("#compose-subject").InputAsync("Typed then sent");
        await composer.Find("#compose-body").InputAsync("Right away.");
        await composer.FindAll("button").Single(b => b.TextContent.Trim() == "Send").ClickAsync(new());

        var arrived = await fixture.WaitForAsync(betty, SpecialFolder.Inbox);
        // Nothing in time once in a loaded stability run (session 9): say what the composer and the store show, should it recur.
        Assert.True(arrived.Count == 1, $"{arrived.Count} messages arrived within 15 s. The composer shows: " +
            string.Join(" | ", composer.FindAll("[role=alert], .mud-alert, button").Select(e => $"{e.TagName} {(e.HasAttribute("disabled") ? "(disabled) " : "")}{e.TextContent.Trim()}")) +
            $". Lucy's Sent folder holds {(await fixture.FolderAsync(lucy, SpecialFolder.Sent)).Count}, her Drafts {(await fixture.FolderAsync(lucy, SpecialFolder.Drafts)).Count}.");
        var received = arrived[0].Message;
        Assert.Equal("Typed then sent", received.Subject);
        Assert.Equal("Right away.", received.TextBody!.TrimEnd());
    }

    [Fact]
    public async Task ClosingWhileADraftSaveIsInFlightKeepsOneDraftWithTheLastText()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var composer = RenderComposer(lucy);
        await composer.Find("#compose-subject").InputAsync("First thought");

        // Save draft starts a save; the user types on and the circuit ends before that save is back.
        var saving = composer.FindAll("button").Single(b => b.TextContent.Trim() == "Save draft").ClickAsync(new());
        // Found and typed into on the renderer's thread: the save re-renders the composer, and a field found before that
        // render carries the event handler id it replaced (a browser's event is routed to the new one).
        await composer.InvokeAsync(() => composer.Find("#compose-subject").InputAsync("Second thought"));
        await _context.DisposeAsync();
        await saving;

        // One draft, with what was typed last: the save on close waits for the one in flight, then stores
        // what that one did not have; two saves at once could each miss the other's draft id.
        var drafts = await fixture.FolderAsync(lucy, SpecialFolder.Drafts);
        for (var until = DateTime.UtcNow + Wait; drafts.Count != 1 && DateTime.UtcNow < until; drafts = await fixture.FolderAsync(lucy, SpecialFolder.Drafts))
            await Task.Delay(100);
        Assert.Equal("Second thought", Assert.Single(drafts).Message.Subject);
    }

    [Fact]
    public async Task ComposerFieldsAndButtonsCarryTheirAccessibleNames()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var composer = RenderComposer(lucy);

        foreach (var (id, label) in new[] { ("compose-to", "To"), ("compose-subject", "Subject"), ("compose-body", "Body") })
        {
            composer.Find("#" + id);
            Assert.Equal(label, composer.Find($"label[for='{id}']").TextContent.Trim());
        }
        // Cc and Bcc wait behind links until asked for.
        Assert.Empty(composer.FindAll("#compose-cc"));
        Assert.Equal(["Add Cc", "Add Bcc"], composer.FindAll("button.compose-cc-link").Select(b => b.GetAttribute("aria-label") ?? "").ToArray());
        await composer.Find("button[aria-label='Add Cc']").ClickAsync(new());
        composer.WaitForAssertion(() => Assert.Equal("Cc", composer.Find("label[for='compose-cc']").TextContent.Trim()), Wait);
        var buttons = composer.FindAll("button").Select(b => b.TextContent.Trim()).ToList();
        Assert.Equal(["Send", "Attach", "Save draft", "Discard"], buttons.Where(b => b is "Send" or "Attach" or "Save draft" or "Discard").ToArray());
    }

    [Fact]
    public async Task AddressInputCommitsAtOnceAndFlagsInvalidEntriesWhenLeft()
    {
        var values = new List<string>();
        var input = _context.Render<AddressInput>(p => p
            .Add(c => c.Label, "To")
            .Add(c => c.ValueChanged, v => values.Add(v)));

        // Text with a separator arriving at once (as a paste) ends every entry in it: each a chip, the composer holding them as text.
        await input.Find("input").InputAsync("betty@local.example, nobody@");
        Assert.Equal("betty@local.example, nobody@", values[^1]);
        Assert.Equal(2, input.FindAll("[data-testid=address-chip]").Count);
        Assert.DoesNotContain("Not a valid address", input.Markup);

        input.Render(p => p.Add(c => c.Value, values[^1]));
        input.Find("input").Blur();

        input.WaitForAssertion(() => Assert.Contains("Not a valid address: nobody@", input.Markup), Wait);
        Assert.DoesNotContain("Not a valid address: betty", input.Markup);
        var chips = input.FindAll("[data-testid=address-chip]");
        Assert.Equal(["betty@local.example", "nobody@"], chips.Select(c => c.GetAttribute("title") ?? "").ToArray());
        Assert.Contains("invalid", chips[1].ClassName);
        Assert.Equal("Remove nobody@", chips[1].QuerySelector("button")!.GetAttribute("aria-label"));
    }

    [Fact]
    public async Task AddressInputSuggestsForTheEntryBeingTypedAndEnterTakesTheFirst()
    {
        var asked = new List<string>();
        var value = "";
        var input = _context.Render<AddressInput>(p => p
            .Add(c => c.Label, "Cc")
            .Add(c => c.ValueChanged, v => value = v)
            .Add(c => c.Suggest, prefix =>
            {
                asked.Add(prefix);
                return Task.FromResult<IReadOnlyList<string>>(["Zed History <zed@remote.example>", "zelda@local.example"]);
            }));

        await input.Find("input").InputAsync("carol@local.example, ");
        await input.Find("input").InputAsync("ze");
        input.WaitForAssertion(() => Assert.Equal(2, input.FindAll("[role=option]").Count), Wait);
        Assert.Equal(["ze"], asked);
        Assert.Equal("Suggestions for Cc", input.Find("[role=listbox]").GetAttribute("aria-label"));

        input.Render(p => p.Add(c => c.Value, value));
        await input.Find("input").KeyDownAsync(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });

        Assert.Equal("carol@local.example, Zed History <zed@remote.example>", value);
        Assert.Empty(input.FindAll("[role=option]"));
        Assert.Equal(["carol@local.example", "Zed History"], input.FindAll(".compose-chip-text").Select(c => c.TextContent).ToArray());
    }

    [Fact]
    public async Task StagingCopiesAnUploadInSmallChunksStraightToDisk()
    {
        var staging = fixture.Server.Services.GetRequiredService<AttachmentStaging>();
        var session = staging.CreateSession();
        var bytes = new byte[3 * 1024 * 1024 + 5];
        new Random(9).NextBytes(bytes);
        var reports = new List<long>();

        var staged = await staging.StageAsync(session, new MemoryStream(bytes), "../../etc/passwd\r\n", "", new SynchronousProgress(reports.Add), default);

        // Never more than one 64 KB buffer between the browser's stream and the file.
        Assert.All(reports.Zip(reports.Skip(1), (a, b) => b - a), step => Assert.InRange(step, 1, 64 * 1024));
        Assert.Equal(bytes.Length, reports[^1]);
        Assert.Equal(("passwd", "application/octet-stream"), (staged.FileName, staged.ContentType));
        Assert.Equal(Path.GetFullPath(session), Path.GetDirectoryName(Path.GetFullPath(staged.Path)));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(staged.Path));
        staging.DeleteSession(session);
        Assert.False(Directory.Exists(session));
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    [Fact]
    public void AttachmentPanelStreamsFilesToStagingAndRefusesWhatPassesTheLimit()
    {
        var staging = fixture.Server.Services.GetRequiredService<AttachmentStaging>();
        var session = staging.CreateSession();
        var added = new List<ComposeAttachment>();
        var panel = _context.Render<AttachmentPanel>(p => p
            .Add(c => c.Attachments, added)
            .Add(c => c.Session, session)
            .Add(c => c.Limit, 100_000)
            .Add(c => c.Added, a => added.Add(a)));
        Assert.Contains("up to 98 KB per message", panel.Markup); // 100,000 bytes: 97.7 KB, one format for sizes everywhere (ByteSize)
        var bytes = new byte[60_000];
        new Random(3).NextBytes(bytes);

        panel.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(bytes, "photo.jpg", contentType: "image/jpeg"));

        panel.WaitForAssertion(() => Assert.Single(added), Wait);
        Assert.Equal(("photo.jpg", "image/jpeg", 60_000L), (added[0].FileName, added[0].ContentType, added[0].Size));
        Assert.Equal(bytes, File.ReadAllBytes(added[0].Path));
        Assert.StartsWith(session, added[0].Path, StringComparison.Ordinal);

        panel.Render(p => p.Add(c => c.Attachments, added.ToList()));
        panel.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(new byte[50_000], "second.jpg"));

        panel.WaitForAssertion(() => Assert.Contains("second.jpg (49 KB) does not fit: a message can be at most 98 KB.", panel.Find("[role=alert]").TextContent), Wait);
        Assert.Single(added);
        Assert.Single(Directory.GetFiles(session));
        staging.DeleteSession(session);
    }
}
