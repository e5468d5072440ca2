using System.Text.Json.Serialization;

namespace Webmail.Core.Filters;

/// <summary>What a rule condition looks at.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RuleField>))]
public enum RuleField
{
    From,
    ToOrCc,
    Subject,
    Body,
    /// <summary>Size over a number of kilobytes (the value, e.g. "500", or with a unit: "2M").</summary>
    SizeOver,
    SizeUnder,
    HasAttachment,
    /// <summary>Any header named by <see cref="RuleCondition.Header"/>.</summary>
    Header,
}

/// <summary>How a text condition compares (size and attachment conditions ignore it).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RuleOperator>))]
public enum RuleOperator
{
    Contains,
    DoesNotContain,
    Is,
}

/// <summary>What a rule does; a rule's actions run in this order whatever order they were added in (flags before filing, stop last).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RuleActionKind>))]
public enum RuleActionKind
{
    MarkRead,
    Flag,
    MoveTo,
    ForwardTo,
    Delete,
    Stop,
}

/// <summary>One test of a rule. Mutable: the editor binds to it.</summary>
public sealed class RuleCondition
{
    public RuleField Field { get; set; } = RuleField.From;
    public RuleOperator Operator { get; set; } = RuleOperator.Contains;
    public string Value { get; set; } = "";
    /// <summary>The header's name, for <see cref="RuleField.Header"/>.</summary>
    public string Header { get; set; } = "";

    public RuleCondition Clone() => (RuleCondition)MemberwiseClone();
}

/// <summary>One action of a rule.</summary>
public sealed class RuleAction
{
    public RuleActionKind Kind { get; set; } = RuleActionKind.MoveTo;
    /// <summary>The folder's full name (<see cref="FolderPaths"/>) for MoveTo, the address for ForwardTo.</summary>
    public string Argument { get; set; } = "";
    /// <summary>ForwardTo: keep a copy here too (redirect :copy, RFC 3894).</summary>
    public bool KeepCopy { get; set; } = true;

    public RuleAction Clone() => (RuleAction)MemberwiseClone();
}

/// <summary>A named, ordered rule: when all (or any) of its conditions hold, its actions run.</summary>
public sealed class FilterRule
{
    public string Name { get; set; } = "";
    public bool Enabled { get; set; } = true;
    /// <summary>True: every condition must hold (allof); false: any one (anyof).</summary>
    public bool MatchAll { get; set; } = true;
    public List<RuleCondition> Conditions { get; set; } = [];
    public List<RuleAction> Actions { get; set; } = [];

    public FilterRule Clone() => new()
    {
        Name = Name,
        Enabled = Enabled,
        MatchAll = MatchAll,
        Conditions = Conditions.Select(c => c.Clone()).ToList(),
        Actions = Actions.Select(a => a.Clone()).ToList(),
    };
}

/// <summary>The automatic reply (RFC 5230), optionally only between two dates (RFC 5260 currentdate).</summary>
public sealed class VacationSettings
{
    public bool Enabled { get; set; }
    /// <summary>First day replies go out (inclusive), in the server's time zone; null for "from now".</summary>
    public DateOnly? Start { get; set; }
    /// <summary>Last day replies go out (inclusive); null for "until turned off".</summary>
    public DateOnly? End { get; set; }
    public string Subject { get; set; } = "";
    public string Message { get; set; } = "";
    /// <summary>Days between two replies to the same sender (vacation :days).</summary>
    public int Days { get; set; } = 7;

    public VacationSettings Clone() => (VacationSettings)MemberwiseClone();
}

/// <summary>Everything the rules editor writes into the one script: the rules in order and the vacation reply.</summary>
public sealed class FilterSet
{
    public List<FilterRule> Rules { get; set; } = [];
    public VacationSettings Vacation { get; set; } = new();

    public FilterSet Clone() => new() { Rules = Rules.Select(r => r.Clone()).ToList(), Vacation = Vacation.Clone() };
}
