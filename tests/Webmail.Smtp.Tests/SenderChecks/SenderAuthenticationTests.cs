using System.Text;
using MimeKit;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Smtp.Tests.SenderChecks;

/// <summary>
/// Who sent it, over real SMTP against the real server, DNS answered by a DNS server on loopback: SPF (RFC 7208) at
/// MAIL FROM, DKIM, ARC (RFC 8617) and DMARC (RFC 7489) after DATA, one Authentication-Results field (RFC 8601).
/// The client is 127.0.0.1, which no test domain's SPF record lists unless the test says so.
/// </summary>
public sealed class SenderAuthenticationTests(SenderCheckServer fixture) : IClassFixture<SenderCheckServer>
{
    private const string Ar = "Authentication-Results: " + SenderCheckServer.Hostname + ";\r\n\t";

    private static string NewSubject(string what) => what + "-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<string> SendAsync(string mailFrom, byte[] message)
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SmtpPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        await smtp.ExpectAsync($"MAIL FROM:<{mailFrom}>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        return await smtp.DataAsync(message);
    }

    [Fact]
    public async Task ForgedFromWithRejectPolicyIsRefusedAtTheEndOfData()
    {
        fixture.Dns.Txt("bank.example", "v=spf1 ip4:192.0.2.1 -all").Txt("_dmarc.bank.example", "v=DMARC1; p=reject; rua=mailto:dmarc@bank.example");
        var subject = NewSubject("forged");

        // SPF fails at MAIL FROM, but the transaction goes on: DMARC decides (RFC 7489 §10.1).
        var reply = await SendAsync("ceo@bank.example", TestMessages.Simple(from: "CEO <ceo@bank.example>", subject: subject));

        Assert.Equal("550 5.7.1 Rejected by the DMARC policy of bank.example", reply.TrimEnd());
        Assert.Null(await fixture.StoredAsync(subject, SpecialFolder.Inbox));
        Assert.Null(await fixture.StoredAsync(subject, SpecialFolder.Junk));
        Assert.Contains(("rejected", "dmarc"), fixture.Counter.Counted);
    }

    [Fact]
    public async Task QuarantinePolicyDeliversToJunkWithTheResultsHeader()
    {
        fixture.Dns.Txt("shop.example", "v=spf1 ip4:192.0.2.1 -all").Txt("_dmarc.shop.example", "v=DMARC1; p=quarantine");
        var subject = NewSubject("quarantine");

        var reply = await SendAsync("news@shop.example", TestMessages.Simple(from: "news@shop.example", subject: subject));

        SmtpTranscript.AssertReply(reply, 250, "2.0.0");
        Assert.Null(await fixture.StoredAsync(subject, SpecialFolder.Inbox));
        var raw = await fixture.StoredAsync(subject, SpecialFolder.Junk);
        Assert.StartsWith(Ar + "spf=fail smtp.mailfrom=shop.example;\r\n\tdkim=none;\r\n\tarc=none;\r\n\tdmarc=fail (p=quarantine dis=quarantine) header.from=shop.example\r\n"
            + "Received: from client.remote.example ([127.0.0.1])", raw);
        Assert.Contains(("quarantined", "dmarc"), fixture.Counter.Counted);
    }

    [Fact]
    public async Task SpfFailExplanationIsKeptInTheResultsHeaderAsTheDomainsWords()
    {
        // RFC 7208 §6.2: exp= names a TXT record whose macro-expanded text explains the fail. SPF fail alone is not
        // refused (no DMARC record here), so the explanation goes into the header's comment, parentheses quoted.
        fixture.Dns.Txt("club.example", "v=spf1 exp=why.%{d} ip4:192.0.2.1 -all").Txt("why.club.example", "%{i} is not (yet) a server of %{d}");
        var subject = NewSubject("spf-exp");

        var reply = await SendAsync("member@club.example", TestMessages.Simple(from: "member@club.example", subject: subject));

        SmtpTranscript.AssertReply(reply, 250, "2.0.0");
        var raw = await fixture.StoredAsync(subject, SpecialFolder.Inbox);
        Assert.StartsWith(Ar + "spf=fail (explanation from club.example: 127.0.0.1 is not \\(yet\\) a server of club.example) smtp.mailfrom=club.example;\r\n\tdkim=none;", raw);
    }

    [Fact]
    public async Task RejectActionQuarantineSendsRejectPolicyFailuresToJunk()
    {
        using var dns = new LoopbackDnsServer();
        dns.Txt("_dmarc.bank.example", "v=DMARC1; p=reject");
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Hostname"] = SenderCheckServer.Hostname,
            ["Webmail:Dns:Servers:0"] = dns.Endpoint,
            ["Webmail:Dmarc:RejectAction"] = "Quarantine",
        });
        var user = await server.CreateAccountAsync("user@local.example");
        await using var smtp = await SmtpTranscript.ConnectAsync(server.SmtpPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        await smtp.ExpectAsync("MAIL FROM:<ceo@bank.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);

        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple(from: "ceo@bank.example", subject: "softened")), 250);

        var junk = await server.Messages.GetSpecialFolderAsync(user.Id, SpecialFolder.Junk, default);
        var stored = Assert.Single((await server.Messages.ListAsync(user.Id, junk.Id, 0, 10, MessageSort.DateDescending, default)).Items);
        Assert.Contains("\tdmarc=fail (p=reject dis=quarantine) header.from=bank.example\r\n", Encoding.UTF8.GetString((await server.Messages.GetRawAsync(user.Id, stored.Id, default))!));
    }

    [Fact]
    public async Task SubdomainPolicyAndPercentApply()
    {
        // sp=reject governs news.corp.example, found at the organisational domain; pct=0 turns reject into quarantine.
        fixture.Dns.Txt("_dmarc.corp.example", "v=DMARC1; p=none; sp=reject");
        fixture.Dns.Txt("_dmarc.pct.example", "v=DMARC1; p=reject; pct=0");
        var refused = NewSubject("sp");
        var softened = NewSubject("pct");

        Assert.Equal("550 5.7.1 Rejected by the DMARC policy of news.corp.example",
            (await SendAsync("a@news.corp.example", TestMessages.Simple(from: "a@news.corp.example", subject: refused))).TrimEnd());
        SmtpTranscript.AssertReply(await SendAsync("a@pct.example", TestMessages.Simple(from: "a@pct.example", subject: softened)), 250);

        Assert.Contains("\tdmarc=fail (p=reject dis=quarantine) header.from=pct.example\r\n", await fixture.StoredAsync(softened, SpecialFolder.Junk));
    }

    [Fact]
    public async Task AlignedDkimPassesWhenSpfFailsAfterForwarding()
    {
        var (key, record) = SenderCheckServer.NewKey();
        fixture.Dns.Txt("sel._domainkey.alice.example", record).Txt("alice.example", "v=spf1 ip4:192.0.2.1 -all").Txt("_dmarc.alice.example", "v=DMARC1; p=reject");
        var subject = NewSubject("forwarded");
        var message = SenderCheckServer.Parse(TestMessages.Simple(from: "Alice <alice@alice.example>", subject: subject));
        SenderCheckServer.Sign(message, key, "alice.example", "sel");
        var raw = SenderCheckServer.Bytes(message);

        // A forwarder (127.0.0.1, not in alice.example's SPF) passes it on with the original envelope sender.
        var reply = await SendAsync("alice@alice.example", raw);

        SmtpTranscript.AssertReply(reply, 250);
        Assert.StartsWith(Ar + "spf=fail smtp.mailfrom=alice.example;\r\n\t"
            + $"dkim=pass header.d=alice.example header.s=sel header.b=\"{SenderCheckServer.ShortB(raw)}\";\r\n\t"
            + "arc=none;\r\n\tdmarc=pass (p=reject dis=none) header.from=alice.example\r\nReceived: ", await fixture.StoredAsync(subject, SpecialFolder.Inbox));
    }

    [Fact]
    public async Task SpfPassAlignedWithTheFromDomainPasses()
    {
        fixture.Dns.Txt("direct.example", "v=spf1 ip4:127.0.0.0/8 -all").Txt("_dmarc.direct.example", "v=DMARC1; p=reject; aspf=s");
        var subject = NewSubject("direct");

        SmtpTranscript.AssertReply(await SendAsync("bob@direct.example", TestMessages.Simple(from: "bob@direct.example", subject: subject)), 250);

        Assert.StartsWith(Ar + "spf=pass smtp.mailfrom=direct.example;\r\n\tdkim=none;\r\n\tarc=none;\r\n\tdmarc=pass (p=reject dis=none) header.from=direct.example\r\n",
            await fixture.StoredAsync(subject, SpecialFolder.Inbox));
    }

    /// <summary>A list changes the subject (breaking the author's DKIM signature) and seals what it saw with ARC.</summary>
    private static byte[] ListPost(string listDomain, string subject, out string authorB)
    {
        var message = SenderCheckServer.Parse(TestMessages.Simple(from: "Carol <carol@carol.example>", to: "list@" + listDomain, subject: subject));
        SenderCheckServer.Sign(message, AuthorKey, "carol.example", "sel");
        authorB = SenderCheckServer.ShortB(SenderCheckServer.Bytes(message));
        message.Subject = "[list] " + subject;
        new SenderCheckServer.ListSealer(ListKey, listDomain, "arc", "spf=pass smtp.mailfrom=carol.example; dkim=pass header.d=carol.example; dmarc=pass header.from=carol.example")
            .Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
        return SenderCheckServer.Bytes(message);
    }

    private static readonly (Org.BouncyCastle.Crypto.AsymmetricKeyParameter Private, string Record) Author = SenderCheckServer.NewKey();
    private static readonly (Org.BouncyCastle.Crypto.AsymmetricKeyParameter Private, string Record) List = SenderCheckServer.NewKey();
    private static Org.BouncyCastle.Crypto.AsymmetricKeyParameter AuthorKey => Author.Private;
    private static Org.BouncyCastle.Crypto.AsymmetricKeyParameter ListKey => List.Private;

    private void PublishListDomains()
    {
        fixture.Dns.Remove("sel._domainkey.carol.example");
        fixture.Dns.Txt("sel._domainkey.carol.example", Author.Record).Txt("_dmarc.carol.example", "v=DMARC1; p=reject");
        foreach (var list in new[] { "lists.example", "other-list.example" })
        {
            fixture.Dns.Remove("arc._domainkey." + list);
            fixture.Dns.Remove(list);
            fixture.Dns.Txt("arc._domainkey." + list, List.Record).Txt(list, "v=spf1 ip4:127.0.0.1 -all");
        }
    }

    [Fact]
    public async Task ArcSealedListMailFromATrustedSealerPasses()
    {
        PublishListDomains();
        var subject = NewSubject("list");
        var raw = ListPost("lists.example", subject, out var authorB);

        var reply = await SendAsync("list-bounces@lists.example", raw);

        SmtpTranscript.AssertReply(reply, 250);
        Assert.StartsWith(Ar + "spf=pass smtp.mailfrom=lists.example;\r\n\t"
            + $"dkim=fail header.d=carol.example header.s=sel header.b=\"{authorB}\";\r\n\t"
            + "arc=pass;\r\n\tdmarc=fail (p=reject dis=none; overridden by ARC from lists.example) header.from=carol.example\r\nReceived: ",
            await fixture.StoredAsync(subject, SpecialFolder.Inbox));
    }

    [Fact]
    public async Task ArcSealFromASealerNotTrustedOverridesNothing()
    {
        PublishListDomains();
        var subject = NewSubject("untrusted-list");

        var reply = await SendAsync("list-bounces@other-list.example", ListPost("other-list.example", subject, out _));

        Assert.Equal("550 5.7.1 Rejected by the DMARC policy of carol.example", reply.TrimEnd());
    }

    [Fact]
    public async Task ArcKeyTimeoutOfATrustedSealerIsA451NotARefusal()
    {
        PublishListDomains();
        fixture.Dns.Silent["slow._domainkey.lists.example"] = true;
        var subject = NewSubject("slow-arc");
        var message = SenderCheckServer.Parse(TestMessages.Simple(from: "Carol <carol@carol.example>", to: "list@lists.example", subject: subject));
        message.Subject = "[list] " + subject; // the author's signature would not survive the list either
        new SenderCheckServer.ListSealer(ListKey, "lists.example", "slow", "spf=pass smtp.mailfrom=carol.example; dmarc=pass header.from=carol.example")
            .Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);

        var reply = await SendAsync("list-bounces@lists.example", SenderCheckServer.Bytes(message));

        // The seal might have overridden carol.example's p=reject: the list is asked to try again, not refused.
        Assert.Equal("451 4.7.1 ARC check of lists.example failed temporarily (DNS), try again later", reply.TrimEnd());
        Assert.Null(await fixture.StoredAsync(subject, SpecialFolder.Inbox));
        Assert.Contains(("tempfailed", "dmarc"), fixture.Counter.Counted);
    }

    [Fact]
    public async Task SpfDnsTimeoutIsA451AtMailFrom()
    {
        fixture.Dns.Silent["slow.example"] = true;
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SmtpPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);

        var reply = await smtp.CommandAsync("MAIL FROM:<someone@slow.example>");

        // The library counts the client's failed commands in its reply text, as for AUTH (AuthExchangeTests).
        Assert.Equal("451 4.7.24 SPF check failed temporarily (DNS), try again later, 9 retry(ies) remaining.\r\n", reply);
        // The session goes on: another sender is accepted.
        await smtp.ExpectAsync("MAIL FROM:<someone@remote.example>", 250);
    }

    [Fact]
    public async Task DmarcDnsTimeoutIsA451AfterData()
    {
        fixture.Dns.Silent["_dmarc.slowpolicy.example"] = true;
        var subject = NewSubject("slow-dmarc");

        var reply = await SendAsync("someone@remote.example", TestMessages.Simple(from: "someone@slowpolicy.example", subject: subject));

        Assert.Equal("451 4.7.1 DMARC check of slowpolicy.example failed temporarily (DNS), try again later", reply.TrimEnd());
        Assert.Null(await fixture.StoredAsync(subject, SpecialFolder.Inbox));
        Assert.Null(await fixture.StoredAsync(subject, SpecialFolder.Junk));
        Assert.Contains(("tempfailed", "dmarc"), fixture.Counter.Counted);
    }

    [Fact]
    public async Task DkimKeyTimeoutWithARejectPolicyIsA451NotARefusal()
    {
        var (key, _) = SenderCheckServer.NewKey();
        fixture.Dns.Silent["sel._domainkey.dave.example"] = true;
        fixture.Dns.Txt("_dmarc.dave.example", "v=DMARC1; p=reject");
        var message = SenderCheckServer.Parse(TestMessages.Simple(from: "dave@dave.example", subject: NewSubject("slow-key")));
        SenderCheckServer.Sign(message, key, "dave.example", "sel");

        var reply = await SendAsync("dave@dave.example", SenderCheckServer.Bytes(message));

        Assert.Equal("451 4.7.1 DMARC check of dave.example failed temporarily (DNS), try again later", reply.TrimEnd());
    }

    [Fact]
    public async Task ForgedResultsUnderOurNameAreRemovedAndOursIsTheOnlyOne()
    {
        var subject = NewSubject("one-header");
        var message = TestMessages.Simple(from: "x@plain.example", subject: subject,
            extraHeaders: $"Authentication-Results: {SenderCheckServer.Hostname}; dmarc=pass header.from=bank.example\r\n");

        SmtpTranscript.AssertReply(await SendAsync("x@plain.example", message), 250);

        var raw = await fixture.StoredAsync(subject, SpecialFolder.Inbox);
        Assert.Equal(1, CountOccurrences(raw!, "Authentication-Results: "));
        Assert.StartsWith(Ar + "spf=none smtp.mailfrom=plain.example;\r\n\tdkim=none;\r\n\tarc=none;\r\n\tdmarc=none header.from=plain.example\r\n", raw);
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
            count++;
        return count;
    }
}
