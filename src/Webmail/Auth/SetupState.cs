using Webmail.Core.Nodes;
using Webmail.Core.Storage;

namespace Webmail.Auth;

/// <summary>
/// Whether first-run setup is still open: only while the store has never had an account.
/// Once an account exists (made by the setup page or the CLI) setup is closed for good.
/// Setup runs under a node lock (<see cref="NodeLock.Setup"/>), so two nodes on one store, each showing its setup
/// page, cannot both make a first admin.
/// </summary>
public sealed class SetupState(IDirectoryStore directory, IServerStateStore state, INodeLocks locks)
{
    private const string CompletedKey = "setup.completed";
    private volatile bool _completed;

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
        var gate = await locks.AcquireAsync(NodeLock.Setup, cancellationToken);
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
            await gate.DisposeAsync();
        }
    }

    private async Task MarkCompletedAsync(CancellationToken cancellationToken)
    {
        if (await state.GetSettingAsync(CompletedKey, cancellationToken) is null)
            await state.SetSettingAsync(CompletedKey, DateTimeOffset.UtcNow.ToString("O"), cancellationToken);
        _completed = true;
    }
}
