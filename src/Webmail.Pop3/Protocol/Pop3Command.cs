namespace Webmail.Pop3.Protocol;

/// <summary>
/// One parsed command line (RFC 1939 §3): a case-insensitive keyword and its arguments,
/// separated by spaces. <see cref="Rest"/> keeps everything after the keyword as sent, for PASS,
/// whose one argument may contain spaces (RFC 1939 §7).
/// </summary>
public sealed record Pop3Command(string Keyword, IReadOnlyList<string> Arguments, string Rest)
{
    public static Pop3Command Parse(string line)
    {
        var space = line.IndexOf(' ');
        var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var rest = space < 0 ? "" : line[(space + 1)..];
        var arguments = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new Pop3Command(keyword, arguments, rest);
    }
}
