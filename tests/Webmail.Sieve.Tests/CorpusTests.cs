using Webmail.Sieve.Tests.Reference;

namespace Webmail.Sieve.Tests;

/// <summary>
/// The reference test: every script in Corpus/scripts runs on every message in Corpus/messages
/// through Pigeonhole's sieve-test and through ours; the action lists must be the same.
/// Pigeonhole runs once per pair, two at a time, in the fixture.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Pigeonhole runs on Debian.
public sealed class CorpusTests(CorpusTests.ReferenceResults reference) : IClassFixture<CorpusTests.ReferenceResults>
{
    private static readonly string Corpus = Path.Combine(AppContext.BaseDirectory, "Corpus");

    public static IEnumerable<string> Scripts => Directory.GetFiles(Path.Combine(Corpus, "scripts"), "*.sieve").Order(StringComparer.Ordinal);

    public static IEnumerable<string> Messages => Directory.GetFiles(Path.Combine(Corpus, "messages"), "*.eml").Order(StringComparer.Ordinal);

    public static TheoryData<string> ScriptNames() => [.. Scripts.Select(s => Path.GetFileNameWithoutExtension(s))];

    [Theory]
    [MemberData(nameof(ScriptNames))]
    public void ScriptTakesTheSameActionsAsPigeonhole(string script)
    {
        var mismatches = new List<string>();
        foreach (var message in Messages)
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
    public void CorpusCoversEveryScriptAndMessage()
    {
        Assert.True(Scripts.Count() >= 40, "a few dozen scripts");
        Assert.True(Messages.Count() >= 10, "about ten messages");
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
            var scripts = Scripts.Select(s => (Name: Path.GetFileNameWithoutExtension(s), Path: _pigeonhole.Stage(s))).ToList();
            var messages = Messages.Select(m => (Name: Path.GetFileNameWithoutExtension(m), Path: _pigeonhole.Stage(m))).ToList();
            // Compile each script once, alone, so the parallel runs below reuse the binary.
            foreach (var script in scripts)
                await _pigeonhole.RunAsync(script.Path, messages[0].Path);
            var pairs = scripts.SelectMany(s => messages.Select(m => (Script: s, Message: m))).ToList();
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
