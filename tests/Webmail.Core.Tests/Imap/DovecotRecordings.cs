using System.Text;
using System.Text.Json;

namespace Webmail.Core.Tests.Imap;

/// <summary>Dovecot's recorded answers (Dovecot/recordings.json, written by record-dovecot.sh) and the samples they are for.</summary>
internal static class DovecotRecordings
{
    private static readonly Lazy<JsonElement> Messages = new(() =>
    {
        var json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Imap", "Dovecot", "recordings.json"));
        return JsonDocument.Parse(json).RootElement.GetProperty("messages").Clone();
    });

    private const string FuzzSeeds = "tests/Webmail.Fuzz/seeds/mime/";
    private const string OurSamples = "tests/Webmail.Core.Tests/Imap/Samples/";

    /// <summary>The recorded samples, by a short name (test names show it): python/msg_01.txt, edge/..., fuzz/...</summary>
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var message in Messages.Value.EnumerateObject())
        {
            data.Add(message.Name.StartsWith(FuzzSeeds, StringComparison.Ordinal)
                ? "fuzz/" + message.Name[FuzzSeeds.Length..]
                : message.Name[OurSamples.Length..]);
        }
        return data;
    }

    private static string Key(string sample) =>
        sample.StartsWith("fuzz/", StringComparison.Ordinal) ? FuzzSeeds + sample[5..] : OurSamples + sample;

    public static JsonElement For(string sample) => Messages.Value.GetProperty(Key(sample));

    /// <summary>The header fields the recordings fetched with HEADER.FIELDS and HEADER.FIELDS.NOT.</summary>
    public static readonly string[] HeaderFields = ["FROM", "TO", "SUBJECT", "DATE", "MESSAGE-ID", "CONTENT-TYPE"];

    /// <summary>The sample's raw octets, from the test output (the fuzz seeds are linked there under Imap/FuzzSeeds).</summary>
    public static byte[] Raw(string sample)
    {
        var relative = sample.StartsWith("fuzz/", StringComparison.Ordinal)
            ? Path.Combine("Imap", "FuzzSeeds", sample[5..])
            : Path.Combine("Imap", "Samples", sample);
        return File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, relative));
    }

    /// <summary>Recorded section octets (kept as Latin-1 text in the JSON).</summary>
    public static byte[]? Octets(JsonElement value) =>
        value.ValueKind == JsonValueKind.Null ? null : Encoding.Latin1.GetBytes(value.GetString()!);
}
