using System.Text;

namespace Webmail.Resilience.Tests.Corpus;

/// <summary>
/// Generated hostile messages (kept as generators, not files: a 10 MB header does not belong in git).
/// Each carries the word in <see cref="Marker"/> in a plain-text part where it has one, for the search check.
/// </summary>
public static class NastyMessages
{
    public const string Marker = "quokkamarker";

    private const string Head = "From: Mallory <mallory@evil.example>\r\nTo: user@local.example\r\nSubject: nasty\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n";

    /// <summary>Name → raw bytes, for a theory.</summary>
    public static readonly IReadOnlyDictionary<string, Func<byte[]>> All = new Dictionary<string, Func<byte[]>>
    {
        ["deep-nesting-1000"] = () => DeepNesting(1000),
        ["header-10mb"] = () => HugeHeader(10 * 1024 * 1024),
        ["parts-20000"] = () => ManyParts(20_000),
        ["broken-base64"] = BrokenBase64,
        ["broken-quoted-printable"] = BrokenQuotedPrintable,
        ["nul-bytes"] = NulBytes,
        ["bidi-and-path-filenames"] = HostileFilenames,
        ["charset-garbage"] = CharsetGarbage,
        ["html-bomb"] = () => HtmlBomb(20_000),
        ["unterminated-boundaries"] = UnterminatedBoundaries,
        ["no-headers-at-all"] = () => Encoding.ASCII.GetBytes("\r\n\r\n" + Marker + "\r\n"),
    };

    public static byte[] DeepNesting(int depth)
    {
        var text = new StringBuilder(Head);
        for (var i = 0; i < depth; i++)
            text.Append($"Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n");
        text.Append($"Content-Type: text/plain\r\n\r\n{Marker} at the bottom\r\n");
        for (var i = depth - 1; i >= 0; i--)
            text.Append($"--b{i}--\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    public static byte[] HugeHeader(int size)
    {
        var text = new StringBuilder(Head, size + 1024).Append("X-Huge: start");
        var line = new string('a', 76);
        while (text.Length < size)
            text.Append("\r\n ").Append(line);
        text.Append($"\r\nContent-Type: text/plain\r\n\r\n{Marker} after a huge header\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    public static byte[] ManyParts(int parts)
    {
        var text = new StringBuilder(Head, parts * 60).Append("Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n");
        text.Append($"--p\r\nContent-Type: text/plain\r\n\r\n{Marker} first of many\r\n");
        for (var i = 1; i < parts; i++)
            text.Append("--p\r\n\r\nx\r\n");
        text.Append("--p--\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    public static byte[] BrokenBase64() => Encoding.ASCII.GetBytes(Head +
        "Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n" +
        $"--x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n{Convert.ToBase64String(Encoding.ASCII.GetBytes(Marker + " decoded"))}\r\n" +
        "--x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!@@@===*** not base64 at all ====\r\nQUJD\r\n=\r\nQ\r\n" +
        "--x\r\nContent-Type: application/octet-stream; name=\"a.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA====AAAA%%%%\r\n--x--\r\n");

    public static byte[] BrokenQuotedPrintable() => Encoding.ASCII.GetBytes(Head +
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
        $"{Marker} =ZZ =4 =\r\n=C3=\r\n=E2=80=AE reversed =\r\n" + new string('=', 5000) + "\r\n=");

    public static byte[] NulBytes()
    {
        var head = Encoding.ASCII.GetBytes("From: nul\0@evil.example\r\nTo: user@local.example\r\nSubject: a\0b\0c\r\nContent-Type: text/plain\r\n\r\n");
        var body = Encoding.ASCII.GetBytes(Marker + " \0\0\0 body with NULs \0\r\n");
        return [.. head, .. body];
    }

    public static byte[] HostileFilenames()
    {
        var text = new StringBuilder(Head).Append("Content-Type: multipart/mixed; boundary=\"f\"\r\n\r\n");
        text.Append($"--f\r\nContent-Type: text/plain\r\n\r\n{Marker} with attachments\r\n");
        // RFC 2231 encoded names: a right-to-left override, traversal paths, control characters.
        string[] names = ["invoice%E2%80%AEfdp.exe", "..%2F..%2F..%2Fetc%2Fpasswd", "C%3A%5CWindows%5Csystem32%5Cx.dll", "a%0D%0AContent-Type%3A%20text%2Fhtml", "%00%01%02"];
        foreach (var name in names)
            text.Append($"--f\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=utf-8''{name}\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n");
        text.Append("--f\r\nContent-Type: application/octet-stream; name=\"../../x\u202Egnp.js\"\r\n\r\nAAAA\r\n--f--\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static byte[] CharsetGarbage()
    {
        var head = Encoding.ASCII.GetBytes(Head + "Subject: =?x-no-such-charset?B?////?= =?utf-8?Q?=FF=FE?=\r\n" +
            "Content-Type: multipart/alternative; boundary=\"c\"\r\n\r\n--c\r\nContent-Type: text/plain; charset=\"x-garbage-\u0001\"\r\n\r\n" + Marker + " ");
        byte[] invalid = [0xFF, 0xFE, 0xC3, 0x28, 0xE2, 0x82, 0xF0, 0x90, 0x28, 0xBC, 0x0D, 0x0A];
        var tail = Encoding.ASCII.GetBytes("--c\r\nContent-Type: text/html; charset=utf-7\r\n\r\n+ADw-script+AD4-alert(1)+ADw-/script+AD4-\r\n--c--\r\n");
        return [.. head, .. invalid, .. tail];
    }

    public static byte[] HtmlBomb(int depth) => Encoding.ASCII.GetBytes(Head + "Content-Type: text/html\r\n\r\n" +
        string.Concat(Enumerable.Repeat("<div style=\"background:url(http://evil.example/t.png)\" onclick=\"x()\">", depth)) +
        $"<p>{Marker}</p><script>alert(1)</script><img src=x onerror=alert(2)>" + string.Concat(Enumerable.Repeat("</div>", depth / 2)) + "\r\n");

    /// <summary>
    /// Start tags balanced by end tags that close nothing (<c>&lt;div&gt;&lt;/x&gt;</c>): the parser ignores
    /// the stray end tags and nests every div. Found while checking the AFL harness' hang handling.
    /// </summary>
    public static byte[] StrayEndTags(int count) => Encoding.ASCII.GetBytes(Head + "Content-Type: text/html\r\n\r\n" +
        $"<p>{Marker}</p>" + string.Concat(Enumerable.Repeat("<div></x>", count)) + "\r\n");

    public static byte[] UnterminatedBoundaries() => Encoding.ASCII.GetBytes(Head +
        "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n--\r\nContent-Type: multipart/mixed; boundary=\"u\"\r\n\r\n--u\r\n" +
        $"Content-Type: text/plain\r\n\r\n{Marker} never closed\r\n--u\r\n--u\r\n");
}
