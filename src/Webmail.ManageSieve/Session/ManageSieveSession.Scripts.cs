using System.Text;
using Webmail.Core.Filters;
using Webmail.ManageSieve.Protocol;

namespace Webmail.ManageSieve.Session;

/// <summary>The script commands of RFC 5804 §2.5–§2.12, each a call to <see cref="SieveScriptService"/> for the logged-in account only.</summary>
public sealed partial class ManageSieveSession
{
    /// <summary>LISTSCRIPTS (§2.7): one line per script, the active one marked ACTIVE.</summary>
    private async Task<bool> ListScriptsAsync(SieveCommand command)
    {
        if (command.Arguments.Count != 0)
            return No("LISTSCRIPTS takes no arguments");
        foreach (var script in await _server.Scripts.ListAsync(AccountId, _shutdown).ConfigureAwait(false))
        {
            Out.String(script.Name);
            if (script.IsActive)
                Out.Text(" ACTIVE");
            Out.Line();
        }
        Out.Ok("Listscripts completed");
        return true;
    }

    /// <summary>GETSCRIPT (§2.9): the script as a literal, then OK.</summary>
    private async Task<bool> GetScriptAsync(SieveCommand command)
    {
        if (command.Arguments is not [{ Kind: SieveTokenKind.String } name])
            return No("Syntax: GETSCRIPT name");
        if (await _server.Scripts.GetAsync(AccountId, name.Text, _shutdown).ConfigureAwait(false) is not { } text)
            return Answer(new SieveScriptOutcome(SieveScriptStatus.NotFound, $"There is no script named \"{name.Text}\".", []), "");
        Out.Literal(Encoding.UTF8.GetBytes(text)).Line();
        Out.Ok("Getscript completed");
        return true;
    }

    /// <summary>PUTSCRIPT (§2.6): stored only when it is valid; the errors, with their lines, otherwise.</summary>
    private async Task<bool> PutScriptAsync(SieveCommand command)
    {
        if (command.Arguments is not [{ Kind: SieveTokenKind.String } name, { Kind: SieveTokenKind.String } script])
            return No("Syntax: PUTSCRIPT name script");
        return Answer(await _server.Scripts.PutAsync(AccountId, AccountAddress, name.Text, script.Text, _shutdown).ConfigureAwait(false), "Putscript completed");
    }

    /// <summary>CHECKSCRIPT (§2.12): validates without storing.</summary>
    private bool CheckScript(SieveCommand command)
    {
        if (command.Arguments is not [{ Kind: SieveTokenKind.String } script])
            return No("Syntax: CHECKSCRIPT script");
        return Answer(_server.Scripts.Check(script.Text), "Script is valid");
    }

    /// <summary>SETACTIVE (§2.8): "" turns filtering off.</summary>
    private async Task<bool> SetActiveAsync(SieveCommand command)
    {
        if (command.Arguments is not [{ Kind: SieveTokenKind.String } name])
            return No("Syntax: SETACTIVE name");
        return Answer(await _server.Scripts.ActivateAsync(AccountId, AccountAddress, name.Text, _shutdown).ConfigureAwait(false), "Setactive completed");
    }

    /// <summary>DELETESCRIPT (§2.10): the active script cannot be deleted.</summary>
    private async Task<bool> DeleteScriptAsync(SieveCommand command)
    {
        if (command.Arguments is not [{ Kind: SieveTokenKind.String } name])
            return No("Syntax: DELETESCRIPT name");
        return Answer(await _server.Scripts.DeleteAsync(AccountId, AccountAddress, name.Text, _shutdown).ConfigureAwait(false), "Deletescript completed");
    }

    /// <summary>RENAMESCRIPT (§2.11.1): the active mark moves with the script.</summary>
    private async Task<bool> RenameScriptAsync(SieveCommand command)
    {
        if (command.Arguments is not [{ Kind: SieveTokenKind.String } oldName, { Kind: SieveTokenKind.String } newName])
            return No("Syntax: RENAMESCRIPT old-name new-name");
        return Answer(await _server.Scripts.RenameAsync(AccountId, AccountAddress, oldName.Text, newName.Text, _shutdown).ConfigureAwait(false), "Renamescript completed");
    }

    /// <summary>HAVESPACE (§2.5): whether a script of that name and size would be accepted.</summary>
    private async Task<bool> HaveSpaceAsync(SieveCommand command)
    {
        if (command.Arguments is not [{ Kind: SieveTokenKind.String } name, { Kind: SieveTokenKind.Number } size])
            return No("Syntax: HAVESPACE name size");
        return Answer(await _server.Scripts.HaveSpaceAsync(AccountId, name.Text, size.Number, _shutdown).ConfigureAwait(false), "Putscript would succeed");
    }

    /// <summary>
    /// The response for a service outcome, with the response code RFC 5804 §1.3 gives each refusal.
    /// An invalid script's errors go back one per line, each with its line number (a literal when
    /// there are several, §2.6: the human-readable string explains the errors).
    /// </summary>
    private bool Answer(SieveScriptOutcome outcome, string okText)
    {
        switch (outcome.Status)
        {
            case SieveScriptStatus.Ok:
                Out.Ok(okText);
                return true;
            case SieveScriptStatus.Invalid:
                Out.No(outcome.Errors.Count > 0 ? string.Join("\r\n", outcome.Errors.Select(e => e.ToString())) : outcome.Message);
                return true;
            default:
                Out.No(outcome.Message, CodeOf(outcome.Status));
                return true;
        }
    }

    private static string? CodeOf(SieveScriptStatus status) => status switch
    {
        SieveScriptStatus.NotFound => "NONEXISTENT",
        SieveScriptStatus.AlreadyExists => "ALREADYEXISTS",
        SieveScriptStatus.Active => "ACTIVE",
        SieveScriptStatus.TooLarge => "QUOTA/MAXSIZE",
        SieveScriptStatus.TooMany => "QUOTA/MAXSCRIPTS",
        _ => null,
    };
}
