using Webmail.Sieve.Actions;

namespace Webmail.Sieve.Tests;

public class ActionTests
{
    [Fact]
    public void EmptyScriptKeepsImplicitly() =>
        Assert.Equal(["keep (implicit)"], ScriptRun.Actions(""));

    [Fact]
    public void FileIntoCancelsTheImplicitKeep() =>
        Assert.Equal(["fileinto \"Work\""], ScriptRun.Actions("require \"fileinto\"; fileinto \"Work\";"));

    [Fact]
    public void CopyPreservesTheImplicitKeep() =>
        Assert.Equal(["fileinto \"Work\" :copy", "redirect <a@example.org> :copy", "keep (implicit)"],
            ScriptRun.Actions("require [\"fileinto\", \"copy\"]; fileinto :copy \"Work\"; redirect :copy \"a@example.org\";"));

    [Fact]
    public void LaterFileIntoWithoutCopyCancelsTheImplicitKeepEvenWhenItIsADuplicate()
    {
        // RFC 3894 §3 / RFC 5228 §2.10.2: the second fileinto cancels the implicit keep. (Pigeonhole
        // drops the duplicate whole and still keeps: a difference we accept, see docs/sieve.md.)
        var actions = ScriptRun.Actions("require [\"fileinto\", \"copy\"]; fileinto :copy \"A\"; fileinto \"A\";");

        Assert.Equal(["fileinto \"A\""], actions);
    }

    [Fact]
    public void DuplicateStoresStoreOnceWithTheLastFlags()
    {
        var actions = ScriptRun.Actions("require [\"fileinto\", \"imap4flags\"]; fileinto :flags \"A\" \"X\"; keep; fileinto \"INBOX\"; fileinto :flags \"B\" \"X\";");

        Assert.Equal(["fileinto \"X\" :flags [B]", "keep"], actions);
    }

    [Fact]
    public void ImplicitKeepCarriesTheFlagsSetLast()
    {
        var result = ScriptRun.Run("require \"imap4flags\"; setflag \"\\\\Seen\"; addflag [\"$Work\", \"$work\"];");

        var keep = Assert.IsType<KeepAction>(Assert.Single(result.Actions));
        Assert.True(keep.Implicit);
        Assert.Equal(["\\Seen", "$Work"], keep.Flags);
    }

    [Fact]
    public void FlagsThatAreNotImapFlagsAreDropped() =>
        Assert.Equal(["fileinto \"X\" :flags [\\Seen ok]"],
            ScriptRun.Actions("require [\"imap4flags\", \"fileinto\"]; fileinto :flags [\"\\\\Seen\", \"\\\\Recent\", \"bad*\", \"ok\", \"ünï\"] \"X\";"));

    [Fact]
    public void FlagsCanLiveInAVariable()
    {
        var actions = ScriptRun.Actions("require [\"imap4flags\", \"variables\", \"fileinto\"]; addflag \"f\" \"A B\"; removeflag \"f\" \"a\"; " +
            "if hasflag \"f\" \"b\" { fileinto :flags \"${f}\" \"Box\"; }");

        Assert.Equal(["fileinto \"Box\" :flags [B]"], actions);
    }

    [Fact]
    public void RejectAndERejectRefuseTheMessage()
    {
        Assert.Equal(["reject \"Go away\""], ScriptRun.Actions("require \"reject\"; reject \"Go away\";"));
        var result = ScriptRun.Run("require \"ereject\"; ereject \"No thanks\";");
        Assert.Equal(new RejectAction("No thanks", Extended: true), Assert.Single(result.Actions));
    }

    [Fact]
    public void RejectAfterFileIntoFailsTheRunAndKeeps()
    {
        var result = ScriptRun.Run("require [\"reject\", \"fileinto\"]; fileinto \"A\";\nreject \"x\";");

        Assert.Equal("line 2: reject: reject conflicts with an earlier keep, fileinto or redirect, which delivers the message", result.Error!.ToString());
        Assert.Equal(new KeepAction([], Implicit: true), Assert.Single(result.Actions));
    }

    [Fact]
    public void FifthRedirectFailsTheRun()
    {
        var script = string.Join(' ', Enumerable.Range(1, 5).Select(i => $"redirect \"r{i}@example.org\";"));

        var result = ScriptRun.Run(script);

        Assert.Equal("line 1: redirect: more than 4 redirects", result.Error!.ToString());
        Assert.IsType<KeepAction>(Assert.Single(result.Actions));
    }

    [Fact]
    public void RepeatedRedirectToTheSameAddressCountsOnce()
    {
        var script = string.Concat(Enumerable.Repeat("redirect \"same@example.org\"; redirect \"same@EXAMPLE.org\";", 5));

        Assert.Equal(["redirect <same@example.org>"], ScriptRun.Actions(script));
    }

    [Fact]
    public void ActionLimitFailsTheRun()
    {
        var script = "require \"fileinto\";" + string.Concat(Enumerable.Range(1, 33).Select(i => $"fileinto \"f{i}\";"));

        Assert.Equal("line 1: fileinto: more than 32 actions", ScriptRun.Run(script).Error!.ToString());
        Assert.Null(ScriptRun.Run(script, options: new SieveOptions { Limits = new SieveLimits { MaxActions = 40 } }).Error);
    }

    [Fact]
    public void VacationCarriesItsArgumentsForTheCaller()
    {
        var result = ScriptRun.Run("require \"vacation\"; vacation :days 3 :subject \"Away\" :from \"bob@example.net\" " +
            ":addresses [\"bob@example.net\", \"b@example.net\"] :handle \"h\" \"I am away.\";");

        var vacation = Assert.IsType<VacationAction>(result.Actions[0]);
        Assert.Equal(new VacationAction("I am away.", "Away", "bob@example.net", ["bob@example.net", "b@example.net"], false, "h", TimeSpan.FromDays(3)),
            vacation with { Addresses = vacation.Addresses.ToList() }, new VacationComparer());
        Assert.IsType<KeepAction>(result.Actions[1]);
    }

    [Theory]
    [InlineData(":days 0", 86400)]
    [InlineData(":days 400", 365 * 86400)]
    [InlineData("", 7 * 86400)]
    [InlineData(":seconds 30", 86400)]
    [InlineData(":seconds 90000", 90000)]
    public void VacationPeriodIsBounded(string period, int seconds)
    {
        var result = ScriptRun.Run($"require \"vacation-seconds\"; vacation {period} \"Away\";");

        Assert.Equal(TimeSpan.FromSeconds(seconds), Assert.IsType<VacationAction>(result.Actions[0]).Period);
    }

    [Fact]
    public void VacationWithoutHandleIsIdentifiedByItsArguments()
    {
        var first = ScriptRun.Run("require \"vacation\"; vacation :subject \"S\" \"R\";").Actions[0];

        Assert.Equal("RS<default-from><NO-MIME>", Assert.IsType<VacationAction>(first).Handle);
    }

    [Fact]
    public void DefaultVacationHandleIgnoresVariables()
    {
        const string script = "require [\"vacation\", \"variables\"]; if header :matches \"subject\" \"*\" { set \"s\" \"${1}\"; } vacation :subject \"Re: ${s}\" \"Away\";";

        var vacation = Assert.IsType<VacationAction>(ScriptRun.Run(script).Actions[0]);

        Assert.Equal("Re: Quarterly report", vacation.Subject);
        Assert.Equal("AwayRe: ${s}<default-from><NO-MIME>", vacation.Handle);
    }

    [Fact]
    public void SecondVacationFailsTheRun() =>
        Assert.Equal("line 1: vacation: vacation may run once per message",
            ScriptRun.Run("require \"vacation\"; vacation \"a\"; vacation \"b\";").Error!.ToString());

    [Fact]
    public void FileIntoCreateAsksForTheMailbox() =>
        Assert.Equal(["fileinto \"New/Box\" :create"], ScriptRun.Actions("require [\"fileinto\", \"mailbox\"]; fileinto :create \"New/Box\";"));

    [Fact]
    public void MailboxExistsAsksTheCaller()
    {
        var context = new SieveRunContext { Now = ScriptRun.Now, MailboxExists = name => name is "INBOX" or "Work" };
        const string script = "require [\"mailbox\", \"fileinto\"]; if mailboxexists [\"Work\", \"INBOX\"] { fileinto \"Work\"; } if mailboxexists \"Nope\" { discard; }";

        Assert.Equal(["fileinto \"Work\""], ScriptRun.Actions(script, context: context));
    }

    [Fact]
    public void RedirectToAComputedInvalidAddressFailsTheRun()
    {
        var result = ScriptRun.Run("require \"variables\"; set \"a\" \"nobody\"; redirect \"${a}\";");

        Assert.Equal("line 1: redirect: \"nobody\" is not a valid address", result.Error!.ToString());
    }

    private sealed class VacationComparer : IEqualityComparer<VacationAction>
    {
        public bool Equals(VacationAction? x, VacationAction? y) =>
            x is not null && y is not null && x with { Addresses = [] } == y with { Addresses = [] } && x.Addresses.SequenceEqual(y.Addresses);

        public int GetHashCode(VacationAction obj) => obj.Handle.GetHashCode(StringComparison.Ordinal);
    }

    [Fact]
    public void SubstitutionCannotBuildUnboundedStrings()
    {
        var script = "require [\"variables\", \"fileinto\"]; set \"a\" \"" + new string('x', 4000) + "\"; fileinto \"" + string.Concat(Enumerable.Repeat("${a}", 20)) + "\";";

        Assert.Equal("line 1: fileinto: a string grew past the limit of 65536 characters", ScriptRun.Run(script).Error!.ToString());
    }
}
