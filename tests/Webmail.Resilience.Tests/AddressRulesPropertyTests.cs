using CsCheck;
using Webmail.Core.Messages;

namespace Webmail.Resilience.Tests;

/// <summary>Properties of the envelope address rules that keep routing tricks and injection out (RFC 5321 §3.6.1, §4.1.2).</summary>
public sealed class AddressRulesPropertyTests
{
    private const string Routing = "%![]\":,;<>\\()";
    private static readonly Gen<char> Control = Gen.Char[(char)0, (char)31];
    private static readonly Gen<string> Atom = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789.-_+="], 1, 20];
    private static readonly Gen<string> Domain = Gen.OneOf("local.example", "other.example", "a.b.c.example", "x-y.example");

    [Fact]
    public void RoutingCharactersAnywhereAreNeverAccepted()
    {
        Gen.Select(Atom, Domain, Gen.Char[Routing], Gen.Int[0, 1000]).Sample((local, domain, bad, at) =>
        {
            var address = local + "@" + domain;
            var position = at % (address.Length + 1);
            var hostile = address.Insert(position, bad.ToString());
            return !AddressRules.TryNormalizeAddress(hostile, out _);
        }, iter: 5000);
    }

    [Fact]
    public void AcceptedAddressesCarryNoControlCharactersAndOneAt()
    {
        Gen.Select(Atom, Domain, Gen.OneOf(new IGen<char>[] { Control, Gen.Char['\u007f', '\u00ff'], Gen.Char["@%!\u202e"] }), Gen.Int[0, 1000]).Sample((local, domain, bad, at) =>
        {
            var address = local + "@" + domain;
            var hostile = address.Insert(at % (address.Length + 1), bad.ToString());
            if (!AddressRules.TryNormalizeAddress(hostile, out var normalized))
                return true;
            return normalized.Count(c => c == '@') == 1 && !normalized.Any(c => c < 33 || c > 126) && AddressRules.TryNormalizeAddress(normalized, out var again) && again == normalized;
        }, iter: 5000);
    }

    [Theory]
    [InlineData("user\n@local.example")]
    [InlineData("user\r\n@local.example")]
    [InlineData("user@local.example\nRCPT TO:<x@other.example>")]
    [InlineData("user@[127.0.0.1]")]
    [InlineData("@local.example:user@other.example")]
    [InlineData("\"user@other.example\"@local.example")]
    [InlineData("user\0@local.example")]
    public void HostileAddressIsRefused(string address) => Assert.False(AddressRules.TryNormalizeAddress(address, out _));
}
