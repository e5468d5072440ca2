using System.Collections.Concurrent;
using System.Text;
using Webmail.Core.Accounts;
using Webmail.Core.Nodes;
using Webmail.Core.Storage;
using Webmail.Sieve;

namespace Webmail.Core.Filters;

/// <summary>
/// An account's Sieve scripts: the one place that validates, bounds and stores them, for the web
/// editor, ManageSieve (RFC 5804) and the CLI alike; and the active script, parsed once, for delivery.
/// A script is stored only when it parses and validates with <see cref="Options"/>. A change made through this service
/// applies to the next delivery on every node (<see cref="AccountCache{T}"/>).
/// </summary>
public sealed class SieveScriptService(ISieveScriptStore store, INodeSignals nodes, TimeProvider time) : IDisposable
{
    /// <summary>Largest script, in UTF-8 octets (the interpreter's own bound, counted as ManageSieve counts).</summary>
    public const int MaxScriptBytes = 64 * 1024;

    public const int MaxScriptsPerAccount = 20;

    /// <summary>Longest script name, in characters.</summary>
    public const int MaxNameLength = 128;

    // The active script of each account, parsed, by its text: a delivery parses only after a change.
    private readonly ConcurrentDictionary<long, (string Name, string Text, SieveScript Script)> _parsed = new();

    // Every delivery to the account asks for its active script; it changes when the person edits or activates one here.
    private readonly AccountCache<(string Name, SieveScript Script)?> _active = new("sieve", nodes, time);

    /// <summary>What scripts are parsed and run with: every extension the interpreter has, its default limits.</summary>
    public SieveOptions Options { get; } = SieveOptions.Default;

    public Task<IReadOnlyList<SieveScriptInfo>> ListAsync(long accountId, CancellationToken cancellationToken) =>
        store.ListSieveScriptsAsync(accountId, cancellationToken);

    /// <summary>The script's text, or null when the account has none by that name.</summary>
    public Task<string?> GetAsync(long accountId, string name, CancellationToken cancellationToken) =>
        store.GetSieveScriptAsync(accountId, name, cancellationToken);

    /// <summary>Checks a script without storing it (ManageSieve CHECKSCRIPT, the editor's validation).</summary>
    public SieveScriptOutcome Check(string text)
    {
        if (Encoding.UTF8.GetByteCount(text) > MaxScriptBytes)
            return new(SieveScriptStatus.TooLarge, $"The script is larger than {MaxScriptBytes / 1024} KB.", []);
        var parsed = SieveScript.Parse(text, Options);
        return parsed.Succeeded ? SieveScriptOutcome.Ok : new(SieveScriptStatus.Invalid, parsed.ErrorText, parsed.Errors);
    }

    /// <summary>Whether a script of <paramref name="size"/> octets named <paramref name="name"/> would fit (ManageSieve HAVESPACE).</summary>
    public async Task<SieveScriptOutcome> HaveSpaceAsync(long accountId, string name, long size, CancellationToken cancellationToken)
    {
        if (NameProblem(name) is { } bad)
            return bad;
        if (size > MaxScriptBytes)
            return new(SieveScriptStatus.TooLarge, $"A script may be at most {MaxScriptBytes / 1024} KB.", []);
        var scripts = await store.ListSieveScriptsAsync(accountId, cancellationToken).ConfigureAwait(false);
        return scripts.Count >= MaxScriptsPerAccount && !scripts.Any(s => s.Name == name) ? TooMany : SieveScriptOutcome.Ok;
    }

    /// <summary>Stores a valid script under <paramref name="name"/>, replacing one of that name (which stays active if it was).</summary>
    public async Task<SieveScriptOutcome> PutAsync(long accountId, string actor, string name, string text, CancellationToken cancellationToken)
    {
        if (NameProblem(name) is { } bad)
            return bad;
        var check = Check(text);
        if (!check.Succeeded)
            return check;
        if (!await store.PutSieveScriptAsync(accountId, name, text, MaxScriptsPerAccount, Audit(actor, "sieve.put", name), cancellationToken).ConfigureAwait(false))
            return TooMany;
        _active.Changed(accountId); // it may be the active one
        return SieveScriptOutcome.Ok;
    }

    /// <summary>Makes <paramref name="name"/> the active script; null or "" turns filtering off.</summary>
    public async Task<SieveScriptOutcome> ActivateAsync(long accountId, string actor, string? name, CancellationToken cancellationToken)
    {
        name = string.IsNullOrEmpty(name) ? null : name;
        if (!await store.SetActiveSieveScriptAsync(accountId, name, Audit(actor, "sieve.activate", name ?? "(none)"), cancellationToken).ConfigureAwait(false))
            return NotFound(name!);
        _active.Changed(accountId);
        return SieveScriptOutcome.Ok;
    }

    /// <summary>Deletes an inactive script.</summary>
    public async Task<SieveScriptOutcome> DeleteAsync(long accountId, string actor, string name, CancellationToken cancellationToken) =>
        await store.DeleteSieveScriptAsync(accountId, name, Audit(actor, "sieve.delete", name), cancellationToken).ConfigureAwait(false) switch
        {
            SieveScriptStatus.Ok => SieveScriptOutcome.Ok,
            SieveScriptStatus.Active => new(SieveScriptStatus.Active, $"\"{name}\" is the active script; make another active or turn filtering off first.", []),
            _ => NotFound(name),
        };

    public async Task<SieveScriptOutcome> RenameAsync(long accountId, string actor, string oldName, string newName, CancellationToken cancellationToken)
    {
        if (NameProblem(newName) is { } bad)
            return bad;
        return await store.RenameSieveScriptAsync(accountId, oldName, newName, Audit(actor, "sieve.rename", $"{oldName} -> {newName}"), cancellationToken).ConfigureAwait(false) switch
        {
            SieveScriptStatus.Ok => Renamed(accountId),
            SieveScriptStatus.AlreadyExists => new(SieveScriptStatus.AlreadyExists, $"There is already a script named \"{newName}\".", []),
            _ => NotFound(oldName),
        };
    }

    private SieveScriptOutcome Renamed(long accountId)
    {
        _active.Changed(accountId); // the active script's name is recorded with its errors
        return SieveScriptOutcome.Ok;
    }

    /// <summary>The account's active script, parsed (once per change), or null when none is active.</summary>
    public Task<(string Name, SieveScript Script)?> GetActiveAsync(long accountId, CancellationToken cancellationToken) =>
        _active.GetAsync(accountId, ct => ReadActiveAsync(accountId, ct), cancellationToken);

    private async Task<(string Name, SieveScript Script)?> ReadActiveAsync(long accountId, CancellationToken cancellationToken)
    {
        if (await store.GetActiveSieveScriptAsync(accountId, cancellationToken).ConfigureAwait(false) is not { } active)
        {
            _parsed.TryRemove(accountId, out _);
            return null;
        }
        if (_parsed.TryGetValue(accountId, out var cached) && cached.Name == active.Name && cached.Text == active.Text)
            return (cached.Name, cached.Script);
        // Stored scripts were valid when saved; one that no longer parses (a limit lowered since) runs as no script.
        var parsed = SieveScript.Parse(active.Text, Options);
        if (!parsed.Succeeded)
            return null;
        _parsed[accountId] = (active.Name, active.Text, parsed.Script!);
        return (active.Name, parsed.Script!);
    }

    /// <summary>Records what a delivery run of the script failed with; the user sees it beside the script.</summary>
    public Task RecordErrorAsync(long accountId, string name, string error, DateTimeOffset at, CancellationToken cancellationToken) =>
        store.RecordSieveErrorAsync(accountId, name, error.Length > 500 ? error[..500] : error, at, cancellationToken);

    /// <summary>RFC 5804 §1.6: a name is non-empty UTF-8 without control characters (nor U+2028/2029); we also bound its length.</summary>
    private static SieveScriptOutcome? NameProblem(string name)
    {
        if (string.IsNullOrEmpty(name))
            return new(SieveScriptStatus.BadName, "Give the script a name.", []);
        if (name.Length > MaxNameLength)
            return new(SieveScriptStatus.BadName, $"A script name may be at most {MaxNameLength} characters long.", []);
        if (name.EnumerateRunes().Any(r => Rune.IsControl(r) || r.Value is 0x2028 or 0x2029 || r == Rune.ReplacementChar))
            return new(SieveScriptStatus.BadName, "A script name must not contain control characters.", []);
        return null;
    }

    private static SieveScriptOutcome TooMany { get; } =
        new(SieveScriptStatus.TooMany, $"An account can have at most {MaxScriptsPerAccount} scripts; delete one you no longer use.", []);

    private static SieveScriptOutcome NotFound(string name) => new(SieveScriptStatus.NotFound, $"There is no script named \"{name}\".", []);

    private static AuditRecord Audit(string actor, string action, string detail) => new(actor, action, actor, detail);

    public void Dispose() => _active.Dispose();
}
