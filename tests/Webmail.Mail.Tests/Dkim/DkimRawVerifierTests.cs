using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Webmail.Core.Messages;
using Webmail.Mail.Dkim;

namespace Webmail.Mail.Tests.Dkim;

/// <summary>
/// The fast path of DKIM verification (<see cref="DkimRawVerifier"/>: the bytes as they arrived, the platform's RSA)
/// against MimeKit's verifier on the parsed message, over signatures MimeKit makes with each canonicalization and
/// the changes that must and must not break them: both give the same result every time, and the fast path takes the
/// common signature without parsing the message.
/// </summary>
public sealed class DkimRawVerifierTests
{
    private static readonly Lazy<(AsymmetricKeyParameter Private, string Record)> Key = new(() => NewKey(2048));
    private static readonly Lazy<(AsymmetricKeyParameter Private, string Record)> ShortKey = new(() => NewKey(512));

    private static (AsymmetricKeyParameter, string) NewKey(int bits)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), bits));
        var pair = generator.GenerateKeyPair();
        return (pair.Private, "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded()));
    }

    private readonly TestDns _dns = new();
    private readonly DkimVerification _verification;

    public DkimRawVerifierTests()
    {
        _dns.Txt["sel._domainkey.example.org"] = [Key.Value.Record];
        _dns.Txt["short._domainkey.example.org"] = [ShortKey.Value.Record];
        _verification = new DkimVerification(_dns, NullLogger<DkimVerification>.Instance);
    }

    private const string Plain =
        "From: Alice <alice@example.org>\r\nTo: bob@local.example\r\nSubject: Quarterly   figures\r\n" +
        "Date: Sat, 05 Dec 2026 20:00:00 +0000\r\nMessage-ID: <1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
        "Dear Bob,\r\n\r\nthe figures\tare  attached.   \r\n  Indented line\r\n\r\n\r\n";

    private const string Multipart =
        "From: alice@example.org\r\nTo: bob@local.example, carol@local.example\r\nSubject: A folded\r\n subject line\r\n" +
        "Date: Sat, 05 Dec 2026 20:00:00 +0000\r\nMessage-ID: <2@example.org>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n" +
        "--b1\r\nContent-Type: text/plain\r\n\r\nHello\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>Hello</p>\r\n--b1--\r\n";

    private const string EmptyBody =
        "From: alice@example.org\r\nTo: bob@local.example\r\nSubject: nothing\r\nMessage-ID: <3@example.org>\r\n\r\n";

    private const string NoFinalLineEnd =
        "From: alice@example.org\r\nTo: bob@local.example\r\nSubject: cut\r\nMessage-ID: <4@example.org>\r\n\r\nlast line without an end";

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var message in new[] { nameof(Plain), nameof(Multipart), nameof(EmptyBody), nameof(NoFinalLineEnd) })
        foreach (var c in new[] { "relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed" })
        foreach (var change in Changes.Keys)
            data.Add(message, c, change);
        return data;
    }

    /// <summary>What is done to the signed bytes before they are verified.</summary>
    private static readonly Dictionary<string, Func<string, string>> Changes = new()
    {
        ["none"] = m => m,
        ["body changed"] = m => m.Insert(m.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4, "P.S. "),
        ["subject changed"] = m => m.Replace("Subject: ", "Subject: Re: ", StringComparison.Ordinal),
        ["unsigned header added"] = m => "Received: from relay.example by mx.local.example; Sat, 05 Dec 2026 20:00:01 +0000\r\n" + m,
        ["spaces in a signed header"] = m => m.Replace("To: ", "To:    ", StringComparison.Ordinal),
        ["header refolded"] = m => m.Replace("Subject: ", "Subject:\r\n ", StringComparison.Ordinal),
        ["blank lines added at the end"] = m => m.EndsWith("\r\n", StringComparison.Ordinal) ? m + "\r\n\r\n" : m,
        ["trailing spaces on a body line"] = m => m.Replace("Hello\r\n", "Hello  \r\n", StringComparison.Ordinal).Replace("Dear Bob,\r\n", "Dear Bob, \r\n", StringComparison.Ordinal),
        ["second From above"] = m => "From: mallory@evil.example\r\n" + m,
        ["second From below"] = m => m.Insert(m.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2, "From: mallory@evil.example\r\n"),
        ["tab for space in a body line"] = m => m.Replace("the figures", "the\tfigures", StringComparison.Ordinal),
    };

    private static string Text(string name) => name switch
    {
        nameof(Plain) => Plain,
        nameof(Multipart) => Multipart,
        nameof(EmptyBody) => EmptyBody,
        _ => NoFinalLineEnd,
    };

    private static byte[] Sign(string text, string canonicalization, string selector = "sel", AsymmetricKeyParameter? key = null, DkimSignatureAlgorithm algorithm = DkimSignatureAlgorithm.RsaSha256,
        HeaderId[]? headers = null)
    {
        var message = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(text)));
        var parts = canonicalization.Split('/');
        var signer = new DkimSigner(key ?? Key.Value.Private, "example.org", selector, algorithm)
        {
            HeaderCanonicalizationAlgorithm = parts[0] == "relaxed" ? DkimCanonicalizationAlgorithm.Relaxed : DkimCanonicalizationAlgorithm.Simple,
            BodyCanonicalizationAlgorithm = parts[1] == "relaxed" ? DkimCanonicalizationAlgorithm.Relaxed : DkimCanonicalizationAlgorithm.Simple,
        };
        signer.Sign(message, headers ?? [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.ContentType, HeaderId.Cc]);
        using var output = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        return output.ToArray();
    }

    /// <summary>The fast path's results, and whether it had to parse the message (0 or 1 times).</summary>
    private async Task<(string Results, int Parses)> FastAsync(byte[] raw)
    {
        var parsed = new Lazy<MimeMessage?>(() => MimeInput.Load(raw, 50), LazyThreadSafetyMode.None);
        var results = await _verification.VerifyAsync(raw, parsed, default);
        return (string.Join("; ", results), parsed.IsValueCreated ? 1 : 0);
    }

    private async Task<string> ReferenceAsync(byte[] raw) =>
        string.Join("; ", await _verification.VerifyAsync(MimeMessage.Load(new MemoryStream(raw)), default));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheBytesGiveWhatMimeKitGives(string message, string canonicalization, string change)
    {
        var signed = Encoding.ASCII.GetString(Sign(Text(message), canonicalization));
        var raw = Encoding.ASCII.GetBytes(Changes[change](signed));

        var (fast, parses) = await FastAsync(raw);

        Assert.Equal(await ReferenceAsync(raw), fast);
        Assert.Equal(0, parses);
        if (change == "none")
            Assert.StartsWith("dkim=pass", fast, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("subject changed", "fail")]
    [InlineData("body changed", "fail")]
    [InlineData("spaces in a signed header", "pass")]
    [InlineData("header refolded", "pass")]
    [InlineData("trailing spaces on a body line", "pass")]
    [InlineData("unsigned header added", "pass")]
    [InlineData("second From above", "pass")]
    public async Task RelaxedSignaturesSurviveWhatRelaxedAllowsAndNothingElse(string change, string expected)
    {
        var raw = Encoding.ASCII.GetBytes(Changes[change](Encoding.ASCII.GetString(Sign(Plain, "relaxed/relaxed"))));

        var (fast, _) = await FastAsync(raw);

        Assert.StartsWith("dkim=" + expected + " ", fast, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKeyShorterThan1024BitsFailsOnBothPaths()
    {
        _dns.Txt["short._domainkey.example.org"] = [ShortKey.Value.Record];
        var raw = Sign(Plain, "relaxed/relaxed", "short", ShortKey.Value.Private);

        var (fast, parses) = await FastAsync(raw);

        Assert.StartsWith("dkim=fail", fast, StringComparison.Ordinal);
        Assert.Equal(await ReferenceAsync(raw), fast);
        Assert.Equal(0, parses);
    }

    [Fact]
    public async Task UncommonSignaturesGoToMimeKit()
    {
        // rsa-sha1 (RFC 8301: not to be accepted) and a body length limit are MimeKit's to judge.
        var sha1 = Sign(Plain, "relaxed/relaxed", algorithm: DkimSignatureAlgorithm.RsaSha1);
        var (fast, parses) = await FastAsync(sha1);
        Assert.Equal(await ReferenceAsync(sha1), fast);
        Assert.Equal(1, parses);

        var limited = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(Sign(Plain, "simple/simple")).Replace("c=simple/simple;", "c=simple/simple; l=5;", StringComparison.Ordinal));
        (fast, parses) = await FastAsync(limited);
        Assert.Equal(await ReferenceAsync(limited), fast);
        Assert.Equal(1, parses);
    }

    [Fact]
    public async Task BareLineEndsAndMissingKeysGiveWhatMimeKitGives()
    {
        var bare = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(Sign(Plain, "relaxed/relaxed")).Replace("Dear Bob,\r\n", "Dear Bob,\n", StringComparison.Ordinal));
        var (fast, parses) = await FastAsync(bare);
        Assert.Equal(await ReferenceAsync(bare), fast);
        Assert.Equal(1, parses);

        var missing = Sign(Plain, "relaxed/relaxed", "gone");
        (fast, parses) = await FastAsync(missing);
        Assert.StartsWith("dkim=permerror", fast, StringComparison.Ordinal);
        Assert.Equal(await ReferenceAsync(missing), fast);
        Assert.Equal(0, parses);

        _dns.Failing.Add("sel._domainkey.example.org");
        var failing = Sign(Plain, "relaxed/relaxed");
        (fast, _) = await FastAsync(failing);
        Assert.StartsWith("dkim=temperror", fast, StringComparison.Ordinal);
        Assert.Equal(await ReferenceAsync(failing), fast);
    }
}
