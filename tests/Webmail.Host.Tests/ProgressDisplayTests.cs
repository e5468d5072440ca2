using Webmail.Cli;
using Webmail.Storage.Postgres.Migration;

namespace Webmail.Host.Tests;

/// <summary><c>store migrate</c>'s progress: a bar redrawn in place on a terminal, a plain line per tenth elsewhere.</summary>
public sealed class ProgressDisplayTests
{
    [Fact]
    public void OnATerminalOneBarIsRedrawnInPlaceAndALargeStepKeepsItsLastLine()
    {
        var output = new StringWriter();
        var display = new ProgressDisplay(output, terminal: true);

        display.Report(new MigrationProgress("domains", 0, 2));
        display.Report(new MigrationProgress("domains", 2, 2));
        for (var done = 0; done <= 2000; done += 250)
            display.Report(new MigrationProgress("messages", done, 2000));
        display.Report(new MigrationProgress("verify", 10, 2000));
        display.Finish();

        var text = output.ToString();
        Assert.StartsWith("\rdomains: [------------------------------] 0/2 (0%)", text, StringComparison.Ordinal);
        // The small step is drawn over by the next one; the large one ends its line when it is done.
        Assert.Contains("\rmessages: [##############################] 2,000/2,000 (100%)", text, StringComparison.Ordinal);
        Assert.Matches(@"\(100%\)(, [\d,]+/s)? *\n\rverify: \[-+\] 10/2,000 \(0%\)", text);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.Equal(2, text.Count(c => c == '\n'));
    }

    [Fact]
    public void WithoutATerminalALargeStepPrintsAPlainLinePerTenthAndSmallStepsPrintNothing()
    {
        var output = new StringWriter();
        var display = new ProgressDisplay(output, terminal: false);

        display.Report(new MigrationProgress("domains", 2, 2));
        for (var done = 0; done <= 2000; done += 50)
            display.Report(new MigrationProgress("messages", done, 2000));
        display.Finish();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(11, lines.Length);
        Assert.Equal("messages: 0/2,000 (0%)", lines[0]);
        Assert.All(lines, l => Assert.StartsWith("messages: ", l, StringComparison.Ordinal));
        Assert.StartsWith("messages: 2,000/2,000 (100%)", lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain('\r', output.ToString());
    }
}
