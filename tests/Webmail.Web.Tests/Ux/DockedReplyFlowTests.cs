using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MimeKit;
using Webmail.Core.Model;
using Webmail.Web.Tests.Compose;

namespace Webmail.Web.Tests.Ux;

/// <summary>Replying without leaving the message: the composer docks under it, in rich text with the HTML quoted when the original is HTML.</summary>
[Collection(ComposeCollection.Name)]
public sealed class DockedReplyFlowTests(ComposeFixture fixture)
{
    /// <summary>A newsletter: a text/plain stub and the real content in HTML, with a script that must never come along.</summary>
    private static MimeMessage Newsletter(string to)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Boot Shop", "news@b.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "Winter sale";
        message.MessageId = "sale-1@b.example";
        message.Date = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        message.Body = new MultipartAlternative
        {
            new TextPart("plain") { Text = "View this email in your browser." },
            new TextPart("html")
            {
                Text = "<html><head><style>p{color:red}</style></head><body><h1>Winter sale</h1><table><tr><td>Big sale on <b>boots</b></td></tr></table>"
                    + "<script>window.__pwned = 1</script><img src=\"https://tracker.example/p.gif\" onerror=\"window.__pwned = 2\"><p>Until Sunday.</p></body></html>",
            },
        };
        return message;
    }

    [Fact]
    public async Task ReplyToAnHtmlNewsletterDocksUnderTheMessageInRichTextWithItsHtmlQuoted()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var id = await fixture.DeliverAsync(lucy, Newsletter(lucy.Address));
        var page = await fixture.SignInAsync(lucy, 1280, 900);
        await page.Locator(".message-row", new() { HasText = "Winter sale" }).Locator("a.message-link").ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url.EndsWith($"/message/{id}", StringComparison.Ordinal));

        await page.GetByRole(AriaRole.Toolbar, new() { Name = "Message" }).GetByRole(AriaRole.Button, new() { Name = "Reply", Exact = true }).ClickAsync();

        var docked = page.Locator(".mailbox-reader .compose-docked");
        await Assertions.Expect(docked.GetByRole(AriaRole.Heading, new() { Name = "Reply" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Winter sale" }).First).ToBeVisibleAsync(); // the message stays on screen
        Assert.EndsWith($"/message/{id}", page.Url, StringComparison.Ordinal);
        var editor = docked.Locator("#compose-body-rich");
        await Assertions.Expect(docked.GetByRole(AriaRole.Switch, new() { Name = "Rich text" })).ToBeCheckedAsync();
        await Assertions.Expect(editor).ToBeFocusedAsync();
        await Assertions.Expect(editor.Locator("blockquote")).ToContainTextAsync("Big sale on boots");
        await Assertions.Expect(editor.Locator("blockquote b")).ToHaveTextAsync("boots");
        await Assertions.Expect(editor).Not.ToContainTextAsync("View this email in your browser");
        Assert.Equal(0, await editor.Locator("script, img, style").CountAsync());
        Assert.Null(await page.EvaluateAsync<int?>("() => window.__pwned ?? null"));
        await Screens.TakeAsync(page, "docked-reply");

        // The caret is above the quote: what is typed starts the reply.
        await page.Keyboard.TypeAsync("Two pairs, please.");
        await page.Keyboard.PressAsync("Control+Enter");
        await Assertions.Expect(docked).ToHaveCountAsync(0);
        Assert.EndsWith($"/message/{id}", page.Url, StringComparison.Ordinal);

        // Lucy's reply goes to news@b.example (remote: queued); her Sent copy shows what went.
        var sent = Assert.Single(await fixture.WaitForAsync(lucy, SpecialFolder.Sent)).Message;
        Assert.Equal("Re: Winter sale", sent.Subject);
        Assert.Equal("sale-1@b.example", sent.InReplyTo);
        Assert.StartsWith("Two pairs, please.", sent.TextBody!.TrimStart());
        Assert.Contains("Big sale on boots", sent.TextBody);
        // The text alternative quotes the original with "> " (RFC 3676), as a plain-text reply does.
        Assert.Contains("\n> Winter sale\n> Big sale on boots\n> Until Sunday.", sent.TextBody.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("View this email", sent.TextBody);
        Assert.Matches(new Regex("<blockquote>.*Big sale on <b>boots</b>", RegexOptions.Singleline), sent.HtmlBody);
        Assert.DoesNotContain("script", sent.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("tracker.example", sent.HtmlBody, StringComparison.OrdinalIgnoreCase);
        _ = betty;
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task OnAPhoneTheDockedComposerIsAFullPageAndClosingKeepsTheDraft()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var original = new MimeMessage();
        original.From.Add(new MailboxAddress("Betty", betty.Address));
        original.To.Add(MailboxAddress.Parse(lucy.Address));
        original.Subject = "Lunch?";
        original.Body = new TextPart("plain") { Text = "Noon at the usual place?" };
        var id = await fixture.DeliverAsync(lucy, original);
        var page = await fixture.SignInAsync(lucy, 390, 844);
        await page.Locator(".message-row", new() { HasText = "Lunch?" }).Locator("a.message-link").ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url.EndsWith($"/message/{id}", StringComparison.Ordinal));

        await page.GetByRole(AriaRole.Toolbar, new() { Name = "Message" }).GetByRole(AriaRole.Button, new() { Name = "Reply all", Exact = true }).ClickAsync();

        var docked = page.Locator(".compose-docked");
        await Assertions.Expect(docked).ToBeVisibleAsync();
        var box = (await docked.BoundingBoxAsync())!;
        Assert.Equal((0, 0, 390, 844), ((int)box.X, (int)box.Y, (int)box.Width, (int)box.Height));
        var body = docked.GetByLabel("Body", new() { Exact = true });
        await Assertions.Expect(body).ToBeFocusedAsync(); // a plain original: plain text, caret at the top
        Assert.Equal(0, await body.EvaluateAsync<int>("el => el.selectionStart"));
        await page.Keyboard.TypeAsync("Yes!");

        await docked.GetByRole(AriaRole.Button, new() { Name = "Close composer" }).ClickAsync();
        await Assertions.Expect(docked).ToHaveCountAsync(0);
        var draft = Assert.Single(await fixture.WaitForAsync(lucy, SpecialFolder.Drafts)).Message;
        Assert.Equal("Re: Lunch?", draft.Subject);
        Assert.StartsWith("Yes!", draft.TextBody);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task InAConversationEachMessagesReplyDocksUnderThatMessage()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var first = new MimeMessage();
        first.From.Add(new MailboxAddress("Betty", betty.Address));
        first.To.Add(MailboxAddress.Parse(lucy.Address));
        first.Subject = "Picnic plans";
        first.MessageId = "picnic-1@local.example";
        first.Date = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        first.Body = new TextPart("plain") { Text = "Saturday at the lake?" };
        var second = new MimeMessage();
        second.From.Add(new MailboxAddress("Carol", "carol@b.example"));
        second.To.Add(MailboxAddress.Parse(lucy.Address));
        second.Subject = "Re: Picnic plans";
        second.MessageId = "picnic-2@b.example";
        second.InReplyTo = "picnic-1@local.example";
        second.References.Add("picnic-1@local.example");
        second.Date = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        second.Body = new TextPart("plain") { Text = "I will bring bread." };
        var firstId = await fixture.DeliverAsync(lucy, first);
        await fixture.DeliverAsync(lucy, second);
        var page = await fixture.SignInAsync(lucy, 1280, 900);
        await page.Locator(".message-row", new() { HasText = "Picnic plans" }).Locator("a.message-link").ClickAsync();
        var conversation = page.GetByRole(AriaRole.List, new() { Name = "Messages in this conversation" });
        await Assertions.Expect(conversation.Locator(".conversation-item")).ToHaveCountAsync(2);
        var url = page.Url;

        var older = conversation.Locator($".conversation-item[data-message-id='{firstId}']");
        await older.GetByRole(AriaRole.Button, new() { Name = "Reply to Betty", Exact = true }).ClickAsync();

        // The composer opens inside the older message's item, under it; the page stays the conversation.
        var docked = older.Locator(".compose-docked");
        await Assertions.Expect(docked.GetByRole(AriaRole.Heading, new() { Name = "Reply" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".compose-docked")).ToHaveCountAsync(1);
        Assert.Equal(url, page.Url);
        var body = docked.GetByLabel("Body", new() { Exact = true });
        await Assertions.Expect(body).ToBeFocusedAsync();
        await Screens.TakeAsync(page, "conversation-docked-reply");
        await page.Keyboard.TypeAsync("Count me in.");
        await page.Keyboard.PressAsync("Control+Enter");
        await Assertions.Expect(page.Locator(".compose-docked")).ToHaveCountAsync(0);

        var sent = Assert.Single(await fixture.WaitForAsync(lucy, SpecialFolder.Sent)).Message;
        Assert.Equal("picnic-1@local.example", sent.InReplyTo);
        Assert.Equal(betty.Address, sent.To.Mailboxes.Single().Address);
        Assert.StartsWith("Count me in.", sent.TextBody!.TrimStart());
        await page.Context.CloseAsync();
    }
}
