using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using Webmail.Compose;
using Webmail.Core.Model;

namespace Webmail.Web.Tests.Compose;

/// <summary>Reply, reply all and forward in the browser: recipients, quoting, threading headers, attachments.</summary>
[Collection(ComposeCollection.Name)]
public sealed class ComposeReplyTests(ComposeFixture fixture)
{
    private static MimeMessage Original(Account from, IEnumerable<Account> to, IEnumerable<Account> cc, string subject, string text, MimeEntity? attachment = null)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Betty Sender", from.Address));
        message.To.AddRange(to.Select(a => new MailboxAddress("", a.Address)));
        message.Cc.AddRange(cc.Select(a => new MailboxAddress("", a.Address)));
        message.Subject = subject;
        message.Date = new DateTimeOffset(2026, 11, 20, 9, 30, 0, TimeSpan.Zero);
        message.MessageId = Guid.NewGuid().ToString("N") + "@b.test";
        message.InReplyTo = "first@b.test";
        message.References.Add("first@b.test");
        var body = new TextPart("plain") { Text = text };
        message.Body = attachment is null ? body : new Multipart("mixed") { body, attachment };
        return message;
    }

    /// <summary>Opens the message from the list and presses one of the reading pane's buttons: the composer docks under the message.</summary>
    private static async Task OpenFromReadingPaneAsync(IPage page, string subject, string button)
    {
        await page.Locator(".message-row", new() { HasText = subject }).Locator("a.message-link").ClickAsync();
        await page.GetByRole(AriaRole.Toolbar, new() { Name = "Message" }).GetByRole(AriaRole.Button, new() { Name = button, Exact = true }).ClickAsync();
        // The composer docks under the message, in the reading pane.
        await page.Locator(".mailbox-reader .compose-docked").GetByLabel("Subject", new() { Exact = true }).WaitForAsync();
    }

    [Fact]
    public async Task ReplyFromReadingPaneQuotesTheOriginalAndThreads()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var original = Original(betty, [lucy], [], "Quarterly plan", "Line one.\nLine two.");
        var id = await fixture.DeliverAsync(lucy, original);
        var page = await fixture.SignInAsync(lucy);

        await OpenFromReadingPaneAsync(page, "Quarterly plan", "Reply");

        Assert.Equal(betty.Address, (await ComposeFixture.AddressesAsync(page, "To")).Trim().Split('<', '>')[^2]);
        Assert.Equal("Re: Quarterly plan", await page.GetByLabel("Subject", new() { Exact = true }).InputValueAsync());
        var body = await page.GetByLabel("Body", new() { Exact = true }).InputValueAsync();
        Assert.Contains($"On Fri, 20 Nov 2026 at 09:30, Betty Sender <{betty.Address}> wrote:\n> Line one.\n> Line two.", body);
        await page.GetByLabel("Body", new() { Exact = true }).PressAsync("Control+Home");
        await page.Keyboard.TypeAsync("Yes, agreed.");
        await ComposeFixture.SendAsync(page);

        var reply = Assert.Single(await fixture.WaitForAsync(betty, SpecialFolder.Inbox)).Message;
        Assert.Equal("Re: Quarterly plan", reply.Subject);
        Assert.StartsWith("Yes, agreed.", reply.TextBody);
        Assert.Contains("> Line two.", reply.TextBody);
        Assert.Equal(original.MessageId, reply.InReplyTo);
        Assert.Equal(["first@b.test", original.MessageId!], reply.References.ToArray());
        // The original is flagged once the send has returned, a moment after delivery.
        var answered = false;
        for (var until = DateTime.UtcNow.AddSeconds(10); !answered && DateTime.UtcNow < until; await Task.Delay(100))
            answered = (await fixture.Server.Messages.GetSummaryAsync(lucy.Id, id, default))!.Flags.HasFlag(MessageFlags.Answered);
        Assert.True(answered, "the original should be flagged \\Answered");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ReplyAllFromReadingPaneAddressesEveryoneButTheAccountItself()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var carol = await fixture.NewAccountAsync("carol");
        var dora = await fixture.NewAccountAsync("dora");
        var original = Original(betty, [lucy, carol], [dora], "Team lunch", "Friday?");
        await fixture.DeliverAsync(lucy, original);
        var page = await fixture.SignInAsync(lucy);

        await OpenFromReadingPaneAsync(page, "Team lunch", "Reply all");

        Assert.Contains(betty.Address, await ComposeFixture.AddressesAsync(page, "To"));
        var cc = await ComposeFixture.AddressesAsync(page, "Cc");
        Assert.Contains(carol.Address, cc);
        Assert.Contains(dora.Address, cc);
        Assert.DoesNotContain(lucy.Address, cc);
        await ComposeFixture.SendAsync(page);

        foreach (var recipient in new[] { betty, carol, dora })
        {
            var reply = Assert.Single(await fixture.WaitForAsync(recipient, SpecialFolder.Inbox)).Message;
            Assert.Equal("Re: Team lunch", reply.Subject);
            Assert.Contains("> Friday?", reply.TextBody);
            Assert.Equal(original.MessageId, reply.InReplyTo);
            Assert.Equal(["first@b.test", original.MessageId!], reply.References.ToArray());
        }
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ForwardFromReadingPaneKeepsTheAttachmentsByteForByte()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var carol = await fixture.NewAccountAsync("carol");
        var bytes = new byte[150_000];
        new Random(6).NextBytes(bytes);
        var attachment = new MimePart("application", "pdf")
        {
            Content = new MimeContent(new MemoryStream(bytes)),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = "report.pdf",
        };
        await fixture.DeliverAsync(lucy, Original(betty, [lucy], [], "The report", "See attached.", attachment));
        var page = await fixture.SignInAsync(lucy);

        await OpenFromReadingPaneAsync(page, "The report", "Forward");
        Assert.Equal("Fwd: The report", await page.GetByLabel("Subject", new() { Exact = true }).InputValueAsync());
        await page.GetByRole(AriaRole.List, new() { Name = "Attached files" }).GetByText("report.pdf").WaitForAsync();
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(carol.Address);
        await ComposeFixture.SendAsync(page);

        var forwarded = Assert.Single(await fixture.WaitForAsync(carol, SpecialFolder.Inbox)).Message;
        Assert.Equal("Fwd: The report", forwarded.Subject);
        Assert.Contains("---------- Forwarded message ----------", forwarded.TextBody);
        Assert.Contains("See attached.", forwarded.TextBody);
        var part = Assert.IsType<MimePart>(Assert.Single(forwarded.Attachments));
        Assert.Equal("report.pdf", part.FileName);
        Assert.Equal("application/pdf", part.ContentType.MimeType);
        using var decoded = new MemoryStream();
        await part.Content!.DecodeToAsync(decoded);
        Assert.Equal(bytes, decoded.ToArray());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ReplyingToOrForwardingAHostileMessageStaysBounded()
    {
        // A 10 MB folded header field and 20,000 parts: unbounded, MimeKit needs minutes and gigabytes for
        // the header alone. The composer parses through the same bounds as every other view of stored mail.
        var lucy = await fixture.NewAccountAsync("lucy");
        var text = new System.Text.StringBuilder("From: Mallory <mallory@evil.example>\r\nTo: lucy@local.example\r\nSubject: nasty\r\nMIME-Version: 1.0\r\nX-Huge: start", 11 * 1024 * 1024);
        while (text.Length < 10 * 1024 * 1024)
            text.Append("\r\n ").Append('a', 76);
        text.Append("\r\nContent-Type: multipart/mixed; boundary=\"p\"\r\n\r\n--p\r\nContent-Type: text/plain\r\n\r\nthe first part\r\n");
        for (var i = 1; i < 20_000; i++)
            text.Append("--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"f.bin\"\r\n\r\nx\r\n");
        text.Append("--p--\r\n");
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(lucy.Id, SpecialFolder.Inbox, default);
        var stored = await fixture.Server.Messages.AppendAsync(lucy.Id, inbox.Id, System.Text.Encoding.ASCII.GetBytes(text.ToString()), MessageFlags.None, enforceQuota: false);
        var compose = fixture.Server.Services.GetRequiredService<ComposeService>();
        var staging = fixture.Server.Services.GetRequiredService<AttachmentStaging>();
        var session = staging.CreateSession();

        // On the thread pool, so the bound holds even if the parse never yields.
        var reply = await Task.Run(() => compose.RespondAsync(lucy.Id, stored.Id, ComposeMode.Reply, session, default)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("Re: nasty", reply!.Subject);
        Assert.Equal("mallory@evil.example", MailboxAddress.Parse(reply.To).Address);
        Assert.Contains("the first part", reply.Body);

        var forward = await Task.Run(() => compose.RespondAsync(lucy.Id, stored.Id, ComposeMode.Forward, session, default)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("Fwd: nasty", forward!.Subject);
        // The bounded view ends before boundary line 1,001, so at most that many attachments are staged.
        Assert.InRange(forward.Attachments.Count, 1, 1000);
        staging.DeleteSession(session);
    }
}
