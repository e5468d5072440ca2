using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Webmail.Core.Configuration;
using Webmail.Mail.Authentication;
using Webmail.Mail.Dkim;
using Webmail.Mail.Tests.Outbound;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Dkim;

/// <summary>DKIM keys, signing of outbound mail and the Authentication-Results stamp on inbound mail.</summary>
public sealed class DkimTests : IAsyncLifetime
{
    private readonly TestDns _dns = new();
    private OutboundHarness _h = null!;
    private DkimDnsRecord _record = null!;

    public async Task InitializeAsync()
    {
        _h = await OutboundHarness.StartAsync();
        _record = await _h.Services.GetRequiredService<DkimKeyService>().GenerateAsync("a.example", "test", default);
        _dns.Txt[_record.Name] = [_record.Value];
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>The Authentication-Results field the sender checks write for <paramref name="raw"/> (no client address: no SPF).</summary>
    private async Task<string> AuthenticateAsync(byte[] raw)
    {
        var authenticator = new SenderAuthenticator(_dns, new DkimVerification(_dns, NullLogger<DkimVerification>.Instance),
            _h.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>(), NullLogger<SenderAuthenticator>.Instance);
        var headers = Webmail.Mail.Delivery.SubmittedHeaders.Read(new System.Buffers.ReadOnlySequence<byte>(raw), 32);
        var result = await authenticator.AuthenticateAsync(new System.Buffers.ReadOnlySequence<byte>(raw), headers.From, "", null, null, null, trusted: false, authenticator.StartBudget(), default);
        return result.Header;
    }

    private async Task<byte[]> SignedAsync(byte[] raw)
    {
        var message = OutboundHarness.Parse(raw);
        Assert.True(await _h.Services.GetRequiredService<DkimMessageSigner>().SignAsync(message, default));
        using var output = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        return output.ToArray();
    }

    [Fact]
    public void GeneratedRecordPublishesAnRsaKey()
    {
        Assert.StartsWith("v=DKIM1; k=rsa; p=MII", _record.Value);
        Assert.Equal($"{_record.Selector}._domainkey.a.example", _record.Name);
        Assert.All(_record.ToZoneLine().Split('"').Where((_, i) => i % 2 == 1), chunk => Assert.True(chunk.Length <= 255));
    }

    [Fact]
    public async Task SignedMessageVerifiesAgainstThePublishedKey()
    {
        var signed = await SignedAsync(TestMessages.Simple(from: "Lucy <lucy@a.example>", to: "betty@b.example"));

        var header = await AuthenticateAsync(signed);

        Assert.StartsWith($"Authentication-Results: {OutboundHarness.Hostname};\r\n\tdkim=pass header.d=a.example header.s={_record.Selector} header.b=\"", header);
        // No DMARC record for a.example: no policy, and the signature is aligned with the From domain.
        Assert.EndsWith("\";\r\n\tarc=none;\r\n\tdmarc=none header.from=a.example\r\n", header);
        var signature = OutboundHarness.Parse(signed).Headers[HeaderId.DkimSignature];
        Assert.Contains("c=relaxed/relaxed", signature);
        Assert.Contains("a=rsa-sha256", signature);
    }

    [Fact]
    public async Task AlteredBodyFailsVerification()
    {
        var signed = Encoding.UTF8.GetString(await SignedAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example", body: "Pay Bob 10 euros.")));
        var altered = Encoding.UTF8.GetBytes(signed.Replace("10 euros", "99 euros"));

        Assert.Contains("dkim=fail header.d=a.example", await AuthenticateAsync(altered));
    }

    [Fact]
    public async Task UnsignedMessageIsReportedAsNone()
    {
        Assert.Equal($"Authentication-Results: {OutboundHarness.Hostname};\r\n\tdkim=none;\r\n\tarc=none;\r\n\tdmarc=none header.from=remote.example\r\n",
            await AuthenticateAsync(TestMessages.Simple()));
    }

    [Fact]
    public async Task MissingKeyIsAPermanentErrorAndDnsFailureATemporaryOne()
    {
        var signed = await SignedAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example"));
        _dns.Txt.Remove(_record.Name);
        Assert.Contains("dkim=permerror", await AuthenticateAsync(signed));

        _dns.Failing.Add(_record.Name);
        Assert.Contains("dkim=temperror", await AuthenticateAsync(signed));
    }

    [Fact]
    public async Task MalformedSignatureIsAPermanentError()
    {
        var raw = TestMessages.Simple(from: "lucy@a.example", extraHeaders: "DKIM-Signature: v=1; a=rsa-sha256; d=a.example; s=nope; h=from; bh=; b=\r\n");

        Assert.Contains("dkim=permerror header.d=a.example header.s=nope", await AuthenticateAsync(raw));
    }

    [Fact]
    public async Task ASignatureFieldIsFoundWhateverItsCaseAndSpacingButNotInTheBody()
    {
        var lowercase = TestMessages.Simple(from: "lucy@a.example", extraHeaders: "dkim-signature : v=1; a=rsa-sha256; d=a.example; s=nope; h=from; bh=; b=\r\n");
        Assert.Contains("dkim=permerror header.d=a.example header.s=nope", await AuthenticateAsync(lowercase));

        var inBody = TestMessages.Simple(from: "lucy@a.example", body: "DKIM-Signature: v=1; d=a.example; s=nope; b=");
        Assert.Contains(";\r\n\tdkim=none;\r\n", await AuthenticateAsync(inBody));
    }

    [Fact]
    public async Task MailFromADomainWithoutAKeyIsNotSigned()
    {
        var message = OutboundHarness.Parse(TestMessages.Simple(from: "someone@c.example", to: "betty@b.example"));

        Assert.False(await _h.Services.GetRequiredService<DkimMessageSigner>().SignAsync(message, default));
        Assert.False(message.Headers.Contains(HeaderId.DkimSignature));
    }

    [Fact]
    public async Task QueuedMailLeavesSignedAndOtherwiseByteForByte()
    {
        var raw = TestMessages.Simple(from: "Lucy <lucy@a.example>", to: "betty@b.example", subject: "Signed", body: "Hello Betty.\r\n.dot line\r\n");
        await _h.SendAsync(raw, "betty@b.example");

        await _h.Queue.ProcessDueAsync(default);

        var data = Assert.Single(_h.Remote.Accepted).Data;
        var text = Encoding.UTF8.GetString(data);
        Assert.StartsWith("DKIM-Signature: ", text);
        // The signature is the only addition: everything after it is the original, byte for byte.
        var original = Encoding.UTF8.GetString(raw);
        Assert.EndsWith(original, text);
        Assert.Equal("From: ", text[(text.Length - original.Length)..][..6]);
        Assert.Contains("dkim=pass header.d=a.example", await AuthenticateAsync(data));
    }

    [Fact]
    public void SenderChecksAreRegisteredForTheInboundPipeline()
    {
        Assert.NotNull(_h.Services.GetService<SenderAuthenticator>());
    }
}
