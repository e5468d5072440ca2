using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace Webmail.Storage.Tests;

/// <summary>
/// A WebAuthn authenticator and browser in a few lines, for service tests without Chromium: one
/// P-256 key, "none" attestation, and the client data a browser would sign (WebAuthn §5.8.1, §6.1,
/// §6.5.1). Each assertion bumps the signature counter unless told otherwise. The browser tests use
/// Chromium's own virtual authenticator instead.
/// </summary>
public sealed class SoftwareAuthenticator : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private byte[] _userHandle = [];

    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(16);
    public uint Counter { get; set; }

    /// <summary>Answers <c>navigator.credentials.create</c> with the options JSON the server sent.</summary>
    public string Create(string optionsJson, string origin)
    {
        var options = JsonNode.Parse(optionsJson)!;
        _userHandle = WebEncoders.Base64UrlDecode((string)options["user"]!["id"]!);
        var rpId = (string)options["rp"]!["id"]!;
        var clientData = ClientData("webauthn.create", (string)options["challenge"]!, origin);

        var x = _key.ExportParameters(false).Q;
        var cose = new CborWriter(CborConformanceMode.Ctap2Canonical);
        cose.WriteStartMap(5);
        cose.WriteInt32(1); cose.WriteInt32(2);      // kty: EC2
        cose.WriteInt32(3); cose.WriteInt32(-7);     // alg: ES256
        cose.WriteInt32(-1); cose.WriteInt32(1);     // crv: P-256
        cose.WriteInt32(-2); cose.WriteByteString(x.X!);
        cose.WriteInt32(-3); cose.WriteByteString(x.Y!);
        cose.WriteEndMap();
        var idLength = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(idLength, (ushort)CredentialId.Length);
        var authData = Concat(AuthDataHead(rpId, 0x01 | 0x04 | 0x40, Counter), new byte[16], idLength, CredentialId, cose.Encode());

        var attestation = new CborWriter(CborConformanceMode.Ctap2Canonical);
        attestation.WriteStartMap(3);
        attestation.WriteTextString("fmt"); attestation.WriteTextString("none");
        attestation.WriteTextString("attStmt"); attestation.WriteStartMap(0); attestation.WriteEndMap();
        attestation.WriteTextString("authData"); attestation.WriteByteString(authData);
        attestation.WriteEndMap();
        return JsonSerializer.Serialize(new
        {
            id = B64(CredentialId),
            rawId = B64(CredentialId),
            type = "public-key",
            response = new { attestationObject = B64(attestation.Encode()), clientDataJSON = B64(clientData), transports = new[] { "internal" } },
            clientExtensionResults = new { },
        });
    }

    /// <summary>Answers <c>navigator.credentials.get</c>; <paramref name="rpId"/> is the host the page was opened on.</summary>
    public string Get(string optionsJson, string origin, string rpId, bool bumpCounter = true)
    {
        var options = JsonNode.Parse(optionsJson)!;
        if (bumpCounter)
            Counter++;
        var clientData = ClientData("webauthn.get", (string)options["challenge"]!, origin);
        var authData = AuthDataHead(rpId, 0x01 | 0x04, Counter);
        var signature = _key.SignData(Concat(authData, SHA256.HashData(clientData)), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return JsonSerializer.Serialize(new
        {
            id = B64(CredentialId),
            rawId = B64(CredentialId),
            type = "public-key",
            response = new { authenticatorData = B64(authData), clientDataJSON = B64(clientData), signature = B64(signature), userHandle = B64(_userHandle) },
            clientExtensionResults = new { },
        });
    }

    private static byte[] ClientData(string type, string challenge, string origin) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type, challenge, origin, crossOrigin = false }));

    private static byte[] AuthDataHead(string rpId, byte flags, uint counter)
    {
        var count = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(count, counter);
        return Concat(SHA256.HashData(Encoding.UTF8.GetBytes(rpId)), [flags], count);
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static string B64(byte[] bytes) => WebEncoders.Base64UrlEncode(bytes);

    public void Dispose() => _key.Dispose();
}
