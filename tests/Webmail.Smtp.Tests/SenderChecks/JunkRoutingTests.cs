using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Smtp.Tests.SenderChecks;

/// <summary>
/// After the sender checks: the content scanner's verdict (reject, try later, Junk with X-Spam-* fields), the
/// recipient's allow and block lists, and Sieve, which sees the verdict and whose fileinto wins over Junk.
/// Each test has an account of its own (lists and scripts are per account).
/// </summary>
public sealed class JunkRoutingTests(SenderCheckServer fixture) : IClassFixture<SenderCheckServer>
{
    private async Task<Account> NewAccountAsync() =>
        await fixture.Server.CreateAccountAsync($"u{Guid.NewGuid():N}"[..12] + "@local.example");

    private async Task<string> SendAsync(Account to, string mailFrom, byte[] message)
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SmtpPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        await smtp.ExpectAsync($"MAIL FROM:<{mailFrom}>", 250);
        await smtp.ExpectAsync($"RCPT TO:<{to.Address}>", 250);
        return await smtp.DataAsync(message);
    }

    private async Task<string?> StoredAsync(Account account, SpecialFolder folder)
    {
        var box = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, folder, default);
        var page = await fixture.Server.Messages.ListAsync(account.Id, box.Id, 0, 10, MessageSort.DateDescending, default);
        return page.Items.Count == 0 ? null : System.Text.Encoding.UTF8.GetString((await fixture.Server.Messages.GetRawAsync(account.Id, Assert.Single(page.Items).Id, default))!);
    }

    private SenderListService Lists => fixture.Server.Services.GetRequiredService<SenderListService>();

    [Fact]
    public async Task SpamGoesToJunkWithTheVerdictAndForgedVerdictsRemoved()
    {
        var account = await NewAccountAsync();
        var message = TestMessages.Simple(from: "promo@spammy.example", to: account.Address, extraHeaders: "X-Test-Scan: junk 7.5\r\nX-Spam-Status: No, score=-100\r\nx-spam-flag: NO\r\n");

        SmtpTranscript.AssertReply(await SendAsync(account, "promo@spammy.example", message), 250);

        Assert.Null(await StoredAsync(account, SpecialFolder.Inbox));
        var raw = await StoredAsync(account, SpecialFolder.Junk);
        Assert.StartsWith("X-Spam-Status: Yes, score=7.5 required=6.0\r\nX-Spam-Symbols: TEST_JUNK(7.5),\r\n\tMIME_GOOD(-0.1)\r\nAuthentication-Results: ", raw);
        // The sender's own X-Spam-* fields are gone: only the scanner's verdict is there.
        Assert.Equal(1, raw!.Split("\r\n").Count(l => l.StartsWith("X-Spam-Status", StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain("x-spam-flag", raw, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(("quarantined", "spam"), fixture.Counter.Counted);
    }

    [Fact]
    public async Task ScannerRejectIs550AndTempFailIs451()
    {
        var account = await NewAccountAsync();

        var rejected = await SendAsync(account, "a@spammy.example", TestMessages.Simple(from: "a@spammy.example", to: account.Address, extraHeaders: "X-Test-Scan: reject 20\r\n"));
        var deferred = await SendAsync(account, "a@spammy.example", TestMessages.Simple(from: "a@spammy.example", to: account.Address, extraHeaders: "X-Test-Scan: tempfail 9\r\n"));

        Assert.Equal("550 5.7.1 Message rejected as spam", rejected.TrimEnd());
        Assert.Equal("451 4.7.1 Message deferred by the spam filter, try again later", deferred.TrimEnd());
        Assert.Null(await StoredAsync(account, SpecialFolder.Inbox));
        Assert.Null(await StoredAsync(account, SpecialFolder.Junk));
        Assert.Contains(("rejected", "rspamd"), fixture.Counter.Counted);
        Assert.Contains(("tempfailed", "rspamd"), fixture.Counter.Counted);
    }

    [Fact]
    public async Task AllowListedAuthenticatedSenderReachesInboxWhateverTheScore()
    {
        fixture.Dns.Txt("friend.example", "v=spf1 ip4:127.0.0.1 -all");
        var account = await NewAccountAsync();
        await Lists.AddAsync(account.Id, SenderListKind.Allow, "friend.example", default);

        SmtpTranscript.AssertReply(await SendAsync(account, "pal@friend.example",
            TestMessages.Simple(from: "pal@friend.example", to: account.Address, extraHeaders: "X-Test-Scan: junk 9\r\n")), 250);

        Assert.StartsWith("X-Spam-Status: Yes, score=9.0 required=6.0\r\n", await StoredAsync(account, SpecialFolder.Inbox));
    }

    [Fact]
    public async Task AllowListDoesNotTrustAFromThatIsNotAuthenticated()
    {
        // No SPF, no DKIM: anyone can write "From: pal@unproven.example".
        var account = await NewAccountAsync();
        await Lists.AddAsync(account.Id, SenderListKind.Allow, "pal@unproven.example", default);

        SmtpTranscript.AssertReply(await SendAsync(account, "pal@unproven.example",
            TestMessages.Simple(from: "pal@unproven.example", to: account.Address, extraHeaders: "X-Test-Scan: junk 9\r\n")), 250);

        Assert.NotNull(await StoredAsync(account, SpecialFolder.Junk));
    }

    [Fact]
    public async Task AllowListDoesNotOverrideADmarcReject()
    {
        fixture.Dns.Txt("_dmarc.strict.example", "v=DMARC1; p=reject");
        var account = await NewAccountAsync();
        await Lists.AddAsync(account.Id, SenderListKind.Allow, "strict.example", default);

        var reply = await SendAsync(account, "x@strict.example", TestMessages.Simple(from: "x@strict.example", to: account.Address));

        Assert.Equal("550 5.7.1 Rejected by the DMARC policy of strict.example", reply.TrimEnd());
    }

    [Fact]
    public async Task BlockListSendsToJunkAndTheMostSpecificEntryWins()
    {
        var account = await NewAccountAsync();
        await Lists.AddAsync(account.Id, SenderListKind.Block, "noisy.example", default);
        var other = await NewAccountAsync();
        await Lists.AddAsync(other.Id, SenderListKind.Block, "*.noisy.example", default);
        fixture.Dns.Txt("noisy.example", "v=spf1 ip4:127.0.0.1 -all");
        await Lists.AddAsync(other.Id, SenderListKind.Allow, "boss@noisy.example", default);

        SmtpTranscript.AssertReply(await SendAsync(account, "boss@noisy.example", TestMessages.Simple(from: "boss@noisy.example", to: account.Address)), 250);
        SmtpTranscript.AssertReply(await SendAsync(other, "boss@noisy.example", TestMessages.Simple(from: "boss@noisy.example", to: other.Address)), 250);

        Assert.NotNull(await StoredAsync(account, SpecialFolder.Junk));
        Assert.NotNull(await StoredAsync(other, SpecialFolder.Inbox));
        Assert.Contains(("quarantined", "blocklist"), fixture.Counter.Counted);
    }

    [Fact]
    public async Task SieveSeesTheVerdictAndItsFileintoWinsOverJunk()
    {
        var account = await NewAccountAsync();
        var scripts = fixture.Server.Services.GetRequiredService<SieveScriptService>();
        Assert.True((await scripts.PutAsync(account.Id, "test", "main",
            "require \"fileinto\";\r\nif header :contains \"X-Spam-Status\" \"Yes\" { fileinto \"INBOX\"; }\r\n", default)).Succeeded);
        Assert.True((await scripts.ActivateAsync(account.Id, "test", "main", default)).Succeeded);

        SmtpTranscript.AssertReply(await SendAsync(account, "promo@spammy.example",
            TestMessages.Simple(from: "promo@spammy.example", to: account.Address, extraHeaders: "X-Test-Scan: junk 7\r\n")), 250);

        Assert.Null(await StoredAsync(account, SpecialFolder.Junk));
        Assert.NotNull(await StoredAsync(account, SpecialFolder.Inbox));
    }

    [Fact]
    public async Task SieveKeepFilesSpamIntoJunk()
    {
        var account = await NewAccountAsync();
        var scripts = fixture.Server.Services.GetRequiredService<SieveScriptService>();
        Assert.True((await scripts.PutAsync(account.Id, "test", "main", "keep;\r\n", default)).Succeeded);
        Assert.True((await scripts.ActivateAsync(account.Id, "test", "main", default)).Succeeded);

        SmtpTranscript.AssertReply(await SendAsync(account, "promo@spammy.example",
            TestMessages.Simple(from: "promo@spammy.example", to: account.Address, extraHeaders: "X-Test-Scan: junk 7\r\n")), 250);

        Assert.NotNull(await StoredAsync(account, SpecialFolder.Junk));
    }
}
