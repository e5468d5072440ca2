using Webmail.Sieve.Tests.Reference;

namespace Webmail.Sieve.Tests;

/// <summary>The reading of sieve-test's output, on output recorded from Pigeonhole 2.3.19.</summary>
public class PigeonholeOutputTests
{
    [Fact]
    public void PerformedActionsAndImplicitKeepBecomeActionLines()
    {
        const string stdout = """

            Performed actions:

             * store message in folder: Hi
                    + create mailbox if it does not exist
                    + add IMAP flags: \seen foo
             * redirect message to: <x@example.org>
                    + preserve implicit keep
             * send vacation message:
                => seconds : 259200
                => subject : away
                => handle  : I'm awayaway<default-from><NO-MIME>

            START MESSAGE
            I'm away
            END MESSAGE

            Implicit keep:

             * store message in folder: INBOX
                    + add IMAP flags: $Junk

            """;

        var actions = PigeonholeOutput.Normalize(stdout, "sieve-test: Info: final result: success");

        Assert.Equal(
        [
            "store Hi flags=[\\seen foo] create",
            "redirect x@example.org",
            "vacation seconds=259200 subject=away from=- handle=I'm awayaway<default-from><NO-MIME> reason=I'm away",
            "implicit-keep flags=[$junk]",
        ], actions);
    }

    [Fact]
    public void FailuresBecomeOneLine()
    {
        Assert.Equal(["compile-error"], PigeonholeOutput.Normalize("", "t: line 1: error: unknown command 'x'.\nsieve-test: Fatal: failed to compile sieve script"));
        Assert.Equal(["error"], PigeonholeOutput.Normalize("", "t: line 7: error: number of redirect actions exceeds policy limit (5 > 4).\nsieve-test: Info: final result: failed; resolved with successful implicit keep"));
    }
}
