namespace Webmail.Core.Filters;

/// <summary>What the rules editor opens with: how the active script relates to it, the rules to show, and the account's scripts.</summary>
/// <param name="Set">The editor's rules: from its own script (active or not), else empty.</param>
public sealed record FilterState(FilterScriptKind Kind, string? ActiveName, FilterSet Set, IReadOnlyList<SieveScriptInfo> Scripts);

public enum FilterSaveStatus
{
    Saved,
    /// <summary>The rules have problems (<see cref="FilterSaveOutcome.Problems"/>); nothing was stored.</summary>
    Invalid,
    /// <summary>Another script is active, or the editor's own was changed elsewhere, and replacing it was not asked for.</summary>
    WouldReplace,
    /// <summary>The script service refused the script (too many scripts, too large).</summary>
    Refused,
}

public sealed record FilterSaveOutcome(FilterSaveStatus Status, IReadOnlyList<string> Problems)
{
    public bool Saved => Status == FilterSaveStatus.Saved;
}

/// <summary>
/// The rules editor's load and save: reads the active script through <see cref="SieveScriptService"/>
/// and writes the editor's one script (<see cref="FilterScript.ScriptName"/>) through it, then makes
/// it active. A script someone else wrote is never replaced unless the user said so.
/// </summary>
public sealed class FilterRulesService(SieveScriptService scripts)
{
    public async Task<FilterState> LoadAsync(long accountId, CancellationToken cancellationToken)
    {
        var list = await scripts.ListAsync(accountId, cancellationToken).ConfigureAwait(false);
        var active = list.FirstOrDefault(s => s.IsActive);
        var reading = active is null
            ? new FilterScriptReading(FilterScriptKind.None, null)
            : FilterScript.Read(await scripts.GetAsync(accountId, active.Name, cancellationToken).ConfigureAwait(false));
        var set = reading.Kind == FilterScriptKind.Ours ? reading.Set : null;
        // Filtering turned off, or another script made active: the editor still shows its own rules.
        if (set is null && list.Any(s => s.Name == FilterScript.ScriptName) && active?.Name != FilterScript.ScriptName)
        {
            var own = FilterScript.Read(await scripts.GetAsync(accountId, FilterScript.ScriptName, cancellationToken).ConfigureAwait(false));
            if (own.Kind == FilterScriptKind.Ours)
                set = own.Set;
        }
        return new FilterState(reading.Kind, active?.Name, set ?? new FilterSet(), list);
    }

    /// <summary>
    /// Validates the rules, writes them as the editor's script and makes it active.
    /// <paramref name="replace"/>: the user agreed to set aside an active script the editor did not write
    /// (it stays stored, inactive) or to overwrite its own script that was changed elsewhere.
    /// </summary>
    public async Task<FilterSaveOutcome> SaveAsync(long accountId, string actor, FilterSet set, bool replace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        var problems = FilterScript.Validate(set);
        if (problems.Count > 0)
            return new(FilterSaveStatus.Invalid, problems);
        if (!replace)
        {
            // Checked again here, not only when the page opened: ManageSieve or another tab may have changed it since.
            var current = await LoadAsync(accountId, cancellationToken).ConfigureAwait(false);
            if (current.Kind is FilterScriptKind.Foreign or FilterScriptKind.EditedElsewhere)
                return new(FilterSaveStatus.WouldReplace, [$"The active script \"{current.ActiveName}\" was not written by this editor."]);
        }
        var text = FilterScript.Write(set);
        var put = await scripts.PutAsync(accountId, actor, FilterScript.ScriptName, text, cancellationToken).ConfigureAwait(false);
        if (!put.Succeeded)
            return new(put.Status == SieveScriptStatus.Invalid ? FilterSaveStatus.Invalid : FilterSaveStatus.Refused, [put.Message]);
        var activate = await scripts.ActivateAsync(accountId, actor, FilterScript.ScriptName, cancellationToken).ConfigureAwait(false);
        return activate.Succeeded ? new(FilterSaveStatus.Saved, []) : new(FilterSaveStatus.Refused, [activate.Message]);
    }
}
