using Webmail.Core.Storage;

namespace Webmail.Auth;

/// <summary>
/// Whether first-run setup is still open: only while the store has never had an account.
/// Once an account exists (made by the setup page or the CLI) setup is closed for good.
/// </summary>
public sealed class SetupState(IDirectoryStore directory, IServerStateStore state)
{
    private const string CompletedKey = "setup.completed";
    private volatile bool _completed;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<bool> IsCompletedAsync(CancellationToken cancellationToken)
    {
        if (_completed)
            return true;
        if (await state.GetSettingAsync(CompletedKey, cancellationToken) is not null || await directory.CountAccountsAsync(cancellationToken) > 0)
        {
            await MarkCompletedAsync(cancellationToken);
            return true;
        }
        return false;
    }

    /// <summary>Runs <paramref name="setup"/> only if setup is still open, one caller at a time.</summary>
    public async Task<bool> TryRunAsync(Func<Task> setup, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (await IsCompletedAsync(cancellationToken))
                return false;
            await setup();
            await MarkCompletedAsync(cancellationToken);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task MarkCompletedAsync(CancellationToken cancellationToken)
    {
        if (await state.GetSettingAsync(CompletedKey, cancellationToken) is null)
            await state.SetSettingAsync(CompletedKey, DateTimeOffset.UtcNow.ToString("O"), cancellationToken);
        _completed = true;
    }
}
