using CsCheck;
using Webmail.Core.Messages;
using Webmail.Core.Messages.Imap;

namespace Webmail.Core.Tests.Imap;

/// <summary>Whatever bytes arrive as a message, building its IMAP views and cutting its sections never throws.</summary>
public sealed class ImapPropertyTests
{
    private static readonly SectionText[] Texts = Enum.GetValues<SectionText>();

    /// <summary>Lines that make MIME shapes when thrown together: boundaries, Content-* fields, folding, addresses, 8-bit octets.</summary>
    private static readonly Gen<byte[]> MimeLine = Gen.OneOf(
        Gen.OneOf(
            Gen.Const("Content-Type: multipart/mixed; boundary=b"), Gen.Const("Content-Type: multipart/digest; boundary=\"c\""),
            Gen.Const("Content-Type: message/rfc822"), Gen.Const("Content-Type: text/plain; charset*=utf-8''%E2%82%AC; name*0=a; name*1*=b"),
            Gen.Const("Content-Transfer-Encoding: base64"), Gen.Const("Content-Transfer-Encoding: quoted-printable"),
            Gen.Const("Content-Disposition: attachment; filename=\"a"), Gen.Const("Content-Language: en, (c) de"),
            Gen.Const("--b"), Gen.Const("--b--"), Gen.Const("--c"), Gen.Const("--c--"), Gen.Const(""), Gen.Const(" folded"),
            Gen.Const("From: \"a\\\" (b <c@d>, Group: x@y, <@r:z@w>;"), Gen.Const("To: (comment) <>, @, \"\", ;;"),
            Gen.Const("Subject: =?utf-8?q?x?= \t "), Gen.Const("aGVsbG8=\t=3D=ZZ="), Gen.Const("MIME-Version: 1.0"))
            .Select(s => System.Text.Encoding.UTF8.GetBytes(s)),
        Gen.Byte.Array[0, 40]);

    private static readonly Gen<byte[]> MimeLike = MimeLine.Array[0, 40].Select(lines =>
        lines.SelectMany(l => l.Concat("\r\n"u8.ToArray())).ToArray());

    private static readonly Gen<byte[]> Message = Gen.Frequency((1, Gen.Byte.Array[0, 600]), (3, MimeLike));

    private static readonly Gen<int[]> Path = Gen.Int[0, 4].Array[0, 4];

    [Fact]
    public void BuildingImapViewsOfAnyBytesNeverThrows()
    {
        Message.Sample(raw =>
        {
            var parsed = MessageParser.Parse(raw);
            Assert.StartsWith("(", parsed.ImapEnvelope, StringComparison.Ordinal);
            Assert.StartsWith("(", parsed.ImapBodyStructure, StringComparison.Ordinal);
            Assert.StartsWith("(", parsed.ImapBody, StringComparison.Ordinal);
        }, iter: 3000);
    }

    [Fact]
    public void ExtractingAndDecodingSectionsOfAnyBytesNeverThrows()
    {
        Gen.Select(Message, Path, Gen.Int[0, Texts.Length - 1]).Sample((raw, path, text) =>
        {
            var spec = new SectionSpec(path, Texts[text], ["From", "content-type"]);
            var section = MessageSections.Extract(raw, spec);
            Assert.True(section.Length <= raw.Length + 2);
            MessageSections.Decode(raw, path);
        }, iter: 3000);
    }
}
