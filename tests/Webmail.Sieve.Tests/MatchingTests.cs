using System.Diagnostics;
using Webmail.Sieve.Matching;

namespace Webmail.Sieve.Tests;

public class MatchingTests
{
    private static bool Glob(string text, string pattern, Comparator comparator = Comparator.AsciiCasemap) =>
        GlobMatcher.Match(text, pattern, comparator, new MatchBudget(long.MaxValue), null);

    [Theory]
    [InlineData("hello", "hello", true)]
    [InlineData("hello", "HELLO", true)]
    [InlineData("hello", "h*o", true)]
    [InlineData("hello", "h?llo", true)]
    [InlineData("hello", "h??lo", true)]
    [InlineData("hello", "h?lo", false)]
    [InlineData("hello", "*", true)]
    [InlineData("", "*", true)]
    [InlineData("", "?", false)]
    [InlineData("a*b", "a\\*b", true)]
    [InlineData("axb", "a\\*b", false)]
    [InlineData("what?", "*\\?", true)]
    [InlineData("mississippi", "*sip*", true)]
    [InlineData("mississippi", "m*iss*ppi", true)]
    [InlineData("mississippi", "m*x*i", false)]
    [InlineData("abcabd", "*abd", true)]
    [InlineData("😀x", "?x", true)]
    public void WildcardsMatchAsRfc5228Says(string text, string pattern, bool expected) =>
        Assert.Equal(expected, Glob(text, pattern));

    [Fact]
    public void OctetComparatorDistinguishesCase()
    {
        Assert.False(Glob("Hello", "hello", Comparator.Octet));
        Assert.True(Glob("Hello", "H*", Comparator.Octet));
    }

    [Fact]
    public void CasemapFoldsAsciiOnly()
    {
        Assert.True(Comparators.AreEqual("ÉCOLE", "École".Replace('c', 'C').Replace('o', 'O').Replace('l', 'L').Replace('e', 'E'), Comparator.AsciiCasemap));
        Assert.False(Comparators.AreEqual("é", "É", Comparator.AsciiCasemap));
    }

    [Fact]
    public void MatchVariablesTakeTheShortestEarlyWildcards()
    {
        var captures = new List<string>();

        Assert.True(GlobMatcher.Match("[acme-users] [fwd] version 1.0 is out", "[*] *", Comparator.AsciiCasemap, new MatchBudget(long.MaxValue), captures));

        // RFC 5229 §3.2's own example.
        Assert.Equal(["[acme-users] [fwd] version 1.0 is out", "acme-users", "[fwd] version 1.0 is out"], captures);
    }

    [Theory]
    [InlineData("2", "10", -1)]
    [InlineData("007", "7", 0)]
    [InlineData("12abc", "12", 0)]
    [InlineData("abc", "99999999999999999999", 1)]
    [InlineData("abc", "xyz", 0)]
    public void NumericComparatorComparesLeadingDigits(string left, string right, int sign) =>
        Assert.Equal(sign, Math.Sign(Comparators.Compare(left, right, Comparator.AsciiNumeric)));

    [Fact]
    public void PathologicalWildcardsStayLinearish()
    {
        // A backtracking matcher takes exponential time on this; the last-star rule takes text × pattern steps.
        var text = new string('a', 5000);
        var pattern = string.Concat(Enumerable.Repeat("*a", 20)) + "*b";
        var watch = Stopwatch.StartNew();

        Assert.False(Glob(text, pattern));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public void MatchWorkPastTheBudgetFailsTheRunAndKeeps()
    {
        var message = ScriptRun.DefaultMessage.Replace("The numbers are in.", new string('a', 200_000), StringComparison.Ordinal);
        var options = new SieveOptions { Limits = new SieveLimits { MatchWorkBudget = 1_000_000 } };
        // Each of the 200,000 positions compares up to 50 characters before the final "b" fails.
        var script = $"require [\"body\", \"fileinto\"];\nif body :matches \"*{new string('a', 50)}b\" {{ fileinto \"x\"; }}";

        var result = ScriptRun.Run(script, message, options: options);

        Assert.Equal("line 2: if: the matching work limit of 1,000,000 steps was exceeded for this message", result.Error!.ToString());
        Assert.Equal(new Actions.KeepAction([], Implicit: true), Assert.Single(result.Actions));
    }

    [Fact]
    public void RegexRunsWithoutBacktracking()
    {
        var message = ScriptRun.DefaultMessage.Replace("Quarterly report", new string('a', 30) + "!", StringComparison.Ordinal);
        var watch = Stopwatch.StartNew();

        var actions = ScriptRun.Actions("require [\"regex\", \"fileinto\"]; if header :regex \"subject\" \"^(a+)+$\" { fileinto \"x\"; }", message);

        Assert.Equal(["keep (implicit)"], actions);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }
}

public class GlobMatcherPropertyTests
{
    /// <summary>
    /// Against a backtracking reference (the glob as a lazy regular expression) on every small
    /// pattern and text over a two-letter alphabet: the same verdict and the same match variables.
    /// </summary>
    [Fact]
    public void AgreesWithALazyBacktrackingReference()
    {
        var random = new Random(5228);
        for (var i = 0; i < 10_000; i++)
        {
            var pattern = new string(Enumerable.Range(0, random.Next(0, 8)).Select(_ => "ab*?"[random.Next(4)]).ToArray());
            var text = new string(Enumerable.Range(0, random.Next(0, 10)).Select(_ => "abAB"[random.Next(4)]).ToArray());
            var reference = new System.Text.RegularExpressions.Regex(
                "^" + string.Concat(pattern.Select(c => c switch { '*' => "(.*?)", '?' => "(.)", _ => System.Text.RegularExpressions.Regex.Escape(c.ToString()) })) + "$",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.Singleline);
            var captures = new List<string>();

            var ours = GlobMatcher.Match(text, pattern, Comparator.AsciiCasemap, new MatchBudget(long.MaxValue), captures);
            var expected = reference.Match(text);

            Assert.True(expected.Success == ours, $"\"{text}\" :matches \"{pattern}\": reference {expected.Success}, ours {ours}");
            if (ours)
                Assert.Equal(expected.Groups.Cast<System.Text.RegularExpressions.Group>().Select(g => g.Value), captures);
        }
    }
}
