using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace Webmail.Mail.Dkim;

/// <summary>
/// The common DKIM signature (RFC 6376, <c>a=rsa-sha256</c>, no <c>l=</c>) verified on the message's bytes as they
/// arrived, with the platform's RSA: no MIME parse and no managed big-number arithmetic, which were most of the cost
/// of the sender checks. Everything else (Ed25519, rsa-sha1, body length limits, malformed tags, bare line ends)
/// is left to MimeKit's <c>DkimVerifier</c> by returning <see cref="Outcome.NotHandled"/>, so results never depend
/// on which path ran; <c>DkimRawVerifierTests</c> holds the two to the same answers.
/// </summary>
internal static class DkimRawVerifier
{
    public enum Outcome
    {
        NotHandled,
        Pass,
        Fail,
    }

    /// <summary>MimeKit's default (<c>DkimVerifierBase.MinimumRsaKeyLength</c>): shorter keys fail.</summary>
    public const int MinimumRsaKeyLength = 1024;

    /// <summary>One header field: its name (as written, without the colon) and its value's bytes through the final CRLF.</summary>
    public readonly record struct Field(int Start, int NameLength, int ValueStart, int End);

    /// <summary>
    /// The header fields and where the body starts; false when the header section is not plain CRLF-framed fields
    /// (a bare CR or LF, a line without a colon, white space before a colon), which the fast path leaves alone.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> raw, List<Field> fields, out int bodyStart)
    {
        bodyStart = raw.Length;
        var at = 0;
        while (at < raw.Length)
        {
            if (raw[at..].StartsWith("\r\n"u8))
            {
                bodyStart = at + 2;
                return true;
            }
            if (raw[at] is (byte)' ' or (byte)'\t')
                return false; // a continuation with no field before it
            var colon = raw[at..].IndexOfAny((byte)':', (byte)'\r', (byte)'\n');
            if (colon <= 0 || raw[at + colon] != (byte)':' || raw[at + colon - 1] is (byte)' ' or (byte)'\t')
                return false;
            var end = at + colon + 1;
            while (true)
            {
                var lineEnd = raw[end..].IndexOfAny((byte)'\r', (byte)'\n');
                if (lineEnd < 0 || !raw[(end + lineEnd)..].StartsWith("\r\n"u8))
                    return false;
                end += lineEnd + 2;
                if (end >= raw.Length || raw[end] is not ((byte)' ' or (byte)'\t'))
                    break;
            }
            fields.Add(new Field(at, colon, at + colon + 1, end));
            at = end;
        }
        return true; // no body
    }

    /// <summary>The signature's tags as MimeKit reads them (white space removed from values); null when MimeKit would refuse them.</summary>
    public static Dictionary<string, string>? ParseTags(string value)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var index = 0;
        var text = new StringBuilder();
        while (index < value.Length)
        {
            while (index < value.Length && IsWhiteSpace(value[index]))
                index++;
            if (index >= value.Length)
                break;
            if (value[index] == ';' || !char.IsAsciiLetter(value[index]))
                return null;
            var start = index++;
            while (index < value.Length && value[index] != '=')
                index++;
            if (index >= value.Length)
                continue;
            var name = value.AsSpan(start, index - start).TrimEnd().ToString();
            text.Clear();
            index++;
            while (index < value.Length && value[index] != ';')
            {
                if (!IsWhiteSpace(value[index]))
                    text.Append(value[index]);
                index++;
            }
            if (!tags.TryAdd(name, text.ToString()))
                return null;
            index++;
        }
        return tags;
    }

    private static bool IsWhiteSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static bool IsWhiteSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>The parts of a signature the fast path needs; null when it is not one the fast path takes.</summary>
    public sealed record Signature(bool RelaxedHeader, bool RelaxedBody, string[] Headers, string BodyHash, byte[] Value, string Domain, string Selector, string Methods);

    /// <summary>
    /// RFC 6376 §3.5 and §6.1.1, with MimeKit's checks (v=1, From signed, the AUID inside d=): a signature the fast
    /// path can judge exactly as MimeKit would, or null.
    /// </summary>
    public static Signature? Read(Dictionary<string, string> tags)
    {
        if (!tags.TryGetValue("v", out var v) || v != "1"
            || !tags.TryGetValue("a", out var a) || !a.Equals("rsa-sha256", StringComparison.OrdinalIgnoreCase)
            || !tags.TryGetValue("d", out var d) || d.Length == 0
            || !tags.TryGetValue("s", out var s) || s.Length == 0
            || !tags.TryGetValue("b", out var b) || b.Length == 0
            || !tags.TryGetValue("h", out var h)
            || !tags.TryGetValue("bh", out var bh)
            || tags.ContainsKey("l"))
            return null;
        var q = tags.GetValueOrDefault("q", "dns/txt");
        if (tags.TryGetValue("t", out var t) && (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var time) || time < 0))
            return null;
        bool relaxedHeader = false, relaxedBody = false;
        if (tags.TryGetValue("c", out var c))
        {
            var parts = c.ToLowerInvariant().Split('/');
            if (parts.Length > 2 || !TryCanonicalization(parts[0], out relaxedHeader) || (parts.Length == 2 && !TryCanonicalization(parts[1], out relaxedBody)))
                return null;
        }
        var headers = h.Split(':');
        if (!headers.Any(n => n.Equals("from", StringComparison.OrdinalIgnoreCase)))
            return null;
        if (tags.TryGetValue("i", out var i))
        {
            var at = i.LastIndexOf('@');
            if (at < 0)
                return null;
            var identity = i.AsSpan(at + 1);
            if (!identity.Equals(d, StringComparison.OrdinalIgnoreCase) && !identity.EndsWith("." + d, StringComparison.OrdinalIgnoreCase))
                return null;
        }
        var value = new byte[Base64.GetMaxDecodedFromUtf8Length(b.Length)];
        if (Base64.DecodeFromUtf8(Encoding.ASCII.GetBytes(b), value, out _, out var written) != System.Buffers.OperationStatus.Done)
            return null;
        return new Signature(relaxedHeader, relaxedBody, headers, bh, value[..written], d, s, q);
    }

    private static bool TryCanonicalization(string name, out bool relaxed)
    {
        relaxed = name == "relaxed";
        return relaxed || name == "simple";
    }

    /// <summary>A CR or LF that is not part of a CRLF (MimeKit's verifier would see a CRLF there; the fast path leaves such bodies to it).</summary>
    public static bool HasBareLineEnds(ReadOnlySpan<byte> body)
    {
        var pairs = body.Count("\r\n"u8);
        return body.Count((byte)'\r') != pairs || body.Count((byte)'\n') != pairs;
    }

    /// <summary>RFC 6376 §3.7: the body hash, base64, over the canonical body (§3.4.3 simple, §3.4.4 relaxed).</summary>
    public static string BodyHash(ReadOnlySpan<byte> body, bool relaxed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var pendingEmptyLines = 0;
        var anyLine = false;
        var buffer = new byte[1000];
        while (body.Length > 0)
        {
            var end = body.IndexOf("\r\n"u8);
            var text = end < 0 ? body : body[..end];
            body = end < 0 ? [] : body[(end + 2)..];
            ReadOnlySpan<byte> canonical = text;
            if (relaxed)
            {
                if (buffer.Length < text.Length)
                    buffer = new byte[text.Length];
                canonical = buffer.AsSpan(0, RelaxLine(text, buffer));
            }
            if (canonical.Length == 0)
            {
                pendingEmptyLines++;
                continue;
            }
            for (; pendingEmptyLines > 0; pendingEmptyLines--)
                hash.AppendData("\r\n"u8);
            hash.AppendData(canonical);
            hash.AppendData("\r\n"u8);
            anyLine = true;
        }
        // §3.4.3: an empty body is one CRLF in simple; §3.4.4: nothing at all in relaxed.
        if (!anyLine && !relaxed)
            hash.AppendData("\r\n"u8);
        return Convert.ToBase64String(hash.GetHashAndReset());
    }

    /// <summary>§3.4.4: runs of WSP become one SP, WSP at the end of the line goes.</summary>
    private static int RelaxLine(ReadOnlySpan<byte> line, Span<byte> output)
    {
        var length = 0;
        var space = false;
        foreach (var c in line)
        {
            if (c is (byte)' ' or (byte)'\t')
            {
                space = true;
                continue;
            }
            if (space)
                output[length++] = (byte)' ';
            space = false;
            output[length++] = c;
        }
        return length;
    }

    /// <summary>
    /// §3.7: the header hash input, the signed fields (each name from the bottom up, a missing one skipped) and the
    /// signature's own field with its <c>b=</c> value removed and no final CRLF; null when that field has no b= (MimeKit refuses it).
    /// </summary>
    public static byte[]? SignedData(ReadOnlySpan<byte> raw, List<Field> fields, Field signature, Signature parsed)
    {
        var output = new MemoryStream();
        var used = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in parsed.Headers)
        {
            var skip = used.GetValueOrDefault(name);
            Field? chosen = null;
            for (var i = fields.Count - 1; i >= 0; i--)
            {
                if (!Ascii.EqualsIgnoreCase(raw.Slice(fields[i].Start, fields[i].NameLength), name))
                    continue;
                if (skip-- == 0)
                {
                    chosen = fields[i];
                    break;
                }
            }
            if (chosen is not { } field)
                continue;
            used[name] = used.GetValueOrDefault(name) + 1;
            Write(output, raw, field, raw[field.ValueStart..field.End], parsed.RelaxedHeader, isSignature: false);
        }
        if (WithoutSignatureValue(raw[signature.ValueStart..signature.End]) is not { } value)
            return null;
        Write(output, raw, signature, value, parsed.RelaxedHeader, isSignature: true);
        return output.ToArray();
    }

    private static void Write(MemoryStream output, ReadOnlySpan<byte> raw, Field field, ReadOnlySpan<byte> value, bool relaxed, bool isSignature)
    {
        var name = raw.Slice(field.Start, field.NameLength);
        if (!relaxed)
        {
            // §3.4.1: unchanged (the signature's own field without its final CRLF).
            output.Write(name);
            output.WriteByte((byte)':');
            output.Write(isSignature && value.EndsWith("\r\n"u8) ? value[..^2] : value);
            return;
        }
        // §3.4.2: the name in lower case, the value unfolded with runs of WSP as one SP, none at either end.
        foreach (var c in name)
            output.WriteByte((byte)char.ToLowerInvariant((char)c));
        output.WriteByte((byte)':');
        var index = 0;
        while (index < value.Length && IsWhiteSpace(value[index]))
            index++;
        while (index < value.Length)
        {
            var start = index;
            while (index < value.Length && IsWhiteSpace(value[index]))
                index++;
            if (index >= value.Length)
                break;
            if (index > start)
                output.WriteByte((byte)' ');
            start = index;
            while (index < value.Length && !IsWhiteSpace(value[index]))
                index++;
            output.Write(value[start..index]);
        }
        if (!isSignature)
            output.Write("\r\n"u8);
    }

    /// <summary>The signature field's value with what follows <c>b=</c> (up to the next <c>;</c>) taken out, as MimeKit does.</summary>
    private static byte[]? WithoutSignatureValue(ReadOnlySpan<byte> raw)
    {
        var value = raw.ToArray();
        int length = 0, index = 0;
        do
        {
            while (index < value.Length && IsWhiteSpace(value[index]))
                index++;
            if (index + 2 < value.Length)
            {
                var tag = value[index++];
                while (index < value.Length && IsWhiteSpace(value[index]))
                    index++;
                if (index < value.Length && value[index] == (byte)'=' && tag == (byte)'b')
                {
                    length = ++index;
                    while (index < value.Length && value[index] != (byte)';')
                        index++;
                    if (index == value.Length && value[index - 1] == (byte)'\n')
                    {
                        index--;
                        if (value[index - 1] == (byte)'\r')
                            index--;
                    }
                    break;
                }
            }
            while (index < value.Length && value[index] != (byte)';')
                index++;
            if (index < value.Length)
                index++;
        }
        while (index < value.Length);
        if (index == value.Length)
            return null;
        while (index < value.Length)
            value[length++] = value[index++];
        return value[..length];
    }

    /// <summary>
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 6376 §3.3.1) on the platform's RSA; keys shorter than
    /// <see cref="MinimumRsaKeyLength"/> fail, as with MimeKit. One platform key per parsed key, used by one caller at a time.
    /// </summary>
    public static bool VerifyRsa(RsaKeyParameters key, byte[] data, byte[] signature)
    {
        if (key.Modulus.BitLength < MinimumRsaKeyLength)
            return false;
        var rsa = PlatformKeys.GetValue(key, k => RSA.Create(new RSAParameters { Modulus = k.Modulus.ToByteArrayUnsigned(), Exponent = k.Exponent.ToByteArrayUnsigned() }));
        lock (rsa)
            return rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    private static readonly ConditionalWeakTable<RsaKeyParameters, RSA> PlatformKeys = new();

    /// <summary>True when the key is one the fast path verifies with (RSA); an Ed25519 key under <c>a=rsa-sha256</c> goes to MimeKit.</summary>
    public static bool IsRsa(AsymmetricKeyParameter key) => key is RsaKeyParameters { IsPrivate: false };
}
