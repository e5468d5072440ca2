using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Webmail.Core.Model;
using Webmail.Mail.Delivery;
using Webmail.Testing;

namespace Webmail.Smtp.Tests.SenderChecks;

/// <summary>
/// The whole server with its resolver pointed at a DNS server on loopback that serves the test domains' SPF, DKIM
/// and DMARC records, a small content scanner that reads its verdict from an <c>X-Test-Scan</c> field, and a counter
/// that records what the pipeline counts. <c>lists.example</c> is a trusted ARC sealer.
/// </summary>
public sealed class SenderCheckServer : IAsyncLifetime
{
    public const string Hostname = "mx.local.example";
    public LoopbackDnsServer Dns { get; } = new();
    public TestServer Server { get; private set; } = null!;
    public Account User { get; private set; } = null!;
    public RecordingCounter Counter { get; } = new();

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Hostname"] = Hostname,
            ["Webmail:Dns:Servers:0"] = Dns.Endpoint,
            // A lookup that gets no answer gives up after 3 × 1 s: the timeout tests stay quick, and an answer this
            // process's DNS server gives late while the other test classes load both cores is still an answer (at
            // 200 ms one was not, and a trusted list's ARC check failed).
            ["Webmail:Dns:Timeout"] = "00:00:01",
            ["Webmail:Dmarc:TrustedArcSealers:0"] = "lists.example",
        }, services: s =>
        {
            s.AddSingleton<IContentScanner, HeaderScanner>();
            s.AddSingleton<IInboundFilterCounter>(Counter);
        });
        User = await Server.CreateAccountAsync("user@local.example", "correct horse");
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Dns.Dispose();
    }

    /// <summary>The stored bytes of the one message with <paramref name="subject"/> in <paramref name="folder"/>, or null when there is none.</summary>
    public async Task<string?> StoredAsync(string subject, SpecialFolder folder)
    {
        var box = await Server.Messages.GetSpecialFolderAsync(User.Id, folder, default);
        var page = await Server.Messages.ListAsync(User.Id, box.Id, 0, 500, MessageSort.DateDescending, default);
        var found = page.Items.Where(m => m.Subject.Contains(subject, StringComparison.Ordinal)).ToList();
        return found.Count switch
        {
            0 => null,
            1 => Encoding.UTF8.GetString((await Server.Messages.GetRawAsync(User.Id, found[0].Id, default))!),
            _ => throw new InvalidOperationException($"{found.Count} messages with subject {subject}"),
        };
    }

    /// <summary>An RSA key pair and its DKIM TXT record (RFC 6376 §3.6.1).</summary>
    public static (AsymmetricKeyParameter Private, string Record) NewKey()
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), 1024));
        var pair = generator.GenerateKeyPair();
        var publicKey = Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded());
        return (pair.Private, "v=DKIM1; k=rsa; p=" + publicKey);
    }

    public static MimeMessage Parse(byte[] raw) => MimeMessage.Load(new MemoryStream(raw));

    public static byte[] Bytes(MimeMessage message)
    {
        using var output = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        return output.ToArray();
    }

    /// <summary>Signs as <paramref name="domain"/> (relaxed/relaxed, the usual choice of senders).</summary>
    public static void Sign(MimeMessage message, AsymmetricKeyParameter key, string domain, string selector)
    {
        var signer = new DkimSigner(key, domain, selector) { HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed, BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed };
        signer.Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
    }

    /// <summary>The first 8 characters of the message's DKIM b= (RFC 6008), as the header names it.</summary>
    public static string ShortB(byte[] raw)
    {
        var signature = Parse(raw).Headers[HeaderId.DkimSignature] ?? throw new InvalidOperationException("not signed");
        var b = signature.Split(';').Select(t => t.Trim()).First(t => t.StartsWith("b=", StringComparison.Ordinal))[2..];
        return new string(b.Where(c => !char.IsWhiteSpace(c)).Take(8).ToArray());
    }

    /// <summary>A mailing list's ARC sealer (RFC 8617): it records what it saw in ARC-Authentication-Results.</summary>
    public sealed class ListSealer(AsymmetricKeyParameter key, string domain, string selector, string results) : ArcSigner(key, domain, selector, DkimSignatureAlgorithm.RsaSha256)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
        {
            return AuthenticationResults.TryParse(Encoding.ASCII.GetBytes($"{Domain}; {results}"), out var parsed)
                ? parsed
                : throw new FormatException("bad results: " + results);
        }

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(GenerateArcAuthenticationResults(options, message, cancellationToken));
    }

    /// <summary>
    /// A real scanner, kept small: <c>X-Test-Scan: junk 7.5</c>, <c>reject</c>, <c>tempfail</c>, <c>accept</c>; a message
    /// without the field is not scanned.
    /// </summary>
    private sealed class HeaderScanner : IContentScanner
    {
        public Task<ScanVerdict> ScanAsync(ScanRequest request, ReadOnlySequence<byte> message, CancellationToken cancellationToken)
        {
            var text = Encoding.ASCII.GetString(message.ToArray());
            var head = text[..Math.Max(0, text.IndexOf("\r\n\r\n", StringComparison.Ordinal))];
            var line = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("X-Test-Scan:", StringComparison.OrdinalIgnoreCase));
            if (line is null)
                return Task.FromResult(ScanVerdict.NotScanned);
            var words = line["X-Test-Scan:".Length..].Trim().Split(' ');
            var score = words.Length > 1 ? double.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
            var action = words[0] switch { "junk" => ScanAction.Junk, "reject" => ScanAction.Reject, "tempfail" => ScanAction.TempFail, _ => ScanAction.Accept };
            return Task.FromResult(new ScanVerdict(action, score, 6, [new ScanSymbol("TEST_" + words[0].ToUpperInvariant(), score), new ScanSymbol("MIME_GOOD", -0.1)]));
        }
    }

    public sealed class RecordingCounter : IInboundFilterCounter
    {
        public ConcurrentQueue<(string Outcome, string Reason)> Counted { get; } = new();

        public ValueTask CountAsync(string outcome, string reason, CancellationToken cancellationToken)
        {
            Counted.Enqueue((outcome, reason));
            return ValueTask.CompletedTask;
        }
    }
}
