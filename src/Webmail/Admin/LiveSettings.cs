using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Webmail.Core.Configuration;
using Webmail.Core.Nodes;
using Webmail.Core.Storage;

namespace Webmail.Admin;

/// <summary>
/// Server settings changed live from the admin UI. The values are kept in
/// <see cref="IServerStateStore"/> (so they survive a restart) and laid over the configuration as
/// a post-configure step of <see cref="WebmailOptions"/>; a change fires the options change token,
/// so every reader of <see cref="IOptionsMonitor{TOptions}.CurrentValue"/> (the login limiter,
/// SMTP, POP3, the directory service) sees the new value on its next read. A change is signalled to the other
/// nodes on the same store (<see cref="NodeTopics.Settings"/>), which read the stored values again
/// (<see cref="LiveSettingsLoader"/>).
/// </summary>
public sealed class LiveSettings(IServerStateStore state, IAuditLog audit, INodeSignals nodes, ILogger<LiveSettings> logger)
    : IPostConfigureOptions<WebmailOptions>, IOptionsChangeTokenSource<WebmailOptions>
{
    private readonly ConcurrentDictionary<string, long> _overrides = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _configured = new(StringComparer.Ordinal);
    private ConfigurationReloadToken _changeToken = new();

    public string? Name => Options.DefaultName;

    /// <summary>The stored value of <paramref name="setting"/>, or <c>null</c> when the configured value applies.</summary>
    public long? GetOverride(LiveSetting setting) => _overrides.TryGetValue(setting.Key, out var v) ? v : null;

    /// <summary>The value from configuration, before any override (known once the options have been built).</summary>
    public long? ConfiguredValue(LiveSetting setting) => _configured.TryGetValue(setting.Key, out var v) ? v : null;

    /// <summary>Reads the stored values: at start-up, and when another node changed one.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var stored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var setting in LiveSetting.All)
        {
            var text = await state.GetSettingAsync(setting.Key, cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(text))
                continue;
            if (LiveSetting.TryParse(text, out var value) && value >= setting.Min && value <= setting.Max)
            {
                _overrides[setting.Key] = value;
                stored.Add(setting.Key);
            }
            else
            {
                logger.LogWarning("Ignoring stored setting {Key}: {Value} is out of range", setting.Key, text);
            }
        }
        // A setting another node returned to its configured value.
        foreach (var key in _overrides.Keys.Where(k => !stored.Contains(k)))
            _overrides.TryRemove(key, out _);
        FireChange();
    }

    /// <summary>Stores and applies a value; <c>null</c> returns the setting to its configured value.</summary>
    /// <param name="actor">Who changed it, for the audit log.</param>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside the setting's range.</exception>
    public async Task SetAsync(LiveSetting setting, long? value, string actor, CancellationToken cancellationToken)
    {
        if (value is { } v && (v < setting.Min || v > setting.Max))
            throw new ArgumentOutOfRangeException(nameof(value), $"{setting.Label} must be between {setting.Min} and {setting.Max} {setting.Unit}.");
        await state.SetSettingAsync(setting.Key, value is { } s ? LiveSetting.Format(s) : "", cancellationToken).ConfigureAwait(false);
        if (value is { } applied)
            _overrides[setting.Key] = applied;
        else
            _overrides.TryRemove(setting.Key, out _);
        FireChange();
        nodes.Send(NodeTopics.Settings, setting.Key);
        await audit.WriteAsync(actor, "settings.set", setting.Key, value is { } v2 ? LiveSetting.Format(v2) : "(configured)", null, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Live setting {Key} set to {Value} by {Actor}", setting.Key, value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(configured)", actor);
    }

    public void PostConfigure(string? name, WebmailOptions options)
    {
        foreach (var setting in LiveSetting.All)
        {
            _configured[setting.Key] = setting.Read(options);
            if (_overrides.TryGetValue(setting.Key, out var value))
                setting.Apply(options, value);
        }
    }

    public IChangeToken GetChangeToken() => _changeToken;

    private void FireChange() => Interlocked.Exchange(ref _changeToken, new ConfigurationReloadToken()).OnReload();
}
