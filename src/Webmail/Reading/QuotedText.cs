namespace Webmail.Reading;

/// <summary>
/// Cuts a plain-text body into what is read and what is folded behind "•••": runs of <c>&gt;</c>-quoted
/// lines (with the "On … wrote:" line before them), Outlook's "-----Original Message-----" and what
/// follows it, and the signature after the RFC 3676 §4.3 separator line "-- ".
/// </summary>
public static class QuotedText
{
    /// <summary>A stretch of the body; <see cref="Folded"/> ones start hidden.</summary>
    public sealed record Block(string Text, bool Folded);

    public static IReadOnlyList<Block> Split(string? text)
    {
        var lines = (text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var blocks = new List<Block>();
        var current = new List<string>();
        var folded = false;

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            // RFC 3676 §4.3: "-- " alone on a line starts the signature; Outlook's separator starts the old message.
            if (line is "-- " or "--" || line.Trim().Equals("-----Original Message-----", StringComparison.OrdinalIgnoreCase))
            {
                Flush(false);
                current.AddRange(lines[i..]);
                Flush(true);
                return blocks;
            }
            var quoted = line.TrimStart().StartsWith('>');
            if (quoted != folded)
            {
                if (quoted)
                {
                    // The attribution line ("On Tue, … wrote:") and the blank lines after it fold with the quote.
                    var last = current.Count - 1;
                    while (last >= 0 && current[last].Trim().Length == 0)
                        last--;
                    var carry = last >= 0 && current[last].TrimEnd().EndsWith(':') ? current.Count - last : 0;
                    var carried = current.GetRange(current.Count - carry, carry);
                    current.RemoveRange(current.Count - carry, carry);
                    Flush(false);
                    current.AddRange(carried);
                }
                else
                {
                    Flush(true);
                }
                folded = quoted;
            }
            current.Add(line);
        }
        Flush(folded);
        return blocks;

        void Flush(bool fold)
        {
            if (current.Count > 0)
                blocks.Add(new Block(string.Join('\n', current), fold));
            current.Clear();
        }
    }
}
