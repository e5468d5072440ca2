namespace Webmail.Core.Filters;

/// <summary>The words the rules editor shows for conditions and actions, and a rule in one sentence.</summary>
public static class RuleText
{
    public static string Field(RuleField field) => field switch
    {
        RuleField.From => "From",
        RuleField.ToOrCc => "To or Cc",
        RuleField.Subject => "Subject",
        RuleField.Body => "Body",
        RuleField.SizeOver => "Size is over",
        RuleField.SizeUnder => "Size is under",
        RuleField.HasAttachment => "Attachment",
        RuleField.Header => "Header",
        _ => field.ToString(),
    };

    public static string Operator(RuleField field, RuleOperator op) => (field, op) switch
    {
        (RuleField.HasAttachment, RuleOperator.DoesNotContain) => "there is none",
        (RuleField.HasAttachment, _) => "there is one",
        (_, RuleOperator.Is) => "is",
        (_, RuleOperator.DoesNotContain) => "does not contain",
        _ => "contains",
    };

    public static string Action(RuleActionKind kind) => kind switch
    {
        RuleActionKind.MoveTo => "Move to folder",
        RuleActionKind.MarkRead => "Mark as read",
        RuleActionKind.Flag => "Flag",
        RuleActionKind.ForwardTo => "Forward to",
        RuleActionKind.Delete => "Delete",
        RuleActionKind.Stop => "Stop processing more rules",
        _ => kind.ToString(),
    };

    /// <summary>"From contains news.example, and Subject contains weekly: move to News, mark as read".</summary>
    public static string Describe(FilterRule rule)
    {
        var conditions = rule.Conditions.Count == 0
            ? "Every message"
            : string.Join(rule.MatchAll ? ", and " : ", or ", rule.Conditions.Select(Describe));
        var actions = string.Join(", ", rule.Actions.OrderBy(a => a.Kind).Select(Describe));
        return $"{conditions}: {actions}";
    }

    private static string Describe(RuleCondition c) => c.Field switch
    {
        RuleField.SizeOver or RuleField.SizeUnder => $"{Field(c.Field)} {c.Value.Trim()}{(c.Value.Trim().All(char.IsDigit) ? " KB" : "")}",
        RuleField.HasAttachment => c.Operator == RuleOperator.DoesNotContain ? "No attachment" : "Has an attachment",
        RuleField.Header => $"{c.Header} {Operator(c.Field, c.Operator)} \"{c.Value}\"",
        _ => $"{Field(c.Field)} {Operator(c.Field, c.Operator)} \"{c.Value}\"",
    };

    private static string Describe(RuleAction a) => a.Kind switch
    {
        RuleActionKind.MoveTo => $"move to {a.Argument}",
        RuleActionKind.ForwardTo => $"forward to {a.Argument}{(a.KeepCopy ? " (keep a copy)" : "")}",
        RuleActionKind.Stop => "stop",
        _ => Action(a.Kind).ToLowerInvariant(),
    };
}
