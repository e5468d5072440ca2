using Microsoft.Extensions.Logging.Abstractions;
using Webmail.Mail.Authentication;

namespace Webmail.Mail.Tests.Authentication;

/// <summary>DMARC records (RFC 7489 §6.3) and organisational domains from Debian's Public Suffix List (§3.2).</summary>
public sealed class DmarcPolicyTests
{
    private static readonly PublicSuffixList Debian = PublicSuffixList.Load(PublicSuffixList.DebianPath, NullLogger.Instance);

    [Theory]
    [InlineData("mail.example.com", "example.com")]
    [InlineData("example.com", "example.com")]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("Shop.Example.CO.UK.", "example.co.uk")]
    [InlineData("co.uk", "co.uk")] // a public suffix is its own organisational domain
    [InlineData("x.y.city.kawasaki.jp", "city.kawasaki.jp")] // "!city.kawasaki.jp" is an exception to "*.kawasaki.jp"
    [InlineData("a.b.c.kawasaki.jp", "b.c.kawasaki.jp")] // the wildcard makes c.kawasaki.jp a suffix
    [InlineData("news.corp.example", "corp.example")] // no rule: the last label is the suffix
    public void OrganizationalDomainFollowsThePublicSuffixList(string domain, string expected)
    {
        Assert.True(Debian.IsLoaded, "Debian's publicsuffix package is missing (tests/run.sh installs it)");
        Assert.Equal(expected, Debian.OrganizationalDomain(domain));
    }

    [Fact]
    public void WithoutTheListTheLastTwoLabelsAreTaken()
    {
        var missing = PublicSuffixList.Load("/nonexistent/public_suffix_list.dat", NullLogger.Instance);

        Assert.False(missing.IsLoaded);
        Assert.Equal("example.com", missing.OrganizationalDomain("mail.example.com"));
        // Wrong for such suffixes, and the log says so at start; Debian's list is what tests/run.sh installs.
        Assert.Equal("co.uk", missing.OrganizationalDomain("a.example.co.uk"));
    }

    [Fact]
    public void RecordTagsAreRead()
    {
        var record = DmarcRecord.Parse("v=DMARC1; p=reject; sp=quarantine; pct=25; adkim=s; aspf=r; rua=mailto:d@example.com");

        Assert.Equal(new DmarcRecord(DmarcPolicy.Reject, DmarcPolicy.Quarantine, 25, StrictDkim: true, StrictSpf: false), record);
    }

    [Theory]
    [InlineData("v=DMARC1; p=reject", true)]
    [InlineData("v = DMARC1 ;p=none", true)]
    [InlineData("v=DMARC2; p=reject", false)]
    [InlineData("p=reject; v=DMARC1", false)] // §6.4: v must come first
    [InlineData("v=dmarc1; p=reject", false)] // the version value is case-sensitive
    public void OnlyRecordsStartingWithTheVersionTagCount(string text, bool isDmarc) => Assert.Equal(isDmarc, DmarcRecord.IsDmarc(text));

    [Fact]
    public void AnInvalidPolicyIsNoPolicyUnlessReportsAreAsked()
    {
        Assert.Null(DmarcRecord.Parse("v=DMARC1; p=bogus"));
        Assert.Equal(DmarcPolicy.None, DmarcRecord.Parse("v=DMARC1; p=bogus; rua=mailto:d@example.com")!.Policy);
        Assert.Equal(100, DmarcRecord.Parse("v=DMARC1; p=none; pct=500")!.Percent);
    }
}
