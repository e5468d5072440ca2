using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// The benchmark's sending domain, <c>remote.example</c>, as a well-run domain publishes it: SPF allowing 127.0.0.1,
/// a DKIM key, and <c>p=reject</c>. Mail sent as it passes every sender check, so a run measures the checks' cost.
/// </summary>
internal static class SenderDomain
{
    public const string Domain = "remote.example";
    public const string Selector = "bench";

    public static (AsymmetricKeyParameter Key, string Record) Publish(LoopbackDnsServer dns)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
        var pair = generator.GenerateKeyPair();
        var record = "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded());
        dns.Txt($"{Selector}._domainkey.{Domain}", record)
            .Txt(Domain, "v=spf1 ip4:127.0.0.0/8 -all")
            .Txt("_dmarc." + Domain, "v=DMARC1; p=reject");
        return (pair.Private, record);
    }

    /// <summary>The message signed by the domain (relaxed/relaxed), in CRLF form.</summary>
    public static byte[] Sign(byte[] raw, AsymmetricKeyParameter key)
    {
        var message = MimeMessage.Load(new MemoryStream(raw));
        var signer = new DkimSigner(key, Domain, Selector) { HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed, BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed };
        signer.Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
        using var output = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        return output.ToArray();
    }
}
