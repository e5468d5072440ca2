namespace Webmail.Sieve.Tests;

/// <summary>Mangled scripts never throw out of Parse or Run: they are refused with errors, or they run.</summary>
public class RobustnessTests
{
    private static readonly string Corpus = Path.Combine(AppContext.BaseDirectory, "Corpus");

    [Fact]
    public void MutatedCorpusScriptsAreRefusedOrRunWithoutThrowing()
    {
        var random = new Random(5229);
        var message = SieveMessage.Parse(File.ReadAllBytes(Path.Combine(Corpus, "messages", "multipart.eml")));
        var envelope = new SieveEnvelope("sender@example.org", "bob+sieve@example.net");
        var context = new SieveRunContext { Now = ScriptRun.Now };
        const string alphabet = "\"\\{}[](),;:*?$#/\n rtx0123456789";
        var parsed = 0;
        foreach (var path in Directory.GetFiles(Path.Combine(Corpus, "scripts"), "*.sieve"))
        {
            var original = File.ReadAllText(path);
            for (var i = 0; i < 60; i++)
            {
                var text = original.ToCharArray().ToList();
                for (var edits = random.Next(1, 4); edits > 0 && text.Count > 0; edits--)
                {
                    var at = random.Next(text.Count);
                    switch (random.Next(3))
                    {
                        case 0: text.RemoveAt(at); break;
                        case 1: text.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                        default: text[at] = alphabet[random.Next(alphabet.Length)]; break;
                    }
                }
                var script = new string(text.ToArray());

                var result = SieveScript.Parse(script);

                if (result.Succeeded)
                {
                    parsed++;
                    Assert.NotEmpty(result.Script!.Run(message, envelope, context).Actions);
                }
                else
                {
                    Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
                }
            }
        }
        Assert.True(parsed > 100, $"only {parsed} mutated scripts parsed; the test would not reach Run");
    }
}
