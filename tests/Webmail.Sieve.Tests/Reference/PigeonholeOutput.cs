using System.Globalization;

namespace Webmail.Sieve.Tests.Reference;

/// <summary>
/// Reads what Pigeonhole's sieve-test prints (without -e): a "Performed actions:" list of
/// " * ..." lines with "+ ..." and "=> ..." details, then an "Implicit keep:" list; compile and
/// run-time failures print errors instead. Turns it into <see cref="ActionList"/> form.
/// </summary>
public static class PigeonholeOutput
{
    private sealed class Entry(string kind, string value)
    {
        public string Kind { get; } = kind;
        public string Value { get; } = value;
        public List<string> Flags { get; } = [];
        public bool Create { get; set; }
        public Dictionary<string, string> Fields { get; } = [];
        public string Message { get; set; } = "";
    }

    public static List<string> Normalize(string stdout, string stderr)
    {
        if (stderr.Contains("failed to compile", StringComparison.Ordinal))
            return ["compile-error"];
        if (!stdout.Contains("Performed actions:", StringComparison.Ordinal)
            || stderr.Contains("final result: failed", StringComparison.Ordinal))
            return ["error"];

        var entries = new List<Entry>();
        var implicitSection = false;
        var lines = stdout.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (line == "Implicit keep:")
            {
                implicitSection = true;
            }
            else if (line.StartsWith(" * ", StringComparison.Ordinal))
            {
                entries.Add(Parse(line[3..], implicitSection));
            }
            else if (trimmed.StartsWith("+ add IMAP flags: ", StringComparison.Ordinal))
            {
                entries[^1].Flags.AddRange(trimmed["+ add IMAP flags: ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
            else if (trimmed == "+ create mailbox if it does not exist")
            {
                entries[^1].Create = true;
            }
            else if (trimmed.StartsWith("=> ", StringComparison.Ordinal))
            {
                var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
                entries[^1].Fields[trimmed[3..colon].Trim()] = trimmed[(colon + 1)..].Trim();
            }
            else if (line == "START MESSAGE")
            {
                var body = new List<string>();
                while (++i < lines.Length && lines[i] != "END MESSAGE")
                    body.Add(lines[i]);
                entries[^1].Message = string.Join("\n", body);
            }
        }
        return entries.Select(Format).ToList();
    }

    private static Entry Parse(string text, bool implicitKeep)
    {
        const string store = "store message in folder: ";
        const string redirect = "redirect message to: ";
        const string reject = "reject message with reason: ";
        if (text.StartsWith(store, StringComparison.Ordinal))
            return new Entry(implicitKeep ? "implicit-keep" : "store", text[store.Length..]);
        if (text.StartsWith(redirect, StringComparison.Ordinal))
            return new Entry("redirect", text[redirect.Length..].Trim('<', '>'));
        if (text.StartsWith(reject, StringComparison.Ordinal))
            return new Entry("reject", text[reject.Length..]);
        if (text == "send vacation message:")
            return new Entry("vacation", "");
        return new Entry(text == "discard" ? "discard" : "unknown", text);
    }

    private static string Format(Entry entry) => entry.Kind switch
    {
        "implicit-keep" => ActionList.ImplicitKeep(entry.Flags),
        "store" => ActionList.Store(entry.Value, entry.Flags, entry.Create),
        "redirect" => $"redirect {entry.Value}",
        "reject" => $"reject {entry.Value}",
        "discard" => "discard",
        "vacation" => ActionList.Vacation(
            long.Parse(entry.Fields.GetValueOrDefault("seconds", "-1"), CultureInfo.InvariantCulture),
            entry.Fields.GetValueOrDefault("subject"), entry.Fields.GetValueOrDefault("from"),
            entry.Fields.GetValueOrDefault("handle", ""), entry.Message),
        _ => $"unknown {entry.Value}",
    };
}
