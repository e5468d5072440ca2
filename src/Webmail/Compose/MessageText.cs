using System.Net;
using System.Text.RegularExpressions;
using MimeKit;

namespace Webmail.Compose;

/// <summary>The readable text of a stored message, for quoting in replies and forwards.</summary>
public static partial class MessageText
{
    [GeneratedRegex(@"<(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockEnd();

    [GeneratedRegex(@"<(script|style|head)\b.*?</\1>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Invisible();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    public static string Of(MimeMessage message)
    {
        if (message.TextBody is { } text)
            return text;
        return message.HtmlBody is { } html ? HtmlToText(html) : "";
    }

    public static string HtmlToText(string html)
    {
        var text = Invisible().Replace(html, "");
        text = BlockEnd().Replace(text, "\n");
        text = Tag().Replace(text, "");
        return WebUtility.HtmlDecode(text).Trim();
    }
}
