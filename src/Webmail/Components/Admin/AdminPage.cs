using Microsoft.AspNetCore.Components;
using MudBlazor;
using Webmail.Admin;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;

namespace Webmail.Components.Admin;

/// <summary>
/// Base of the admin pages: every action runs through <see cref="RunAsync"/>, which checks the
/// admin role on the server at that moment, passes the admin's address as the audit actor, and
/// shows the outcome (or the service's one-line refusal) as a snackbar.
/// </summary>
public abstract class AdminPage : ComponentBase
{
    [Inject] protected AdminGate Gate { get; set; } = default!;
    [Inject] protected ISnackbar Snackbar { get; set; } = default!;
    [Inject] protected IDialogService Dialogs { get; set; } = default!;

    /// <summary>Message of the last refused action, also shown inline for screen readers.</summary>
    protected string? LastError { get; private set; }

    /// <returns>True when the action succeeded.</returns>
    protected async Task<bool> RunAsync(Func<string, Task> action, string? success)
    {
        try
        {
            var actor = await Gate.RequireAdminAsync();
            await action(actor);
            LastError = null;
            if (success is not null)
                Snackbar.Add(success, Severity.Success);
            return true;
        }
        catch (Exception e) when (e is DirectoryException or StoreException or UnauthorizedAccessException or ArgumentException)
        {
            LastError = e.Message;
            Snackbar.Add(e.Message, Severity.Error);
            return false;
        }
    }
}
