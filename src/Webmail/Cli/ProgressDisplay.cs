using System.Diagnostics;
using Webmail.Storage.Postgres.Migration;

namespace Webmail.Cli;

/// <summary>
/// A long command's progress: on a terminal one bar redrawn in place (step, done/total, rate, ETA), at most ten
/// times a second; otherwise (a pipe, a log file) a plain line at each tenth of a large step.
/// </summary>
internal sealed class ProgressDisplay(TextWriter output, bool terminal) : IProgress<MigrationProgress>
{
    /// <summary>Steps with fewer rows pass without a line of their own when the output is not a terminal.</summary>
    private const long LargeStep = 1000;
    private const int BarWidth = 30;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string? _step;
    private TimeSpan _stepStarted;
    private TimeSpan _drawn = TimeSpan.MinValue;
    private long _tenth = -1;
    private int _width;

    /// <summary>True when <paramref name="output"/> is the process's own terminal.</summary>
    public static bool IsTerminal(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    public void Report(MigrationProgress value)
    {
        var first = value.Step != _step;
        if (first)
        {
            _step = value.Step;
            _stepStarted = _clock.Elapsed;
            _tenth = -1;
        }
        var finished = value.Done >= value.Total;
        if (terminal)
        {
            if (!first && !finished && _clock.Elapsed - _drawn < TimeSpan.FromMilliseconds(100))
                return;
            _drawn = _clock.Elapsed;
            var line = Line(value, bar: true);
            output.Write("\r" + line.PadRight(_width));
            _width = line.Length;
            // A large step keeps its last line; a small one is drawn over by the next.
            if (finished && value.Total >= LargeStep)
                Finish();
            output.Flush();
            return;
        }
        if (value.Total < LargeStep)
            return;
        var tenth = value.Total == 0 ? 10 : value.Done * 10 / value.Total;
        if (tenth <= _tenth)
            return;
        _tenth = tenth;
        output.WriteLine(Line(value, bar: false));
    }

    /// <summary>Ends the bar's line (before the command prints anything else).</summary>
    public void Finish()
    {
        if (terminal && _width > 0)
        {
            output.WriteLine();
            _width = 0;
        }
    }

    private string Line(MigrationProgress value, bool bar)
    {
        var share = value.Total == 0 ? 1 : Math.Min(1, (double)value.Done / value.Total);
        var seconds = (_clock.Elapsed - _stepStarted).TotalSeconds;
        var rate = seconds > 0.2 ? value.Done / seconds : 0;
        var eta = rate > 0 && value.Done < value.Total ? TimeSpan.FromSeconds((value.Total - value.Done) / rate) : (TimeSpan?)null;
        var filled = (int)(share * BarWidth);
        var drawn = bar ? $" [{new string('#', filled)}{new string('-', BarWidth - filled)}]" : "";
        return $"{value.Step}:{drawn} {value.Done:N0}/{value.Total:N0} ({(int)(share * 100)}%)" +
               (rate > 0 ? $", {rate:N0}/s" : "") +
               (eta is { } left ? $", ETA {(int)left.TotalMinutes}:{left.Seconds:00}" : "");
    }
}
