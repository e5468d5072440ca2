using Webmail.Core.Filters;

namespace Webmail.Core.Storage;

/// <summary>The accounts' Sieve scripts (<see cref="SieveScriptService"/> decides; the store keeps them). Names compare ordinally.</summary>
public interface ISieveScriptStore
{
    /// <summary>The account's scripts by name, without their text.</summary>
    Task<IReadOnlyList<SieveScriptInfo>> ListSieveScriptsAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>The script's text, or null when the account has none by that name.</summary>
    Task<string?> GetSieveScriptAsync(long accountId, string name, CancellationToken cancellationToken);

    /// <summary>The active script's name and text, or null when none is active.</summary>
    Task<(string Name, string Text)?> GetActiveSieveScriptAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the script (replacing one of the same name, which keeps its active mark and loses its
    /// recorded error) unless that would give the account more than <paramref name="maxScripts"/>; false then.
    /// </summary>
    Task<bool> PutSieveScriptAsync(long accountId, string name, string text, int maxScripts, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="name"/> the active script (null: none); false when the account has no script by that name.</summary>
    Task<bool> SetActiveSieveScriptAsync(long accountId, string? name, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>Deletes an inactive script; <see cref="SieveScriptStatus.NotFound"/> or <see cref="SieveScriptStatus.Active"/> when it cannot.</summary>
    Task<SieveScriptStatus> DeleteSieveScriptAsync(long accountId, string name, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>Renames a script, keeping its active mark; <see cref="SieveScriptStatus.NotFound"/> or <see cref="SieveScriptStatus.AlreadyExists"/> when it cannot.</summary>
    Task<SieveScriptStatus> RenameSieveScriptAsync(long accountId, string oldName, string newName, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>Records what a delivery run of the script failed with (shown to the user until the script is saved again).</summary>
    Task RecordSieveErrorAsync(long accountId, string name, string error, DateTimeOffset at, CancellationToken cancellationToken);
}
