using MimeKit;

namespace Webmail.Core.Filters;

/// <summary>"Filter messages like this": a rule that would match a message's list or sender, to finish in the editor.</summary>
/// <param name="Subject">The message's subject, offered as an extra condition.</param>
public sealed record FilterSuggestion(FilterRule Rule, string Subject)
{
    /// <summary>
    /// A mailing list's messages share their List-Id (RFC 2919) whoever posts, so a list message
    /// suggests that; anything else its sender's address. The action is left for the user: a move
    /// whose folder they pick.
    /// </summary>
    public static FilterSuggestion FromMessage(HeaderList headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var subject = OneLine(headers[HeaderId.Subject] ?? "");
        var rule = new FilterRule { Actions = [new RuleAction { Kind = RuleActionKind.MoveTo }] };
        var listId = OneLine(headers["List-Id"] ?? "");
        var start = listId.LastIndexOf('<');
        var end = listId.LastIndexOf('>');
        if (start >= 0 && end > start + 1)
        {
            var id = listId[(start + 1)..end].Trim();
            rule.Name = Bounded($"List {id}");
            rule.Conditions.Add(new RuleCondition { Field = RuleField.Header, Header = "List-Id", Value = id });
        }
        else if (InternetAddressList.TryParse(headers[HeaderId.From] ?? "", out var from) && from.Mailboxes.FirstOrDefault() is { } sender)
        {
            rule.Name = Bounded($"From {sender.Address}");
            rule.Conditions.Add(new RuleCondition { Field = RuleField.From, Operator = RuleOperator.Is, Value = sender.Address });
        }
        else
        {
            rule.Name = Bounded($"Subject {subject}");
            rule.Conditions.Add(new RuleCondition { Field = RuleField.Subject, Value = subject });
        }
        return new FilterSuggestion(rule, subject);
    }

    private static string OneLine(string value) => string.Join(' ', value.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    private static string Bounded(string name) => name.Length <= FilterScript.MaxNameLength ? name : name[..FilterScript.MaxNameLength];
}
