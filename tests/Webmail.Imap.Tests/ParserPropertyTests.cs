using System.Text;
using CsCheck;
using Webmail.Imap.Net;
using Webmail.Imap.Protocol;
using Webmail.Imap.Session;

namespace Webmail.Imap.Tests;

/// <summary>Any bytes given to the grammar: a parse or an <see cref="ImapSyntaxException"/>, never another exception.</summary>
public sealed class ParserPropertyTests
{
    private static readonly string[] Pieces =
    [
        " ", "(", ")", "[", "]", "<", ">", ".", "*", "$", ":", ",", "\"", "\\", "{", "}", "+", "~", "\r\n", "0", "1", "42", "4294967296",
        "BODY", "BODY.PEEK", "HEADER.FIELDS", "TEXT", "MIME", "FLAGS", "UID", "OR", "NOT", "SUBJECT", "HEADER", "SINCE", "1-Jan-2026",
        "\\Seen", "$Junk", "RETURN", "ALL", "{3}\r\nabc", "{5+}\r\nab", "\"q\\\"s\"", "\u00e9",
    ];

    private static readonly Gen<byte[]> Commands =
        Gen.OneOf(
            Gen.Byte.Array[0, 200],
            Gen.Int[0, Pieces.Length - 1].Array[0, 40].Select(ix => Encoding.UTF8.GetBytes(string.Concat(ix.Select(i => Pieces[i])))));

    private static void SyntaxErrorOrParse(Action parse)
    {
        try
        {
            parse();
        }
        catch (ImapSyntaxException)
        {
            // A BAD answer: fine.
        }
    }

    [Fact]
    public void FetchItemsSequenceSetsAndSearchKeysNeverThrowAnythingElse() =>
        Commands.Sample(bytes =>
        {
            SyntaxErrorOrParse(() => FetchItem.ParseList(new ImapArguments(bytes, 0)));
            SyntaxErrorOrParse(() => new ImapArguments(bytes, 0).SequenceSet().Resolve([1, 2, 3, 10, 4294967295]));
            SyntaxErrorOrParse(() => SearchKey.ParseProgram(new ImapArguments(bytes, 0), (_, _) => _ => true));
            SyntaxErrorOrParse(() =>
            {
                var args = new ImapArguments(bytes, 0);
                args.AString();
                args.FlagList(allowBare: true);
                args.DateTime();
            });
        }, iter: 20_000);

    [Fact]
    public void LiteralMarkersAreFoundOnlyAtTheEndOfALine() =>
        Gen.Byte.Array[0, 40].Sample(bytes =>
        {
            if (CommandReader.TryLiteralAtEnd(bytes, out var length, out _))
            {
                Assert.Equal((byte)'}', bytes[^1]);
                Assert.True(length >= 0);
            }
        }, iter: 20_000);

    [Fact]
    public void ModifiedUtf7RoundTripsAnyName() =>
        Gen.String.Sample(name =>
        {
            if (name.Any(char.IsSurrogate))
                return;
            Assert.True(ModifiedUtf7.TryDecode(ModifiedUtf7.Encode(name), out var back));
            Assert.Equal(name, back);
            Assert.All(ModifiedUtf7.Encode(name), c => Assert.InRange(c, (char)0x20, (char)0x7E));
        }, iter: 5_000);

    [Theory]
    [InlineData("Entw&APw-rfe", "Entwürfe")]
    [InlineData("&ZeVnLIqe-", "日本語")]
    [InlineData("A&-B", "A&B")]
    public void ModifiedUtf7MatchesRfc3501Examples(string encoded, string name)
    {
        Assert.Equal(encoded, ModifiedUtf7.Encode(name));
        Assert.True(ModifiedUtf7.TryDecode(encoded, out var decoded));
        Assert.Equal(name, decoded);
    }

    [Theory]
    [InlineData("INBOX/Work", "*", true)]
    [InlineData("INBOX/Work", "%", false)]
    [InlineData("INBOX/Work", "INBOX/%", true)]
    [InlineData("Projects/2026/Q1", "Projects/%/Q1", true)]
    [InlineData("inbox", "INBOX", true)]
    public void ListPatternsFollowRfc9051(string name, string pattern, bool matches) =>
        Assert.Equal(matches, MailboxTree.Matches(name, pattern));

    [Fact]
    public void SequenceSetsResolveStarRangesBothWaysAndFormatCompactly()
    {
        var uids = new long[] { 1, 2, 3, 7, 9, 10 };
        Assert.Equal([7, 9, 10], new ImapArguments("*:5"u8.ToArray(), 0).SequenceSet().Resolve(uids));
        Assert.Equal([10], new ImapArguments("20:*"u8.ToArray(), 0).SequenceSet().Resolve(uids));
        Assert.Equal([1, 2, 3, 9], new ImapArguments("3,1:2,9,3"u8.ToArray(), 0).SequenceSet().Resolve(uids));
        Assert.Equal("1:3,7,9:10", SequenceSet.Format(uids));
    }
}
