using Webmail.Core.Accounts;
using Webmail.Core.Model;

namespace Webmail.Settings;

/// <summary>
/// The signed-in user's preferences for one circuit: loaded once, saved through
/// <see cref="DirectoryService"/> (which validates them), and announced to whoever shows them —
/// the layout (theme) and the mailbox (density, conversations, remote content).
/// </summary>
public sealed class UserPreferences(DirectoryService directory)
{
    private long _accountId;

    /// <summary>The preferences as last loaded or saved; defaults until <see cref="LoadAsync"/>.</summary>
    public AccountSettings Current { get; private set; } = new();

    /// <summary>The user's time zone (<see cref="UserTimeZone"/>): every time the web UI shows is in it.</summary>
    public TimeZoneInfo Zone => UserTimeZone.Of(Current);

    /// <summary>
    /// The zone the browser reports (at sign-in: the first page of a connection), kept in the settings so
    /// every page and the reply builder use it; an unknown or overlong id is ignored.
    /// </summary>
    public async Task NoteBrowserTimeZoneAsync(long accountId, string? zoneId, CancellationToken cancellationToken)
    {
        if (!UserTimeZone.IsKnown(zoneId))
            return;
        var settings = await LoadAsync(accountId, cancellationToken);
        if (settings.BrowserTimeZone == zoneId)
            return;
        var stored = await directory.GetSettingsAsync(accountId, cancellationToken);
        await SaveAsync(accountId, stored with { BrowserTimeZone = zoneId! }, cancellationToken);
    }

    /// <summary>Raised after a save, on the caller's (circuit's) context.</summary>
    public event Action? Changed;

    public async Task<AccountSettings> LoadAsync(long accountId, CancellationToken cancellationToken)
    {
        if (_accountId != accountId)
        {
            var loaded = await directory.GetSettingsAsync(accountId, cancellationToken);
            // The layout and the mailbox both load at circuit start: what another load or a save
            // put here while this one was reading is as new or newer, so it stays.
            if (_accountId != accountId)
            {
                Current = loaded;
                _accountId = accountId;
            }
        }
        return Current;
    }

    /// <exception cref="DirectoryException">A value the settings page does not offer.</exception>
    public async Task SaveAsync(long accountId, AccountSettings settings, CancellationToken cancellationToken)
    {
        await directory.SaveSettingsAsync(accountId, settings, cancellationToken);
        _accountId = accountId;
        Current = settings;
        Changed?.Invoke();
    }
}
