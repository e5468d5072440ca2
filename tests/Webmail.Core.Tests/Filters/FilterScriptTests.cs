using System.Text;
using System.Text.Json;
using Webmail.Core.Filters;
using Webmail.Sieve;
using Webmail.Sieve.Actions;

namespace Webmail.Core.Tests.Filters;

/// <summary>The rules editor's model written as Sieve, parsed by the interpreter, run against messages, and read back.</summary>
public sealed class FilterScriptTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 24, 10, 0, 0, TimeSpan.Zero);

    private static FilterRule Rule(string name, RuleCondition[] conditions, params RuleAction[] actions) =>
        new() { Name = name, Conditions = [.. conditions], Actions = [.. actions] };

    private static RuleCondition When(RuleField field, string value, RuleOperator op = RuleOperator.Contains, string header = "") =>
        new() { Field = field, Value = value, Operator = op, Header = header };

    private static RuleAction Do(RuleActionKind kind, string argument = "", bool keepCopy = false) =>
        new() { Kind = kind, Argument = argument, KeepCopy = keepCopy };

    private static SieveScript Parse(string text)
    {
        var parsed = SieveScript.Parse(text);
        Assert.True(parsed.Succeeded, parsed.ErrorText + "\n" + text);
        return parsed.Script!;
    }

    private static byte[] Message(string from = "Alice <alice@lists.example>", string subject = "Weekly report", string body = "All is well.", string extraHeaders = "", string? raw = null) =>
        Encoding.UTF8.GetBytes((raw ?? $"From: {from}\nTo: bob@local.example\nCc: team@local.example\nSubject: {subject}\n{extraHeaders}Date: Thu, 24 Dec 2026 09:00:00 +0000\nMessage-ID: <1@x>\nContent-Type: text/plain\n\n{body}\n").ReplaceLineEndings("\r\n"));

    private static IReadOnlyList<SieveAction> Run(FilterSet set, byte[] message, DateTimeOffset? now = null)
    {
        var result = Parse(FilterScript.Write(set)).Run(SieveMessage.Parse(message), new SieveEnvelope("alice@lists.example", "bob@local.example", null), new SieveRunContext { Now = now ?? Now });
        Assert.Null(result.Error);
        return result.Actions;
    }

    private static string Json(FilterSet set) => JsonSerializer.Serialize(set);

    private static FilterSet Everything() => new()
    {
        Rules =
        [
            Rule("Lists", [When(RuleField.From, "lists.example"), When(RuleField.Header, "dev", header: "List-Id")], Do(RuleActionKind.MoveTo, "Lists/dev"), Do(RuleActionKind.MarkRead)),
            Rule("Boss", [When(RuleField.ToOrCc, "boss@local.example", RuleOperator.Is), When(RuleField.Subject, "urgent")], Do(RuleActionKind.Flag), Do(RuleActionKind.ForwardTo, "me@phone.example", keepCopy: true), Do(RuleActionKind.Stop)),
            Rule("Big", [When(RuleField.SizeOver, "2 MB"), When(RuleField.SizeUnder, "900"), When(RuleField.HasAttachment, "")], Do(RuleActionKind.MoveTo, "INBOX/Big")),
            Rule("Spam words", [When(RuleField.Body, "lottery"), When(RuleField.Body, "unsubscribe", RuleOperator.DoesNotContain), When(RuleField.Subject, "Win \"big\" \\ now", RuleOperator.Is)], Do(RuleActionKind.Delete)),
            Rule("Off", [When(RuleField.From, "x@y.example", RuleOperator.DoesNotContain)], Do(RuleActionKind.ForwardTo, "other@else.example")),
        ],
        Vacation = new VacationSettings { Enabled = true, Start = new DateOnly(2026, 12, 20), End = new DateOnly(2027, 1, 5), Subject = "Away", Message = "I am away.\nBack in January.", Days = 3 },
    };

    [Fact]
    public void EveryConditionAndActionMakesAValidScript()
    {
        var set = Everything();
        set.Rules[1].MatchAll = false;
        set.Rules[4].Enabled = false;

        var text = FilterScript.Write(set);

        Parse(text);
        Assert.Empty(FilterScript.Validate(set));
        Assert.Contains("redirect :copy \"me@phone.example\";", text);
        Assert.Contains("size :over 2M", text);
        Assert.Contains("size :under 900K", text);
        Assert.Contains("anyof (", text);
        Assert.Contains("allof (false, ", text);
    }

    [Fact]
    public void ReadsBackWhatItWrote()
    {
        var set = Everything();

        var reading = FilterScript.Read(FilterScript.Write(set));

        Assert.Equal(FilterScriptKind.Ours, reading.Kind);
        Assert.Equal(FilterScript.Write(set), FilterScript.Write(reading.Set!));
        Assert.Equal(5, reading.Set!.Rules.Count);
        Assert.Equal("Win \"big\" \\ now", reading.Set.Rules[3].Conditions[2].Value);
        Assert.Equal("I am away.\nBack in January.", reading.Set.Vacation.Message);
        Assert.Equal(new DateOnly(2027, 1, 5), reading.Set.Vacation.End);
    }

    [Fact]
    public void ReadsItsOwnScriptStoredWithCrLf()
    {
        var text = FilterScript.Write(Everything()).Replace("\n", "\r\n");

        Assert.Equal(FilterScriptKind.Ours, FilterScript.Read(text).Kind);
    }

    [Fact]
    public void ReadsItsOwnScriptWhateverTheModelLinesSpelling()
    {
        var set = Everything();
        set.Rules[0].Name = "Café \"news\"";
        var text = FilterScript.Write(set);
        var line = text.Split('\n').Single(l => l.StartsWith("# webmail-filters: ", StringComparison.Ordinal));
        var relaxed = "# webmail-filters: " + JsonSerializer.Serialize(JsonSerializer.Deserialize<FilterSet>(line["# webmail-filters: ".Length..]),
            new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false });
        Assert.NotEqual(line, relaxed);

        var reading = FilterScript.Read(text.Replace(line, relaxed).Replace("# Written by the Webmail rules editor", "# Written by an older Webmail rules editor"));

        Assert.Equal(FilterScriptKind.Ours, reading.Kind);
        Assert.Equal("Café \"news\"", reading.Set!.Rules[0].Name);
    }

    [Fact]
    public void AScriptChangedByHandIsNotTakenForItsOwn()
    {
        var text = FilterScript.Write(Everything()).Replace("fileinto \"Lists/dev\";", "fileinto \"Lists/other\";");

        var reading = FilterScript.Read(text);

        Assert.Equal(FilterScriptKind.EditedElsewhere, reading.Kind);
        Assert.Equal("Lists/dev", reading.Set!.Rules[0].Actions.Single(a => a.Kind == RuleActionKind.MoveTo).Argument);
        Assert.Equal(FilterScriptKind.EditedElsewhere, FilterScript.Read("discard;\n" + FilterScript.Write(Everything())).Kind);
    }

    [Fact]
    public void AScriptFromElsewhereIsForeign()
    {
        Assert.Equal(FilterScriptKind.Foreign, FilterScript.Read("require \"fileinto\";\nif header :contains \"subject\" \"x\" { fileinto \"X\"; }\n").Kind);
        Assert.Equal(FilterScriptKind.EditedElsewhere, FilterScript.Read("# webmail-filters: {not json\nkeep;\n").Kind);
        Assert.Equal(FilterScriptKind.None, FilterScript.Read(null).Kind);
    }

    [Fact]
    public void AMatchingRuleMovesAndMarksRead()
    {
        var set = new FilterSet { Rules = [Rule("Lists", [When(RuleField.From, "lists.example")], Do(RuleActionKind.MoveTo, "Lists/dev"), Do(RuleActionKind.MarkRead))] };

        var actions = Run(set, Message());

        var fileinto = Assert.IsType<FileIntoAction>(Assert.Single(actions));
        Assert.Equal("Lists/dev", fileinto.Mailbox);
        Assert.Equal(["\\Seen"], fileinto.Flags);
        Assert.IsType<KeepAction>(Assert.Single(Run(set, Message(from: "carol@other.example"))));
    }

    [Fact]
    public void AllOfNeedsEveryConditionAnyOfOne()
    {
        var rule = Rule("Both", [When(RuleField.From, "alice"), When(RuleField.Subject, "invoice")], Do(RuleActionKind.Flag));
        var set = new FilterSet { Rules = [rule] };

        Assert.Equal(["\\Flagged"], Assert.IsType<KeepAction>(Assert.Single(Run(set, Message(subject: "Invoice 7")))).Flags);
        Assert.Empty(Assert.IsType<KeepAction>(Assert.Single(Run(set, Message(subject: "Hello")))).Flags);

        rule.MatchAll = false;
        Assert.Equal(["\\Flagged"], Assert.IsType<KeepAction>(Assert.Single(Run(set, Message(subject: "Hello")))).Flags);
    }

    [Fact]
    public void ATurnedOffRuleNeverMatches()
    {
        var set = new FilterSet { Rules = [Rule("Off", [], Do(RuleActionKind.Delete))] };
        Assert.IsType<DiscardAction>(Assert.Single(Run(set, Message())));

        set.Rules[0].Enabled = false;

        Assert.True(Assert.IsType<KeepAction>(Assert.Single(Run(set, Message()))).Implicit);
    }

    [Fact]
    public void StopEndsTheRulesInOrder()
    {
        var set = new FilterSet
        {
            Rules =
            [
                Rule("First", [When(RuleField.Subject, "report")], Do(RuleActionKind.Stop), Do(RuleActionKind.MoveTo, "Reports")),
                Rule("Second", [When(RuleField.Subject, "weekly")], Do(RuleActionKind.MoveTo, "Weekly")),
            ],
        };

        Assert.Equal("Reports", Assert.IsType<FileIntoAction>(Assert.Single(Run(set, Message()))).Mailbox);

        set.Rules.Reverse();
        Assert.Equal(["Weekly", "Reports"], Run(set, Message()).Cast<FileIntoAction>().Select(a => a.Mailbox));
    }

    [Fact]
    public void ForwardKeepsACopyOnlyWhenAsked()
    {
        var set = new FilterSet { Rules = [Rule("Fwd", [], Do(RuleActionKind.ForwardTo, "me@phone.example", keepCopy: true))] };
        var actions = Run(set, Message());
        Assert.Equal(new RedirectAction("me@phone.example", true), actions[0]);
        Assert.IsType<KeepAction>(actions[1]);

        set.Rules[0].Actions[0].KeepCopy = false;
        Assert.Equal(new RedirectAction("me@phone.example", false), Assert.Single(Run(set, Message())));
    }

    [Fact]
    public void BodySizeHeaderAndAttachmentConditions()
    {
        var withAttachment = Message(raw: "From: a@b.example\nTo: bob@local.example\nSubject: Files\nList-Id: Dev <dev.lists.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nSee the lottery file.\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\n\nJVBERi0=\n--b--\n");
        FilterSet Only(RuleCondition condition) => new() { Rules = [Rule("R", [condition], Do(RuleActionKind.Delete))] };
        bool Matches(RuleCondition condition, byte[] message) => Run(Only(condition), message).Any(a => a is DiscardAction);

        Assert.True(Matches(When(RuleField.HasAttachment, ""), withAttachment));
        Assert.False(Matches(When(RuleField.HasAttachment, ""), Message()));
        Assert.True(Matches(When(RuleField.HasAttachment, "", RuleOperator.DoesNotContain), Message()));
        Assert.True(Matches(When(RuleField.Body, "LOTTERY"), withAttachment));
        Assert.False(Matches(When(RuleField.Body, "lottery"), Message()));
        Assert.True(Matches(When(RuleField.Header, "dev.lists", header: "List-Id"), withAttachment));
        Assert.True(Matches(When(RuleField.SizeUnder, "1"), Message()));
        Assert.False(Matches(When(RuleField.SizeOver, "1"), Message()));
        Assert.True(Matches(When(RuleField.ToOrCc, "team@local.example", RuleOperator.Is), Message()));
        Assert.False(Matches(When(RuleField.ToOrCc, "team@local", RuleOperator.Is), Message()));
        Assert.True(Matches(When(RuleField.Subject, "Win \"big\" \\ now", RuleOperator.Is), Message(subject: "Win \"big\" \\ now")));
    }

    [Fact]
    public void VacationRepliesOnlyBetweenItsDates()
    {
        var set = new FilterSet { Vacation = new VacationSettings { Enabled = true, Start = new DateOnly(2026, 12, 20), End = new DateOnly(2027, 1, 5), Subject = "Away", Message = "Back soon.", Days = 3 } };

        var vacation = Assert.IsType<VacationAction>(Run(set, Message(), Now)[0]);
        Assert.Equal("Away", vacation.Subject);
        Assert.Equal("Back soon.", vacation.Reason);
        Assert.Equal(TimeSpan.FromDays(3), vacation.Period);
        Assert.Contains(Run(set, Message(), new DateTimeOffset(2027, 1, 5, 23, 0, 0, TimeSpan.Zero)), a => a is VacationAction);
        Assert.DoesNotContain(Run(set, Message(), new DateTimeOffset(2027, 1, 6, 0, 30, 0, TimeSpan.Zero)), a => a is VacationAction);
        Assert.DoesNotContain(Run(set, Message(), new DateTimeOffset(2026, 12, 19, 12, 0, 0, TimeSpan.Zero)), a => a is VacationAction);

        set.Vacation.Start = set.Vacation.End = null;
        Assert.Contains(Run(set, Message(), new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)), a => a is VacationAction);
        set.Vacation.Enabled = false;
        Assert.DoesNotContain(Run(set, Message()), a => a is VacationAction);
    }

    [Fact]
    public void VacationRepliesEvenWhenARuleStops()
    {
        var set = new FilterSet { Rules = [Rule("All", [], Do(RuleActionKind.MoveTo, "Elsewhere"), Do(RuleActionKind.Stop))], Vacation = new VacationSettings { Enabled = true, Message = "Away." } };

        var actions = Run(set, Message());

        Assert.IsType<VacationAction>(actions[0]);
        Assert.IsType<FileIntoAction>(actions[1]);
    }

    [Fact]
    public void ValidationNamesTheRuleAndTheProblem()
    {
        var set = new FilterSet
        {
            Rules =
            [
                Rule("", [When(RuleField.From, "")], Do(RuleActionKind.MoveTo, "")),
                Rule("Sizes", [When(RuleField.SizeOver, "big"), When(RuleField.Header, "x", header: "Bad:Name")], Do(RuleActionKind.ForwardTo, "not an address")),
                Rule("Nothing", []),
                Rule("Both", [], Do(RuleActionKind.Delete), Do(RuleActionKind.MoveTo, "X")),
            ],
            Vacation = new VacationSettings { Enabled = true, Message = " ", Days = 0, Start = new DateOnly(2027, 1, 2), End = new DateOnly(2027, 1, 1) },
        };

        var problems = FilterScript.Validate(set);

        Assert.Contains("Rule 1: give the rule a name.", problems);
        Assert.Contains("Rule 1: a condition has no text to look for.", problems);
        Assert.Contains("Rule 1: choose the folder to move to.", problems);
        Assert.Contains("\"Sizes\": \"big\" is not a size (such as 500 KB or 2 MB).", problems);
        Assert.Contains("\"Sizes\": \"Bad:Name\" is not a header name.", problems);
        Assert.Contains("\"Sizes\": \"not an address\" is not an email address to forward to.", problems);
        Assert.Contains("\"Nothing\": add an action.", problems);
        Assert.Contains("\"Both\": a rule cannot both delete and move a message.", problems);
        Assert.Contains("Vacation reply: write the message.", problems);
        Assert.Contains("Vacation reply: days between replies must be 1 to 365.", problems);
        Assert.Contains("Vacation reply: the last day is before the first.", problems);
    }

    [Fact]
    public void NoMoreForwardAddressesThanOneRunMayRedirectTo()
    {
        var set = new FilterSet { Rules = [.. Enumerable.Range(1, 5).Select(i => Rule($"F{i}", [], Do(RuleActionKind.ForwardTo, $"a{i}@x.example")))] };
        Assert.Contains("At most 4 different addresses to forward to across the rules that are on.", FilterScript.Validate(set));

        set.Rules[4].Enabled = false;
        Assert.Empty(FilterScript.Validate(set));
        Assert.Equal(4, Run(set, Message()).OfType<RedirectAction>().Count());
    }

    [Fact]
    public void AnEmptySetWritesAScriptThatKeeps()
    {
        var text = FilterScript.Write(new FilterSet());

        Assert.IsType<KeepAction>(Assert.Single(Parse(text).Run(SieveMessage.Parse(Message()), new SieveEnvelope("a@b.example", "bob@local.example", null), new SieveRunContext { Now = Now }).Actions));
        Assert.Equal(FilterScriptKind.Ours, FilterScript.Read(text).Kind);
    }

    [Fact]
    public void ASingleRuleScriptRunsTheRuleEvenWhenTurnedOff()
    {
        var rule = Rule("Off", [When(RuleField.From, "alice")], Do(RuleActionKind.MoveTo, "A"));
        rule.Enabled = false;

        var result = Parse(FilterScript.WriteSingle(rule)).Run(SieveMessage.Parse(Message()), new SieveEnvelope("a@b.example", "bob@local.example", null), new SieveRunContext { Now = Now });

        Assert.Equal("A", Assert.IsType<FileIntoAction>(Assert.Single(result.Actions)).Mailbox);
        Assert.False(rule.Enabled);
    }
}
