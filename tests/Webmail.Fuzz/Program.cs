using System.Diagnostics;
using SharpFuzz;
using Webmail.Fuzz;

// Usage (docs/fuzzing.md):
//   Webmail.Fuzz mime|html                       the AFL target: afl-fuzz feeds inputs on stdin (run-afl.sh)
//   Webmail.Fuzz mime|html --check PATH...       each file (or each file in a folder) once, timed; exit 1 on a crash or a slow input
//   Webmail.Fuzz seeds DIR                       writes small starting inputs into DIR/mime and DIR/html
if (args.Length >= 2 && args[0] == "seeds")
{
    Seeds.Write(args[1]);
    return 0;
}
if (args.Length == 0 || args[0] is not ("mime" or "html"))
{
    Console.Error.WriteLine("usage: Webmail.Fuzz mime|html [--check PATH...] | seeds DIR");
    return 2;
}

// Instrumented code may run only inside Fuzzer.Run, which sets up AFL's coverage map (or, outside
// afl-fuzz, a map of its own): the target, whose set-up already runs instrumented code, is made there.
IFuzzTarget? target = null;
IFuzzTarget Target() => target ??= args[0] == "mime" ? new MimeIngestTarget() : new HtmlSanitizerTarget();
try
{
    if (args.Length >= 2 && args[1] == "--check")
    {
        var status = 1;
        Fuzzer.Run(_ => status = Check(Target(), args[2..]));
        return status;
    }

    // Persistent mode, out of process: this process is AFL's fork server and runs the target in a child
    // dotnet process, input after input, starting a new child when one dies. In-process (Fuzzer.Run) an
    // input over afl-fuzz -t kills the fork server with it and ends the whole run instead of saving a hang;
    // a stack overflow would do the same. An exception escaping Run is reported to AFL as a crash.
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        Target().Run(buffer.ToArray());
    });
    return 0;
}
finally
{
    target?.Dispose();
}

static int Check(IFuzzTarget target, string[] paths)
{
    // Far above what any input needs on this machine (milliseconds); AFL's own -t is the tighter bound.
    var limit = TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("WEBMAIL_FUZZ_CHECK_SECONDS"), out var s) ? s : 10);
    // AFL leaves a README.txt beside the inputs it saved.
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Where(f => Path.GetFileName(f) != "README.txt").Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]).ToList();
    var failed = 0;
    foreach (var file in files)
    {
        var input = File.ReadAllBytes(file);
        var clock = Stopwatch.StartNew();
        try
        {
            target.Run(input);
            clock.Stop();
            var slow = clock.Elapsed > limit;
            failed += slow ? 1 : 0;
            Console.WriteLine($"{(slow ? "SLOW" : "ok  ")} {clock.Elapsed.TotalMilliseconds,9:F1} ms {input.Length,9} B  {file}");
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"FAIL {clock.Elapsed.TotalMilliseconds,9:F1} ms {input.Length,9} B  {file}");
            Console.WriteLine(e);
        }
    }
    Console.WriteLine($"{files.Count - failed} passed, {failed} failed");
    return failed == 0 ? 0 : 1;
}
