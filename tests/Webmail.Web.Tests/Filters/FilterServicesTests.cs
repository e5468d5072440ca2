using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Filters;

/// <summary>The rules editor's save and load through SieveScriptService, and "run on existing mail", over a real store.</summary>
public sealed class FilterServicesTests : IAsyncLifetime
{
    private readonly TestStore _store = new();
    private Account _account = default!;
    private FilterRulesService _rules = default!;
    private SieveScriptService _scripts = default!;
    private ExistingMailFilter _existing = default!;

    public async Task InitializeAsync()
    {
        _account = await _store.CreateAccountAsync("filters@local.example");
        _scripts = _store.Services.GetRequiredService<SieveScriptService>();
        _rules = _store.Services.GetRequiredService<FilterRulesService>();
        _existing = _store.Services.GetRequiredService<ExistingMailFilter>();
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private async Task<long> DeliverAsync(string subject, string from = "sender@remote.example", MessageFlags flags = MessageFlags.None) =>
        (await _store.Messages.DeliverAsync(new DeliveryRequest(TestMessages.Simple(from: from, to: _account.Address, subject: subject), [new MailboxDelivery(_account.Id, SpecialFolder.Inbox, flags)]), default))
        .Mailboxes[0].Message!.Id;

    private static FilterRule MoveRule(string from, string folder, params RuleActionKind[] more) => new()
    {
        Name = "From " + from,
        Conditions = [new RuleCondition { Field = RuleField.From, Value = from }],
        Actions = [new RuleAction { Kind = RuleActionKind.MoveTo, Argument = folder }, .. more.Select(k => new RuleAction { Kind = k })],
    };

    [Fact]
    public async Task SavedRulesAreTheActiveScriptAndLoadBack()
    {
        var set = new FilterSet { Rules = [MoveRule("news.example", "News")] };

        var saved = await _rules.SaveAsync(_account.Id, _account.Address, set, replace: false, default);

        Assert.True(saved.Saved, string.Join("; ", saved.Problems));
        var state = await _rules.LoadAsync(_account.Id, default);
        Assert.Equal(FilterScriptKind.Ours, state.Kind);
        Assert.Equal(FilterScript.ScriptName, state.ActiveName);
        Assert.Equal("News", state.Set.Rules.Single().Actions.Single().Argument);
        Assert.NotNull((await _scripts.GetActiveAsync(_account.Id, default))?.Script);
    }

    [Fact]
    public async Task AnotherActiveScriptIsReplacedOnlyWhenAsked()
    {
        await _scripts.PutAsync(_account.Id, _account.Address, "mine", "require \"fileinto\";\nfileinto \"Hand\";\n", default);
        await _scripts.ActivateAsync(_account.Id, _account.Address, "mine", default);
        var set = new FilterSet { Rules = [MoveRule("news.example", "News")] };

        var refused = await _rules.SaveAsync(_account.Id, _account.Address, set, replace: false, default);
        var state = await _rules.LoadAsync(_account.Id, default);

        Assert.Equal(FilterSaveStatus.WouldReplace, refused.Status);
        Assert.Equal(FilterScriptKind.Foreign, state.Kind);
        Assert.Equal("mine", state.ActiveName);

        Assert.True((await _rules.SaveAsync(_account.Id, _account.Address, set, replace: true, default)).Saved);
        var after = await _rules.LoadAsync(_account.Id, default);
        Assert.Equal(FilterScriptKind.Ours, after.Kind);
        Assert.Contains(after.Scripts, s => s.Name == "mine" && !s.IsActive);
    }

    [Fact]
    public async Task ItsOwnScriptChangedElsewhereIsNotOverwrittenUnasked()
    {
        var set = new FilterSet { Rules = [MoveRule("news.example", "News")] };
        Assert.True((await _rules.SaveAsync(_account.Id, _account.Address, set, replace: false, default)).Saved);
        var text = await _scripts.GetAsync(_account.Id, FilterScript.ScriptName, default);
        // As a ManageSieve client would: the same script, one line changed.
        Assert.True((await _scripts.PutAsync(_account.Id, _account.Address, FilterScript.ScriptName, text!.Replace("fileinto \"News\";", "fileinto \"INBOX\";"), default)).Succeeded);

        var outcome = await _rules.SaveAsync(_account.Id, _account.Address, set, replace: false, default);

        Assert.Equal(FilterSaveStatus.WouldReplace, outcome.Status);
        Assert.Equal(FilterScriptKind.EditedElsewhere, (await _rules.LoadAsync(_account.Id, default)).Kind);
        Assert.Contains("fileinto \"INBOX\";", await _scripts.GetAsync(_account.Id, FilterScript.ScriptName, default));
    }

    [Fact]
    public async Task InvalidRulesAreNotStored()
    {
        var outcome = await _rules.SaveAsync(_account.Id, _account.Address, new FilterSet { Rules = [new FilterRule { Name = "Empty" }] }, replace: false, default);

        Assert.Equal(FilterSaveStatus.Invalid, outcome.Status);
        Assert.Empty(await _scripts.ListAsync(_account.Id, default));
    }

    [Fact]
    public async Task RunOnExistingMailMovesAndFlagsOnlyTheMatches()
    {
        var news = await _store.Messages.CreateFolderAsync(_account.Id, "News", null, default);
        var inbox = await _store.Messages.GetSpecialFolderAsync(_account.Id, SpecialFolder.Inbox, default);
        var first = await DeliverAsync("Issue 1", from: "letters@news.example");
        var second = await DeliverAsync("Issue 2", from: "letters@news.example", flags: MessageFlags.Seen);
        var other = await DeliverAsync("Lunch?", from: "friend@remote.example");
        var reports = new List<ExistingMailProgress>();

        var result = await _existing.RunAsync(_account, MoveRule("news.example", "News", RuleActionKind.MarkRead), inbox.Id, new SynchronousProgress(reports.Add), default);

        Assert.Equal(new ExistingMailResult(3, 2, 2, 1, 0, false, false, null), result);
        Assert.Equal(news.Id, (await _store.Messages.GetSummaryAsync(_account.Id, first, default))!.FolderId);
        Assert.True((await _store.Messages.GetSummaryAsync(_account.Id, first, default))!.IsSeen);
        Assert.Equal(news.Id, (await _store.Messages.GetSummaryAsync(_account.Id, second, default))!.FolderId);
        var untouched = (await _store.Messages.GetSummaryAsync(_account.Id, other, default))!;
        Assert.Equal(inbox.Id, untouched.FolderId);
        Assert.False(untouched.IsSeen);
        Assert.Equal(new ExistingMailProgress(3, 3, 2, 1), reports[^1]);
    }

    [Fact]
    public async Task RunOnExistingMailLeavesForwardAndDeleteToDelivery()
    {
        var inbox = await _store.Messages.GetSpecialFolderAsync(_account.Id, SpecialFolder.Inbox, default);
        var id = await DeliverAsync("Spam", from: "spam@junk.example");
        var rule = new FilterRule
        {
            Name = "Junk",
            Conditions = [new RuleCondition { Field = RuleField.From, Value = "junk.example" }],
            Actions = [new RuleAction { Kind = RuleActionKind.Delete }],
        };

        var result = await _existing.RunAsync(_account, rule, inbox.Id, null, default);

        Assert.Equal(1, result.NotApplied);
        Assert.NotNull(await _store.Messages.GetSummaryAsync(_account.Id, id, default));
    }

    [Fact]
    public async Task RunOnExistingMailStopsWhenCancelled()
    {
        var inbox = await _store.Messages.GetSpecialFolderAsync(_account.Id, SpecialFolder.Inbox, default);
        await _store.Messages.CreateFolderAsync(_account.Id, "News", null, default);
        for (var i = 0; i < 45; i++)
            await DeliverAsync($"Issue {i}", from: "letters@news.example");
        using var cancel = new CancellationTokenSource();

        // Cancelled at the first progress report (after 20 messages).
        var result = await _existing.RunAsync(_account, MoveRule("news.example", "News"), inbox.Id, new SynchronousProgress(_ => cancel.Cancel()), cancel.Token);

        Assert.True(result.Cancelled);
        Assert.Equal(20, result.Moved);
        Assert.Equal(25, (await _store.Messages.GetFolderAsync(_account.Id, inbox.Id, default))!.MessageCount);
    }

    [Fact]
    public async Task RunOnExistingMailSaysWhenTheFolderIsGone()
    {
        var inbox = await _store.Messages.GetSpecialFolderAsync(_account.Id, SpecialFolder.Inbox, default);
        await DeliverAsync("Issue", from: "letters@news.example");

        var result = await _existing.RunAsync(_account, MoveRule("news.example", "Gone"), inbox.Id, null, default);

        Assert.Equal(0, result.Moved);
        Assert.Equal("There is no folder \"Gone\".", result.Problem);
    }

    // Progress<T> posts to the thread pool; the test wants each report before the next message.
    private sealed class SynchronousProgress(Action<ExistingMailProgress> report) : IProgress<ExistingMailProgress>
    {
        public void Report(ExistingMailProgress value) => report(value);
    }
}
