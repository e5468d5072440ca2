using Webmail.Admin;
using Webmail.Auth;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Mail.Dkim;

namespace Webmail.Api;

// Domains, accounts and aliases: DirectoryService (and DkimKeyService, WebSignIn, SecondFactorReset),
// as the admin pages and the CLI call them.
public static partial class AdminApi
{
    private static void MapDomains(RouteGroupBuilder domains)
    {
        domains.MapGet("/", async (DirectoryService directory, CancellationToken ct) =>
                TypedResults.Ok((await directory.ListDomainsAsync(ct)).Select(DomainView.From).ToList()))
            .WithName("listDomains").WithSummary("Every domain served here.");

        domains.MapPost("/", async Task<IResult> (DomainCreateRequest body, DirectoryService directory, HttpContext http, CancellationToken ct) =>
            {
                var check = new ApiValidation();
                var name = check.Required(body.Name, "name");
                if (check.Problem is { } problem)
                    return problem;
                var domain = await directory.AddDomainAsync(name, Actor(http), ct);
                return TypedResults.Created($"{Prefix}/domains/{domain.Name}", DomainView.From(domain));
            })
            .WithName("addDomain").WithSummary("Adds a domain.").Performs<DirectoryService>(nameof(DirectoryService.AddDomainAsync))
            .Produces<DomainView>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);

        domains.MapDelete("/{name}", async (string name, DirectoryService directory, HttpContext http, CancellationToken ct) =>
            {
                await directory.RemoveDomainAsync(name, Actor(http), ct);
                return TypedResults.NoContent();
            })
            .WithName("removeDomain").WithSummary("Removes a domain that has no accounts or aliases left.").Performs<DirectoryService>(nameof(DirectoryService.RemoveDomainAsync))
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        domains.MapPut("/{name}/catch-all", async (string name, CatchAllRequest body, DirectoryService directory, HttpContext http, CancellationToken ct) =>
            {
                await directory.SetCatchAllAsync(name, string.IsNullOrWhiteSpace(body.Target) ? null : body.Target, Actor(http), ct);
                return TypedResults.NoContent();
            })
            .WithName("setCatchAll").WithSummary("Sets the account that gets mail for unknown users of the domain; a null target removes it.")
            .Performs<DirectoryService>(nameof(DirectoryService.SetCatchAllAsync)).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        domains.MapPut("/{name}/mta-sts", async Task<IResult> (string name, MtaStsRequest body, MtaStsPolicies policies, HttpContext http, CancellationToken ct) =>
            {
                if (!Enum.TryParse<MtaStsMode>(body.Mode, ignoreCase: true, out var mode) || !Enum.IsDefined(mode) || body.Mode!.Any(char.IsDigit))
                    return ApiProblems.Validation("mode", "The mode is none, testing or enforce.");
                if (await policies.GetAsync(name, ct) is null)
                    return ApiProblems.Problem(StatusCodes.Status404NotFound, $"The domain {name} is not served here.");
                var setting = await policies.SetModeAsync(name, mode, Actor(http), ct);
                return TypedResults.Ok(new MtaStsView(setting.Mode.ToString().ToLowerInvariant(), MtaStsPolicies.RecordId(setting)));
            })
            .WithName("setMtaStsMode").WithSummary("Sets the domain's MTA-STS mode (RFC 8461); the policy id changes, so publish the _mta-sts record again.")
            .Performs<MtaStsPolicies>(nameof(MtaStsPolicies.SetModeAsync)).Produces<MtaStsView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        domains.MapGet("/{name}/dkim", async Task<IResult> (string name, DkimKeyService dkim, CancellationToken ct) =>
                await dkim.GetRecordAsync(name, ct) is { } record
                    ? TypedResults.Ok(DkimRecordView.From(record))
                    : ApiProblems.Problem(StatusCodes.Status404NotFound, $"The domain {name} has no DKIM key (or is not served here)."))
            .WithName("getDkimRecord").WithSummary("The DNS TXT record of the domain's current DKIM key.")
            .Produces<DkimRecordView>().ProducesProblem(StatusCodes.Status404NotFound);

        domains.MapPost("/{name}/dkim", async (string name, DkimKeyService dkim, HttpContext http, CancellationToken ct) =>
            {
                var record = await dkim.GenerateAsync(name, Actor(http), ct);
                return TypedResults.Created($"{Prefix}/domains/{record.Domain}/dkim", DkimRecordView.From(record));
            })
            .WithName("generateDkimKey").WithSummary("Makes a new DKIM key (a new selector); mail is signed with it at once, so publish the record returned.")
            .Performs<DkimKeyService>(nameof(DkimKeyService.GenerateAsync)).Produces<DkimRecordView>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static void MapAccounts(RouteGroupBuilder accounts)
    {
        accounts.MapGet("/", async Task<IResult> (string? search, int? page, int? pageSize, IDirectoryStore store, CancellationToken ct) =>
            {
                var (index, size, check) = Paging(page, pageSize);
                if (search is { Length: > 254 })
                    check.Add("search", "The search can be at most 254 characters long.");
                if (check.Problem is { } problem)
                    return problem;
                var found = await store.ListAccountsAsync(string.IsNullOrWhiteSpace(search) ? null : search.Trim(), index, size, ct);
                return TypedResults.Ok(new PageView<AccountView>(found.Items.Select(AccountView.From).ToList(), found.Total, index, size));
            })
            .WithName("listAccounts").WithSummary("Accounts, a page at a time; search matches address and display name.")
            .Produces<PageView<AccountView>>().ProducesValidationProblem();

        accounts.MapGet("/{address}", async (string address, DirectoryService directory, CancellationToken ct) =>
                TypedResults.Ok(AccountView.From(await directory.RequireAccountAsync(address, ct))))
            .WithName("getAccount").WithSummary("One account.").Produces<AccountView>().ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapPost("/", async Task<IResult> (AccountCreateRequest body, DirectoryService directory, HttpContext http, CancellationToken ct) =>
            {
                var check = new ApiValidation();
                var address = check.Required(body.Address, "address");
                var password = check.Required(body.Password, "password");
                if (check.Problem is { } problem)
                    return problem;
                var account = await directory.CreateAccountAsync(address, password, body.DisplayName, body.IsAdmin ?? false, body.QuotaBytes, Actor(http), ct);
                return TypedResults.Created($"{Prefix}/accounts/{account.Address}", AccountView.From(account));
            })
            .WithName("createAccount").WithSummary("Creates an account (quotaBytes omitted: the server's default; 0: unlimited).")
            .Performs<DirectoryService>(nameof(DirectoryService.CreateAccountAsync)).Produces<AccountView>(StatusCodes.Status201Created)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);

        accounts.MapPatch("/{address}", async Task<IResult> (string address, AccountUpdateRequest body, DirectoryService directory, HttpContext http, CancellationToken ct) =>
            {
                // As the admin page's edit and 'account set': what is not given stays as it is.
                var account = await directory.RequireAccountAsync(address, ct);
                var policy = account.Pop3DeletePolicy;
                if (body.Pop3DeletePolicy is { } text && (!Enum.TryParse(text, ignoreCase: true, out policy) || !Enum.IsDefined(policy) || int.TryParse(text, out _)))
                    return ApiProblems.Validation("pop3DeletePolicy", "The POP3 delete policy must be delete, trash or keep.");
                await directory.UpdateAccountAsync(account.Address, body.DisplayName ?? account.DisplayName, body.IsAdmin ?? account.IsAdmin,
                    body.QuotaBytes ?? account.QuotaBytes, policy, Actor(http), ct);
                return TypedResults.Ok(AccountView.From(await directory.RequireAccountAsync(account.Address, ct)));
            })
            .WithName("updateAccount").WithSummary("Changes the display name, admin role, quota (bytes, 0 = unlimited) or POP3 delete policy; only the fields given.")
            .Performs<DirectoryService>(nameof(DirectoryService.UpdateAccountAsync)).Produces<AccountView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapPut("/{address}/password", async Task<IResult> (string address, PasswordRequest body, DirectoryService directory, HttpContext http, CancellationToken ct) =>
            {
                var check = new ApiValidation();
                var password = check.Required(body.Password, "password");
                if (check.Problem is { } problem)
                    return problem;
                await directory.SetPasswordAsync(address, password, Actor(http), ct);
                return TypedResults.NoContent();
            })
            .WithName("setPassword").WithSummary("Sets a new password; the account's web sessions end.")
            .Performs<DirectoryService>(nameof(DirectoryService.SetPasswordAsync)).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapPost("/{address}/disable", (string address, DirectoryService directory, HttpContext http, CancellationToken ct) => SetDisabledAsync(address, true, directory, http, ct))
            .WithName("disableAccount").WithSummary("Disables the account: no sign-in, no mail protocol, its sessions end; mail to it is still accepted.")
            .Performs<DirectoryService>(nameof(DirectoryService.SetDisabledAsync)).ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapPost("/{address}/enable", (string address, DirectoryService directory, HttpContext http, CancellationToken ct) => SetDisabledAsync(address, false, directory, http, ct))
            .WithName("enableAccount").WithSummary("Enables a disabled account.")
            .Performs<DirectoryService>(nameof(DirectoryService.SetDisabledAsync)).ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapDelete("/{address}", async (string address, DirectoryService directory, HttpContext http, CancellationToken ct) =>
            {
                await directory.RemoveAccountAsync(address, Actor(http), ct);
                return TypedResults.NoContent();
            })
            .WithName("removeAccount").WithSummary("Deletes the account with all its mail. This cannot be undone.")
            .Performs<DirectoryService>(nameof(DirectoryService.RemoveAccountAsync)).ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapPost("/{address}/sessions/end", async (string address, DirectoryService directory, WebSignIn signIn, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(new SessionsEndedView(await signIn.EndAllAsync(await directory.RequireAccountAsync(address, ct), Actor(http), ct))))
            .WithName("endSessions").WithSummary("Signs the account out of the web everywhere; mail programs are not affected.")
            .Performs<WebSignIn>(nameof(WebSignIn.EndAllAsync)).Produces<SessionsEndedView>().ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapPost("/{address}/second-factor/reset", async (string address, DirectoryService directory, SecondFactorReset reset, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(new SecondFactorResetView(await reset.ResetAsync(await directory.RequireAccountAsync(address, ct), Actor(http), ct))))
            .WithName("resetSecondFactor").WithSummary("Turns two-factor sign-in off: the authenticator app and every passkey stop working.")
            .Performs<SecondFactorReset>(nameof(SecondFactorReset.ResetAsync)).Produces<SecondFactorResetView>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> SetDisabledAsync(string address, bool disabled, DirectoryService directory, HttpContext http, CancellationToken ct)
    {
        await directory.SetDisabledAsync(address, disabled, Actor(http), ct);
        return TypedResults.NoContent();
    }

    private static void MapAliases(RouteGroupBuilder aliases)
    {
        aliases.MapGet("/", async (IDirectoryStore store, CancellationToken ct) =>
                TypedResults.Ok((await store.ListAliasesAsync(ct)).Select(AliasView.From).ToList()))
            .WithName("listAliases").WithSummary("Every alias with its target accounts.");

        aliases.MapPut("/{address}", async Task<IResult> (string address, AliasRequest body, DirectoryService directory, HttpContext http, CancellationToken ct) =>
            {
                var check = new ApiValidation();
                var targets = check.Required(body.Targets, "targets");
                if (check.Problem is { } problem)
                    return problem;
                return TypedResults.Ok(AliasView.From(await directory.SetAliasAsync(address, targets.Where(t => t is not null), Actor(http), ct)));
            })
            .WithName("setAlias").WithSummary("Creates the alias or replaces its targets (local accounts).")
            .Performs<DirectoryService>(nameof(DirectoryService.SetAliasAsync)).Produces<AliasView>().ProducesValidationProblem();

        aliases.MapDelete("/{address}", async (string address, DirectoryService directory, HttpContext http, CancellationToken ct) =>
            {
                await directory.RemoveAliasAsync(address, Actor(http), ct);
                return TypedResults.NoContent();
            })
            .WithName("removeAlias").WithSummary("Removes an alias; mail to it is refused from then on.")
            .Performs<DirectoryService>(nameof(DirectoryService.RemoveAliasAsync)).ProducesProblem(StatusCodes.Status404NotFound);
    }
}
