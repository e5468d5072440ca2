using Webmail.Sieve.Tests.Reference;

namespace Webmail.Sieve.Tests;

/// <summary>
/// The reference test: every script in Corpus/scripts runs on the messages in Corpus/messages
/// through Pigeonhole's sieve-test and through ours; the action lists must be the same. A script
/// runs on every message unless its first line names some ("# corpus-messages: plain, list"):
/// scripts whose outcome does not depend on the message, or that probe one message, run on those.
/// Pigeonhole runs once per pair, two at a time, in the fixture.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Pigeonhole runs on Debian.
public sealed class CorpusTests(CorpusTests.ReferenceResults reference) : IClassFixture<CorpusTests.ReferenceResults>
{
    private static readonly string Corpus = Path.Combine(AppContext.BaseDirectory, "Corpus");

    public static IEnumerable<string> Scripts => Directory.GetFiles(Path.Combine(Corpus, "scripts"), "*.sieve").Order(StringComparer.Ordinal);

    public static IEnumerable<string> Messages => Directory.GetFiles(Path.Combine(Corpus, "messages"), "*.eml").Order(StringComparer.Ordinal);

    private const string MessagesDirective = "# corpus-messages:";

    /// <summary>The messages a script runs on: those its first line names, or all.</summary>
    public static IReadOnlyList<string> MessagesFor(string scriptPath)
    {
        var first = File.ReadLines(scriptPath).FirstOrDefault() ?? "";
        if (!first.StartsWith(MessagesDirective, StringComparison.Ordinal))
            return Messages.ToList();
        return first[MessagesDirective.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(name => Path.Combine(Corpus, "messages", name + ".eml"))
            .Select(path => File.Exists(path) ? path : throw new FileNotFoundException($"{Path.GetFileName(scriptPath)} names a missing message", path))
            .ToList();
    }

    public static TheoryData<string> ScriptNames() => [.. Scripts.Select(s => Path.GetFileNameWithoutExtension(s))];

    [Theory]
    [MemberData(nameof(ScriptNames))]
    public void ScriptTakesTheSameActionsAsPigeonhole(string script)
    {
        var mismatches = new List<string>();
        foreach (var message in MessagesFor(Path.Combine(Corpus, "scripts", script + ".sieve")))
        {
            var name = Path.GetFileNameWithoutExtension(message);
            var (expected, output) = reference.Results[(script, name)];
            var actual = Ours(Path.Combine(Corpus, "scripts", script + ".sieve"), message);
            if (!expected.SequenceEqual(actual))
            {
                mismatches.Add($"{script} × {name}\n  pigeonhole: {string.Join(" | ", expected)}\n  ours:       {string.Join(" | ", actual)}\n{output}");
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n\n", mismatches));
    }

    [Fact]
    public void CorpusRunsEveryMessageInAFewHundredPairs()
    {
        Assert.True(Scripts.Count() >= 40, "a few dozen scripts");
        Assert.True(Messages.Count() >= 10, "about ten messages");
        Assert.All(Messages, message => Assert.Contains(Scripts, script => MessagesFor(script).Contains(message)));
        Assert.InRange(Scripts.Sum(script => MessagesFor(script).Count), 300, 600);
    }

    [Fact]
    public void PigeonholeResultsAreVariedAndUnderstood()
    {
        var lists = reference.Results.Values.Select(r => string.Join(" | ", r.Actions)).ToList();

        Assert.DoesNotContain(lists, list => list.Contains("unknown", StringComparison.Ordinal));
        Assert.True(lists.Distinct().Count() > 150, "the corpus should lead Pigeonhole to many different outcomes");
        Assert.True(lists.Count(list => list is "error" or "compile-error") < lists.Count / 10, "most pairs should run");
    }

    private static List<string> Ours(string scriptPath, string messagePath)
    {
        var parsed = SieveScript.Parse(File.ReadAllText(scriptPath));
        var message = SieveMessage.Parse(File.ReadAllBytes(messagePath));
        var envelope = new SieveEnvelope(PigeonholeSieveTest.EnvelopeFrom, PigeonholeSieveTest.EnvelopeTo);
        var context = new SieveRunContext { Now = DateTimeOffset.UtcNow };
        return ActionList.FromParse(parsed, script => script.Run(message, envelope, context));
    }

    /// <summary>Pigeonhole's action lists for every pair, computed once for the class.</summary>
    public sealed class ReferenceResults : IAsyncLifetime
    {
        private readonly PigeonholeSieveTest _pigeonhole = new();

        public Dictionary<(string Script, string Message), (List<string> Actions, string Output)> Results { get; } = [];

        public async Task InitializeAsync()
        {
            var messages = Messages.ToDictionary(m => m, m => (Name: Path.GetFileNameWithoutExtension(m), Path: _pigeonhole.Stage(m)));
            var pairs = new List<((string Name, string Path) Script, (string Name, string Path) Message)>();
            foreach (var path in Scripts)
            {
                var script = (Name: Path.GetFileNameWithoutExtension(path), Path: _pigeonhole.Stage(path));
                var mine = MessagesFor(path).Select(m => messages[m]).ToList();
                // Compile each script once, alone, so the parallel runs below reuse the binary.
                Results[(script.Name, mine[0].Name)] = await _pigeonhole.RunAsync(script.Path, mine[0].Path);
                pairs.AddRange(mine.Skip(1).Select(m => (script, m)));
            }
            var results = new (List<string>, string)[pairs.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, pairs.Count), new ParallelOptions { MaxDegreeOfParallelism = 2 },
                async (i, _) => results[i] = await _pigeonhole.RunAsync(pairs[i].Script.Path, pairs[i].Message.Path));
            for (var i = 0; i < pairs.Count; i++)
                Results[(pairs[i].Script.Name, pairs[i].Message.Name)] = results[i];
        }

        public Task DisposeAsync()
        {
            _pigeonhole.Dispose();
            return Task.CompletedTask;
        }
    }
}
