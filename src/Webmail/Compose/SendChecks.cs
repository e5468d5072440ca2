using System.Text.RegularExpressions;

namespace Webmail.Compose;

/// <summary>
/// What the composer asks about before a Send: an empty subject, and a text that speaks of an attachment when no file
/// is attached. Only what the user wrote counts: quoted lines, the quoted HTML of a reply, a forwarded message and
/// the signature are left out (a reply to "see the attached invoice" should not ask).
/// </summary>
public static partial class SendChecks
{
    // English, German, French, Spanish: the words people write next to a file they forgot.
    [GeneratedRegex(@"\b(attached|attachments?|enclosed|angehängt|anhang|anbei|pièces? jointes?|ci-joint|adjuntos?|adjunta|adjunto)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AttachmentWord();

    [GeneratedRegex(@"<blockquote\b.*</blockquote>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex QuotedHtml();

    /// <summary>The questions to ask before sending <paramref name="model"/>; empty when there is nothing to ask.</summary>
    public static IReadOnlyList<string> Warnings(ComposeModel model)
    {
        var warnings = new List<string>();
        if (string.IsNullOrWhiteSpace(model.Subject))
            warnings.Add("This message has no subject.");
        if (model.Attachments.Count == 0 && AttachmentWord().Match(OwnText(model)) is { Success: true } word)
            warnings.Add($"The text says “{word.Value}”, but no file is attached.");
        return warnings;
    }

    /// <summary>The text the user wrote: up to the signature, a forwarded message or the quote.</summary>
    public static string OwnText(ComposeModel model)
    {
        var text = model.Rich ? MessageText.HtmlToText(QuotedHtml().Replace(model.Html, "")) : model.Body;
        var own = new List<string>();
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line == "-- " || line == "--" || line.StartsWith("---------- Forwarded message", StringComparison.Ordinal))
                break;
            if (!line.StartsWith('>'))
                own.Add(line);
        }
        return string.Join('\n', own);
    }
}
