using System.Text;
using Webmail.Resilience.Tests.Corpus;

namespace Webmail.Fuzz;

/// <summary>
/// Starting inputs for AFL, made from the resilience corpus' generators at small sizes (AFL mutates small
/// files far better: a 10 MB header or 20,000 parts become a few hundred bytes of the same shape). The
/// hand-written seeds in seeds/&lt;target&gt;/ are copied beside these by run-afl.sh.
/// </summary>
internal static class Seeds
{
    public static void Write(string directory)
    {
        var mime = Directory.CreateDirectory(Path.Combine(directory, "mime")).FullName;
        var html = Directory.CreateDirectory(Path.Combine(directory, "html")).FullName;

        var messages = new Dictionary<string, byte[]>
        {
            ["deep-nesting"] = NastyMessages.DeepNesting(6),
            ["huge-header"] = NastyMessages.HugeHeader(600),
            ["many-parts"] = NastyMessages.ManyParts(8),
            ["broken-base64"] = NastyMessages.BrokenBase64(),
            ["broken-quoted-printable"] = Trim(NastyMessages.BrokenQuotedPrintable(), 1024),
            ["nul-bytes"] = NastyMessages.NulBytes(),
            ["bidi-and-path-filenames"] = NastyMessages.HostileFilenames(),
            ["charset-garbage"] = NastyMessages.CharsetGarbage(),
            ["html-bomb"] = NastyMessages.HtmlBomb(4),
            ["unterminated-boundaries"] = NastyMessages.UnterminatedBoundaries(),
        };
        foreach (var (name, bytes) in messages)
            File.WriteAllBytes(Path.Combine(mime, name + ".eml"), bytes);

        // The HTML target gets the bodies of the HTML-bearing messages.
        File.WriteAllBytes(Path.Combine(html, "html-bomb.html"), Body(NastyMessages.HtmlBomb(4)));
        File.WriteAllText(Path.Combine(html, "utf7-script.html"), "+ADw-script+AD4-alert(1)+ADw-/script+AD4-<p>x</p>");
    }

    private static byte[] Trim(byte[] bytes, int length) => bytes.Length > length ? bytes[..length] : bytes;

    private static byte[] Body(byte[] message)
    {
        var text = Encoding.ASCII.GetString(message);
        return Encoding.ASCII.GetBytes(text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }
}
