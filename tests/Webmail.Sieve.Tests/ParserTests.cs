namespace Webmail.Sieve.Tests;

public class ParserTests
{
    private static string Error(string script, SieveOptions? options = null)
    {
        var result = SieveScript.Parse(script, options);
        Assert.False(result.Succeeded, "the script should be refused");
        return result.ErrorText;
    }

    [Fact]
    public void UnknownCommandIsReportedWithItsLine()
    {
        var result = SieveScript.Parse("require \"fileinto\";\n\nfilein \"x\";\n");

        Assert.False(result.Succeeded);
        Assert.Equal("line 3: unknown command 'filein'", Assert.Single(result.Errors).ToString());
    }

    [Theory]
    [InlineData("keep", "line 1: expected ';' or '{' after command 'keep' but found end of script")]
    [InlineData("if true { keep;", "line 1: block is not closed with '}'")]
    [InlineData("fileinto \"x;\n", "line 1: unterminated string")]
    [InlineData("keep;\n/* open", "line 2: unterminated comment")]
    [InlineData("if header :is [\"a\" \"b\"] \"x\" { }", "line 1: expected ']' or ',' in the string list but found string")]
    [InlineData("if anyof (true, false { }", "line 1: expected ')' or ',' in the test list but found '{'")]
    [InlineData("vacation text:\nno end", "line 1: unterminated multi-line string (a line with a single '.' ends it)")]
    [InlineData("if size :over 5X { }", "line 1: invalid number")]
    [InlineData("if size :over 99999999999 { }", "line 1: number is too large")]
    [InlineData("keep; @", "line 1: unexpected character '@'")]
    public void SyntaxErrorsSayWhatWasExpected(string script, string expected) =>
        Assert.Equal(expected, Error(script));

    [Theory]
    [InlineData("fileinto \"x\";", "line 1: command 'fileinto' needs require \"fileinto\"")]
    [InlineData("if body :contains \"x\" { }", "line 1: test 'body' needs require \"body\"")]
    [InlineData("require \"fileinto\"; fileinto :copy \"x\";", "line 1: tag ':copy' needs require \"copy\"")]
    [InlineData("require \"frobnicate\";", "line 1: require: unknown extension \"frobnicate\"")]
    [InlineData("keep;\nrequire \"fileinto\";", "line 2: require must come before any other command, at the top level")]
    [InlineData("elsif true { }", "line 1: 'elsif' without a preceding 'if'")]
    [InlineData("if frob { }", "line 1: unknown test 'frob'")]
    [InlineData("if keep { }", "line 1: 'keep' is a command, not a test")]
    [InlineData("header \"a\" \"b\";", "line 1: 'header' is a test, not a command")]
    [InlineData("if header :frob \"a\" \"b\" { }", "line 1: unknown tag ':frob' for 'header'")]
    [InlineData("if header :is :contains \"a\" \"b\" { }", "line 1: tags ':is' and ':contains' cannot be used together")]
    [InlineData("if header \"a\" { }", "line 1: 'header' takes 2 positional arguments, not 1")]
    [InlineData("redirect [\"a@b.c\", \"d@e.f\"];", "line 1: 'redirect' expects a string as argument 1")]
    [InlineData("if header :comparator \"i;frob\" \"a\" \"b\" { }", "line 1: unknown comparator \"i;frob\"")]
    [InlineData("require \"relational\"; if header :count \"xx\" \"a\" \"1\" { }", "line 1: unknown relational operator \"xx\" (gt, ge, lt, le, eq or ne)")]
    [InlineData("require \"comparator-i;ascii-numeric\"; if header :contains :comparator \"i;ascii-numeric\" \"a\" \"1\" { }", "line 1: comparator \"i;ascii-numeric\" cannot be used with :contains")]
    [InlineData("require \"index\"; if header :last \"a\" \"1\" { }", "line 1: :last needs :index")]
    [InlineData("redirect \"not an address\";", "line 1: redirect: \"not an address\" is not a valid address")]
    [InlineData("if address \"subject\" \"x\" { }", "line 1: address: \"subject\" is not a header that holds addresses")]
    [InlineData("require \"envelope\"; if envelope \"sender\" \"x\" { }", "line 1: envelope: unknown envelope part \"sender\" (from, to or auth)")]
    [InlineData("require \"date\"; if date \"date\" \"century\" \"21\" { }", "line 1: date: unknown date part \"century\"")]
    [InlineData("require \"date\"; if date :zone \"CET\" \"date\" \"year\" \"2026\" { }", "line 1: date: \"CET\" is not a time zone (+hhmm or -hhmm)")]
    [InlineData("require \"variables\"; set \"1x\" \"v\";", "line 1: set: \"1x\" is not a valid variable name")]
    [InlineData("require \"regex\"; if header :regex \"subject\" \"(\" { }", "line 1: header: invalid regular expression \"(\": Invalid pattern '(' at offset 1. Not enough )'s.")]
    [InlineData("if true;", "line 1: 'if' needs a block")]
    [InlineData("keep { }", "line 1: command 'keep' takes no block")]
    [InlineData("if not (true, false) { }", "line 1: 'not' takes exactly one test")]
    [InlineData("if allof true { }", "line 1: 'allof' takes a test list in parentheses")]
    public void ValidationErrorsNameTheProblem(string script, string expected) =>
        Assert.Equal(expected, Error(script));

    [Theory]
    [InlineData("if size 5 { }", "line 1: 'size' needs :over or :under")]
    // The grammar reads "true keep" as the test true with a test argument.
    [InlineData("if true keep;", "line 1: 'true' takes no test")]
    public void ValidationErrorsIncludeTheProblem(string script, string expected) =>
        Assert.Contains(expected, Error(script).Split('\n'));

    [Fact]
    public void EveryValidationErrorIsReported()
    {
        var errors = SieveScript.Parse("frob;\nkeep;\nfileinto \"x\";\nif nope { }\n").Errors;

        Assert.Equal([1, 3, 4], errors.Select(e => e.Line));
    }

    [Fact]
    public void NestingDeeperThanTheLimitIsRefused()
    {
        var deep = string.Concat(Enumerable.Repeat("if true { ", 33)) + "keep;" + new string('}', 33);
        var shallow = string.Concat(Enumerable.Repeat("if true { ", 20)) + "keep;" + new string('}', 20);

        Assert.Contains("nesting is deeper than the limit of 32", Error(deep));
        Assert.True(SieveScript.Parse(shallow).Succeeded);
    }

    [Fact]
    public void DeeplyNestedTestsAreRefusedWithoutOverflowingTheStack()
    {
        var script = "if " + string.Concat(Enumerable.Repeat("not ", 100_000)) + "true { keep; }";

        Assert.Contains("nesting is deeper than the limit", Error(script, new SieveOptions { Limits = new SieveLimits { MaxScriptSize = 1_000_000 } }));
    }

    [Fact]
    public void ScriptLargerThanTheLimitIsRefused()
    {
        var big = "keep;" + new string(' ', 64 * 1024);

        Assert.Equal("the script is larger than the limit of 65536 characters", Error(big));
    }

    [Fact]
    public void ScriptWithMoreCommandsThanTheLimitIsRefused()
    {
        var options = new SieveOptions { Limits = new SieveLimits { MaxCommands = 3 } };

        Assert.Equal("line 1: the script has more than 3 commands", Error("keep; keep; keep; keep; keep;", options));
    }

    [Fact]
    public void ExtensionNotOfferedCannotBeRequired()
    {
        var options = new SieveOptions { Extensions = new HashSet<string> { SieveExtensions.FileInto } };

        Assert.Equal("line 1: require: unknown extension \"vacation\"", Error("require \"vacation\";", options));
    }

    [Fact]
    public void ValidScriptListsTheExtensionsItRequires()
    {
        var result = SieveScript.Parse("require [\"fileinto\", \"copy\"];\r\nfileinto :copy \"x\";");

        Assert.True(result.Succeeded, result.ErrorText);
        Assert.Equal(["copy", "fileinto"], result.Script!.RequiredExtensions.Order());
    }

    [Theory]
    [InlineData("require [\"mailbox\", \"fileinto\"];\r\nif anyof (false, not mailboxexists \"Lists\") { fileinto :create \"Lists\"; }", true)]
    [InlineData("require [\"mailbox\", \"fileinto\"];\r\nif true { if header :is \"x\" \"y\" { stop; } elsif mailboxexists \"A\" { keep; } }", true)]
    [InlineData("require [\"mailbox\", \"fileinto\"];\r\nif header :contains \"subject\" \"mailboxexists\" { fileinto :create \"Lists\"; }", false)]
    public void ScriptSaysWhetherItTestsForMailboxes(string text, bool uses)
    {
        var result = SieveScript.Parse(text);

        Assert.True(result.Succeeded, result.ErrorText);
        Assert.Equal(uses, result.Script!.UsesTest("mailboxexists"));
    }
}
