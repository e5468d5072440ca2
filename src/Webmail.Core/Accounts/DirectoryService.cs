using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;

namespace Webmail.Core.Accounts;

/// <summary>
/// What an operator does to domains, accounts and aliases — validated, hashed and audited in one
/// place, so the CLI, the first-run setup page and the admin UI behave the same. Each change hands
/// its <see cref="AuditRecord"/> to the store, which commits both in one transaction.
/// </summary>
/// <exception cref="DirectoryException">Thrown by every method for input an operator can correct.</exception>
public sealed class DirectoryService(IDirectoryStore store, IOptionsMonitor<WebmailOptions> options)
{
    public const int MinPasswordLength = 8;
    /// <summary>Longest password accepted; sign-in refuses longer ones before running the KDF.</summary>
    public const int MaxPasswordLength = 1024;
    public const int MaxDisplayNameLength = 100;
    public const int MaxSignatureLength = 10_000;

    public Task<IReadOnlyList<MailDomain>> ListDomainsAsync(CancellationToken cancellationToken) => store.ListDomainsAsync(cancellationToken);

    public async Task<MailDomain> AddDomainAsync(string name, string actor, CancellationToken cancellationToken)
    {
        if (!AddressRules.TryNormalizeDomain(name, out var domain))
            throw new DirectoryException($"'{name}' is not a valid domain name.", "name");
        return await Guard(() => store.AddDomainAsync(domain, new AuditRecord(actor, "domain.add", domain), cancellationToken)).ConfigureAwait(false);
    }

    public async Task RemoveDomainAsync(string name, string actor, CancellationToken cancellationToken)
    {
        var domain = await RequireDomainAsync(name, "name", DirectoryProblem.NotFound, cancellationToken).ConfigureAwait(false);
        await Guard(() => store.RemoveDomainAsync(domain.Name, new AuditRecord(actor, "domain.remove", domain.Name), cancellationToken)).ConfigureAwait(false);
    }

    public async Task SetCatchAllAsync(string name, string? target, string actor, CancellationToken cancellationToken)
    {
        var domain = await RequireDomainAsync(name, "name", DirectoryProblem.NotFound, cancellationToken).ConfigureAwait(false);
        string? normalized = null;
        if (!string.IsNullOrWhiteSpace(target))
        {
            normalized = (await FindAccountAsync(target, cancellationToken).ConfigureAwait(false)
                ?? throw new DirectoryException($"There is no account {target}.", "target")).Address;
        }
        await store.SetCatchAllAsync(domain.Name, normalized, new AuditRecord(actor, "domain.catchall", domain.Name, normalized ?? "(none)"), cancellationToken).ConfigureAwait(false);
    }

    public async Task<Account> CreateAccountAsync(string address, string password, string? displayName, bool isAdmin, long? quotaBytes, string actor, CancellationToken cancellationToken)
    {
        if (!AddressRules.TryNormalizeAddress(address, out var normalized))
            throw new DirectoryException($"'{address}' is not a valid address.", "address");
        await RequireDomainAsync(AddressRules.DomainOf(normalized), "address", DirectoryProblem.Invalid, cancellationToken).ConfigureAwait(false);
        ValidatePassword(password);
        if (quotaBytes is < 0)
            throw new DirectoryException("The quota cannot be negative.", "quotaBytes");
        var name = (displayName ?? "").Trim();
        ValidateDisplayName(name);
        return await Guard(() => store.CreateAccountAsync(normalized, name, PasswordHasher.Hash(password), isAdmin,
            quotaBytes ?? options.CurrentValue.Limits.DefaultQuota, new AuditRecord(actor, "account.add", normalized, isAdmin ? "admin" : ""), cancellationToken)).ConfigureAwait(false);
    }

    public async Task UpdateAccountAsync(string address, string displayName, bool isAdmin, long quotaBytes, Pop3DeletePolicy policy, string actor, CancellationToken cancellationToken)
    {
        var account = await RequireAccountAsync(address, cancellationToken).ConfigureAwait(false);
        ValidateDisplayName(displayName.Trim());
        if (quotaBytes < 0)
            throw new DirectoryException("The quota cannot be negative.", "quotaBytes");
        if (!Enum.IsDefined(policy))
            throw new DirectoryException("Choose what a POP3 delete does: delete, move to Trash or keep.", "pop3DeletePolicy");
        await store.UpdateAccountAsync(account.Id, displayName.Trim(), isAdmin, quotaBytes, policy,
            new AuditRecord(actor, "account.update", account.Address, $"admin={isAdmin} quota={quotaBytes} pop3={policy}"), cancellationToken).ConfigureAwait(false);
    }

    public async Task SetPasswordAsync(string address, string password, string actor, CancellationToken cancellationToken)
    {
        var account = await RequireAccountAsync(address, cancellationToken).ConfigureAwait(false);
        ValidatePassword(password);
        await store.SetPasswordHashAsync(account.Id, PasswordHasher.Hash(password), new AuditRecord(actor, "account.passwd", account.Address), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A user's own settings page: display name and POP3 delete policy.</summary>
    public async Task UpdateProfileAsync(long accountId, string displayName, Pop3DeletePolicy policy, CancellationToken cancellationToken)
    {
        var name = (displayName ?? "").Trim();
        ValidateDisplayName(name);
        if (!Enum.IsDefined(policy))
            throw new DirectoryException("Choose what a POP3 delete does: delete, move to Trash or keep.", "pop3DeletePolicy");
        await store.SetProfileAsync(accountId, name, policy, cancellationToken).ConfigureAwait(false);
    }

    public Task<AccountSettings> GetSettingsAsync(long accountId, CancellationToken cancellationToken) => store.GetSettingsAsync(accountId, cancellationToken);

    /// <summary>Saves a user's preferences after checking every value is one the UI offers.</summary>
    public async Task SaveSettingsAsync(long accountId, AccountSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Signature.Length > MaxSignatureLength)
            throw new DirectoryException($"The signature can be at most {MaxSignatureLength:N0} characters long.");
        if (settings.Signature.Any(c => char.IsControl(c) && c is not '\r' and not '\n' and not '\t'))
            throw new DirectoryException("The signature cannot contain control characters.");
        Require(settings.RemoteContent, AccountSettings.RemoteContentChoices, "remote content");
        Require(settings.Theme, AccountSettings.ThemeChoices, "theme");
        Require(settings.Density, AccountSettings.DensityChoices, "list density");
        if (settings.TrashRetentionDays is < 0 or > Retention.RetentionService.MaxDays || settings.ArchiveReadAfterDays is < 0 or > Retention.RetentionService.MaxDays)
            throw new DirectoryException($"Retention is a number of days from 0 (never) to {Retention.RetentionService.MaxDays:N0}.");
        if (!AccountSettings.UndoSendChoices.Contains(settings.UndoSendSeconds))
            throw new DirectoryException($"Undo send can wait {string.Join(", ", AccountSettings.UndoSendChoices.Where(s => s > 0))} seconds, or be off.");
        Require(settings.AfterMove, AccountSettings.AfterMoveChoices, "what follows a move");
        if (settings.TimeZone.Length > 0 && !UserTimeZone.IsKnown(settings.TimeZone))
            throw new DirectoryException("The time zone must be one of the listed zones.");
        if (settings.BrowserTimeZone.Length > 0 && !UserTimeZone.IsKnown(settings.BrowserTimeZone))
            throw new DirectoryException("The browser's time zone is not a known zone.");
        await store.SaveSettingsAsync(accountId, settings, cancellationToken).ConfigureAwait(false);

        static void Require(string value, IReadOnlyList<string> choices, string what)
        {
            if (!choices.Contains(value))
                throw new DirectoryException($"The {what} must be one of: {string.Join(", ", choices)}.");
        }
    }

    public async Task SetDisabledAsync(string address, bool disabled, string actor, CancellationToken cancellationToken)
    {
        var account = await RequireAccountAsync(address, cancellationToken).ConfigureAwait(false);
        await store.SetDisabledAsync(account.Id, disabled, new AuditRecord(actor, disabled ? "account.disable" : "account.enable", account.Address), cancellationToken).ConfigureAwait(false);
    }

    public async Task RemoveAccountAsync(string address, string actor, CancellationToken cancellationToken)
    {
        var account = await RequireAccountAsync(address, cancellationToken).ConfigureAwait(false);
        await store.RemoveAccountAsync(account.Id, new AuditRecord(actor, "account.remove", account.Address), cancellationToken).ConfigureAwait(false);
    }

    public async Task<Alias> SetAliasAsync(string alias, IEnumerable<string> targets, string actor, CancellationToken cancellationToken)
    {
        if (!AddressRules.TryNormalizeAddress(alias, out var normalized))
            throw new DirectoryException($"'{alias}' is not a valid address.", "address");
        await RequireDomainAsync(AddressRules.DomainOf(normalized), "address", DirectoryProblem.Invalid, cancellationToken).ConfigureAwait(false);
        var list = new List<string>();
        foreach (var target in targets.Select(t => t.Trim()).Where(t => t.Length > 0))
        {
            var account = await FindAccountAsync(target, cancellationToken).ConfigureAwait(false)
                ?? throw new DirectoryException($"The target {target} is not a local account.", "targets");
            if (!list.Contains(account.Address))
                list.Add(account.Address);
        }
        if (list.Count == 0)
            throw new DirectoryException("An alias needs at least one target account.", "targets");
        return await Guard(() => store.SetAliasAsync(normalized, list, new AuditRecord(actor, "alias.set", normalized, string.Join(",", list)), cancellationToken)).ConfigureAwait(false);
    }

    public async Task RemoveAliasAsync(string alias, string actor, CancellationToken cancellationToken)
    {
        if (!AddressRules.TryNormalizeAddress(alias, out var normalized))
            throw new DirectoryException($"'{alias}' is not a valid address.", "address");
        var aliases = await store.ListAliasesAsync(cancellationToken).ConfigureAwait(false);
        if (!aliases.Any(a => a.Address == normalized))
            throw new DirectoryException($"There is no alias {normalized}.", "address", DirectoryProblem.NotFound);
        await store.RemoveAliasAsync(normalized, new AuditRecord(actor, "alias.remove", normalized), cancellationToken).ConfigureAwait(false);
    }

    public async Task<Account?> FindAccountAsync(string address, CancellationToken cancellationToken) =>
        AddressRules.TryNormalizeAddress(address, out var normalized) ? await store.FindAccountAsync(normalized, cancellationToken).ConfigureAwait(false) : null;

    public async Task<Account> RequireAccountAsync(string address, CancellationToken cancellationToken) =>
        await FindAccountAsync(address, cancellationToken).ConfigureAwait(false) ?? throw new DirectoryException($"There is no account {address}.", "address", DirectoryProblem.NotFound);

    /// <param name="field">The input that named the domain, for the refusal.</param>
    /// <param name="missing">What a domain that is not served is: the resource asked for (not found), or a wrong value.</param>
    private async Task<MailDomain> RequireDomainAsync(string name, string field, DirectoryProblem missing, CancellationToken cancellationToken)
    {
        if (!AddressRules.TryNormalizeDomain(name, out var domain))
            throw new DirectoryException($"'{name}' is not a valid domain name.", field);
        return await store.FindDomainAsync(domain, cancellationToken).ConfigureAwait(false)
            ?? throw new DirectoryException($"The domain {domain} is not served here; add it first.", field, missing);
    }

    public static void ValidatePassword(string password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength)
            throw new DirectoryException($"The password must be at least {MinPasswordLength} characters long.", "password");
        if (password.Length > MaxPasswordLength)
            throw new DirectoryException($"The password must be at most {MaxPasswordLength} characters long.", "password");
        if (password.Any(char.IsControl))
            throw new DirectoryException("The password cannot contain control characters.", "password");
    }

    private static void ValidateDisplayName(string name)
    {
        if (name.Any(char.IsControl))
            throw new DirectoryException("The display name cannot contain control characters.", "displayName");
        if (name.Length > MaxDisplayNameLength)
            throw new DirectoryException($"The display name can be at most {MaxDisplayNameLength} characters long.", "displayName");
    }

    private static async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try { return await action().ConfigureAwait(false); }
        catch (StoreException e) { throw new DirectoryException(e.Message, problem: DirectoryProblem.Conflict); }
    }

    private static async Task Guard(Func<Task> action)
    {
        try { await action().ConfigureAwait(false); }
        catch (StoreException e) { throw new DirectoryException(e.Message, problem: DirectoryProblem.Conflict); }
    }
}
