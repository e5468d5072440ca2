using System.Security.Cryptography;
using System.Text.Json;
using MimeKit;
using Webmail.Core.Messages;
using Webmail.Core.Messages.Imap;

namespace Webmail.Core.Tests.Imap;

/// <summary>
/// Our ENVELOPE, BODYSTRUCTURE, BODY and BODY[...] sections equal Dovecot 2.3's for the same messages (the corpus's
/// MIME seeds, Python's email test-suite samples and hand-written broken ones), recorded by record-dovecot.sh.
///
/// Normalised, and only where RFC 9051 leaves the server a choice:
/// - Strings compare by content: quoted or literal is the server's choice (RFC 9051 §4.3), and Dovecot picks a
///   literal for strings with 8-bit octets, more than 4 escapes, or a line break in the header it came from.
/// - Section octets compare with bare LF as CRLF: Dovecot sends a message's bare LFs as CRLF (RFC 9051 §2.3.4 wants
///   CRLF text on the wire) while Extract returns the stored octets unchanged; the samples are CRLF except one.
/// - 8-bit octets in strings compare as text (UTF-8 when valid, else Latin-1): our answers are .NET strings that the
///   session writes as UTF-8, so a Latin-1 octet cannot be sent as itself. This is a limit of our representation, not
///   an RFC choice; it concerns messages whose headers are neither ASCII nor UTF-8.
/// Known deviations (see <see cref="KnownDeviations"/>): where Dovecot's answer comes from a parsing choice of its own
/// that RFC 2046 / RFC 2231 do not support, we keep MimeKit's reading of the parts.
/// Dovecot's BINARY answers that were NO [PARSE] (broken base64 / quoted-printable) or a dropped connection are not
/// compared: Decode decodes leniently and has no error but UNKNOWN-CTE.
/// </summary>
public sealed class DovecotComparisonTests
{
    public static TheoryData<string> Samples() => DovecotRecordings.Samples();

    /// <summary>Samples whose part tree differs from Dovecot's on purpose, and why.</summary>
    private static readonly Dictionary<string, string> KnownDeviations = new()
    {
        // Content-Type: multipart/signed; boundary*="ansi-x3.4-1968''EeQf...": an RFC 2231 §4 extended boundary.
        // Dovecot looks only for a plain "boundary" parameter, finds none and shows one empty part; MimeKit decodes it
        // and finds the two parts that are there. BODYSTRUCTURE lists the parameter as Dovecot does ("boundary*").
        ["python/msg_33.txt"] = "RFC 2231 extended boundary parameter",
        // Boundaries "----- =_aaaaaaaaaa0/1/2" that are prefixes of one another inside text lines ("very tricky"):
        // Dovecot matches boundary prefixes and cuts part 1.2 out of a body line ("and "). RFC 2046 §5.1.1 requires
        // that a boundary not occur in the encapsulated text, so neither reading is wrong; the structure agrees, the
        // cut of part 1 and 1.2 does not.
        ["python/msg_38.txt"] = "boundary occurring inside a part's text",
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void EnvelopeEqualsDovecots(string sample)
    {
        if (Load(sample) is not { } message)
            return;

        var ours = ImapEnvelope.Build(message);

        AssertSameValue(Recorded(sample, "envelope"), ours);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void BodyStructureEqualsDovecots(string sample)
    {
        if (KnownDeviations.ContainsKey(sample))
            return;
        if (Load(sample) is not { } message)
            return;

        var ours = ImapBodyStructure.Build(message, extensible: true);

        AssertSameValue(Recorded(sample, "bodystructure"), ours);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void BodyEqualsDovecots(string sample)
    {
        if (KnownDeviations.ContainsKey(sample))
            return;
        if (Load(sample) is not { } message)
            return;

        var ours = ImapBodyStructure.Build(message, extensible: false);

        AssertSameValue(Recorded(sample, "body"), ours);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void ParsedMessageCarriesTheSameImapViews(string sample)
    {
        if (KnownDeviations.ContainsKey(sample))
            return;
        var raw = DovecotRecordings.Raw(sample);

        var parsed = MessageParser.Parse(raw);

        AssertSameValue(Recorded(sample, "envelope"), parsed.ImapEnvelope);
        AssertSameValue(Recorded(sample, "bodystructure"), parsed.ImapBodyStructure);
        AssertSameValue(Recorded(sample, "body"), parsed.ImapBody);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void MimeSectionsEqualDovecots(string sample)
    {
        if (KnownDeviations.ContainsKey(sample))
            return;
        var raw = DovecotRecordings.Raw(sample);

        foreach (var part in DovecotRecordings.For(sample).GetProperty("mime").EnumerateObject())
        {
            var ours = MessageSections.Extract(raw, new SectionSpec(Path(part.Name), SectionText.Mime, []));
            AssertSameOctets(DovecotRecordings.Octets(part.Value), ours, $"BODY[{part.Name}.MIME]");
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void PartContentsEqualDovecots(string sample)
    {
        if (KnownDeviations.ContainsKey(sample))
            return;
        var raw = DovecotRecordings.Raw(sample);

        foreach (var part in DovecotRecordings.For(sample).GetProperty("content").EnumerateObject())
        {
            var ours = MessageSections.Extract(raw, new SectionSpec(Path(part.Name), SectionText.Content, []));
            AssertSameDigest(part.Value, ours, $"BODY[{part.Name}]");
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void HeaderAndTextSectionsEqualDovecots(string sample)
    {
        var raw = DovecotRecordings.Raw(sample);
        var recorded = DovecotRecordings.For(sample);

        AssertSameOctets(DovecotRecordings.Octets(recorded.GetProperty("header")), MessageSections.Extract(raw, new SectionSpec([], SectionText.Header, [])), "BODY[HEADER]");
        AssertSameDigest(recorded.GetProperty("text"), MessageSections.Extract(raw, new SectionSpec([], SectionText.Text, [])), "BODY[TEXT]");
        AssertSameOctets(DovecotRecordings.Octets(recorded.GetProperty("headerFields")),
            MessageSections.Extract(raw, new SectionSpec([], SectionText.HeaderFields, DovecotRecordings.HeaderFields)), "BODY[HEADER.FIELDS (...)]");
        AssertSameOctets(DovecotRecordings.Octets(recorded.GetProperty("headerFieldsNot")),
            MessageSections.Extract(raw, new SectionSpec([], SectionText.HeaderFieldsNot, DovecotRecordings.HeaderFields)), "BODY[HEADER.FIELDS.NOT (...)]");
        foreach (var part in recorded.GetProperty("partHeader").EnumerateObject())
            AssertSameOctets(DovecotRecordings.Octets(part.Value), MessageSections.Extract(raw, new SectionSpec(Path(part.Name), SectionText.Header, [])), $"BODY[{part.Name}.HEADER]");
        foreach (var part in recorded.GetProperty("partText").EnumerateObject())
            AssertSameDigest(part.Value, MessageSections.Extract(raw, new SectionSpec(Path(part.Name), SectionText.Text, [])), $"BODY[{part.Name}.TEXT]");
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void BinarySectionsEqualDovecots(string sample)
    {
        if (KnownDeviations.ContainsKey(sample))
            return;
        var raw = DovecotRecordings.Raw(sample);

        foreach (var part in DovecotRecordings.For(sample).GetProperty("binary").EnumerateObject())
        {
            var ours = MessageSections.Decode(raw, Path(part.Name));
            if (part.Value.ValueKind == JsonValueKind.String)
            {
                var answer = part.Value.GetString()!;
                if (answer.StartsWith("NO [UNKNOWN-CTE]", StringComparison.Ordinal))
                    Assert.Null(ours);
                continue;
            }
            Assert.NotNull(ours);
            // Decoded content is compared as it is, or, for an identity encoding, with bare LF as CRLF as Dovecot sends it.
            var asIs = ours.Length == part.Value.GetProperty("size").GetInt32();
            AssertSameDigest(part.Value, ours, $"BINARY[{part.Name}]", asSent: !asIs);
        }
    }

    /// <summary>The sample as the IMAP session gets it; null when MimeKit cannot read it (ParsedMessage still answers, see ParsedMessageCarriesTheSameImapViews).</summary>
    private static MimeMessage? Load(string sample)
    {
        try
        {
            return MimeInput.Load(DovecotRecordings.Raw(sample), MimeInput.DefaultMaxMimeDepth);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Recorded(string sample, string name) => DovecotRecordings.For(sample).GetProperty(name).GetString()!;

    private static int[] Path(string part) => part.Split('.').Select(n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static void AssertSameValue(string recorded, string ours)
    {
        var expected = ImapValue.ParseRecorded(recorded);
        var actual = ImapValue.ParseOurs(ours);
        Assert.Equal(expected.ToString(), actual.ToString());
    }

    private static void AssertSameOctets(byte[]? recorded, byte[] ours, string what)
    {
        var expected = System.Text.Encoding.Latin1.GetString(recorded ?? []);
        var actual = System.Text.Encoding.Latin1.GetString(WithCrlf(ours));
        Assert.True(expected == actual, $"{what}\nexpected: {Escape(expected)}\nactual:   {Escape(actual)}");
    }

    private static void AssertSameDigest(JsonElement recorded, byte[] ours, string what, bool asSent = true)
    {
        // Decoded BINARY content is sent as it is: no line-ending change.
        var crlf = asSent ? WithCrlf(ours) : ours;
        var size = recorded.GetProperty("size").GetInt32();
        var sha = recorded.GetProperty("sha256").GetString();
        Assert.True(size == crlf.Length && sha == Convert.ToHexStringLower(SHA256.HashData(crlf)),
            $"{what}: Dovecot {size} octets, ours {crlf.Length}: {Escape(System.Text.Encoding.Latin1.GetString(crlf[..Math.Min(300, crlf.Length)]))}");
    }

    /// <summary>Bare LF as CRLF, as Dovecot sends it (see the class comment).</summary>
    private static byte[] WithCrlf(byte[] octets)
    {
        var output = new List<byte>(octets.Length + 16);
        for (var i = 0; i < octets.Length; i++)
        {
            if (octets[i] == '\n' && (i == 0 || octets[i - 1] != '\r'))
                output.Add((byte)'\r');
            output.Add(octets[i]);
        }
        return output.ToArray();
    }

    private static string Escape(string s) => s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
