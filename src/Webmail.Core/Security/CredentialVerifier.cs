using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Fido2NetLib;
using Webmail.Core.Accounts;
using Webmail.Core.Messages;
using Webmail.Core.Storage;

namespace Webmail.Core.Security;

/// <summary>The outcome of a login attempt. Unknown user and wrong password are the same <see cref="LoginStatus.Failed"/>.</summary>
/// <param name="SecondFactorRequired">Web sign-in only: the password was right and the account has two factors on; <see cref="CredentialVerifier.VerifySecondFactorAsync"/> decides.</param>
/// <param name="RetryAfter"><see cref="LoginStatus.Throttled"/> only: how long until the ban or pause ends (<see cref="LoginLimiter.BlockedFor"/>).</param>
public sealed record LoginResult(LoginStatus Status, long AccountId = 0, string Address = "", bool SecondFactorRequired = false, TimeSpan RetryAfter = default)
{
    public bool Succeeded => Status == LoginStatus.Succeeded;

    public static LoginResult Throttled(TimeSpan retryAfter) => new(LoginStatus.Throttled, RetryAfter: retryAfter);
}

public enum LoginStatus
{
    Succeeded,
    /// <summary>Unknown user, wrong password or disabled account: deliberately indistinguishable.</summary>
    Failed,
    /// <summary>Too many failures from this IP or for this account: try later.</summary>
    Throttled,
    /// <summary>A mail protocol got the right account password, but two factors are on: only app passwords work there.</summary>
    AppPasswordRequired,
}

/// <summary>
/// The one credential check behind every door (web sign-in, SMTP AUTH, POP3 USER/PASS and AUTH,
/// IMAP LOGIN and AUTHENTICATE). Failures are delayed, limited and audited the same way whichever
/// door they came through. The mail protocols also take the account's app passwords
/// (<see cref="AppPasswordService"/>), each for the protocols it allows; the web sign-in never does.
/// </summary>
public sealed class CredentialVerifier(IDirectoryStore directory, AppPasswordService appPasswords, TwoFactorService twoFactor, PasskeyService passkeys, LoginLimiter limiter, VerifiedPasswordCache verified, IAuditLog audit, TimeProvider time, ILogger<CredentialVerifier> logger)
{
    // The KDF is CPU-bound by design and runs on a pool thread: with no cap, a burst of first logins
    // (50 POP3 clients at start, or a password spray) took every core and stalled SMTP and POP3 for
    // tens of seconds (docs/benchmarks-soak.md). Waiting for a slot holds no thread.
    private readonly SemaphoreSlim _kdfSlots = new(Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>1 while sign-in bookkeeping writes fail (so the failure is logged once per episode).</summary>
    private int _bookkeepingFailing;

    /// <param name="door">Which protocol asked: <c>web</c>, <c>smtp</c>, <c>pop3</c>, <c>imap</c>, <c>managesieve</c>.</param>
    public async Task<LoginResult> VerifyAsync(string address, string password, IPAddress? remote, string door, CancellationToken cancellationToken)
    {
        address = (address ?? "").Trim();
        password ??= "";
        var ip = remote?.ToString();
        // No account has a longer address or password: refuse before any work (no KDF, no lookup, no
        // per-account limiter entry). Log lines bound what was typed here; the audit log bounds its own fields.
        var oversize = Encoding.UTF8.GetByteCount(address) > AddressRules.MaxAddressLength || password.Length > DirectoryService.MaxPasswordLength;
        if (limiter.BlockedFor(remote, oversize ? null : address) is { } blocked)
        {
            if (limiter.ShouldReportThrottle(remote))
            {
                logger.LogWarning("Login throttled for {Account} from {RemoteIp} via {Door} (further refusals from this address are not logged for a minute)", LogText.Bound(address), ip, door);
                await BestEffortAsync(() => audit.WriteAsync(address, "login.throttled", door, "", ip, cancellationToken)).ConfigureAwait(false);
            }
            return LoginResult.Throttled(blocked);
        }
        if (oversize)
        {
            limiter.RecordFailure(remote, null);
            logger.LogWarning("Failed login for {Account} from {RemoteIp} via {Door}: address or password too long", LogText.Bound(address), ip, door);
            await BestEffortAsync(() => audit.WriteAsync(address, "login.failed", door, "too long", ip, cancellationToken)).ConfigureAwait(false);
            return new LoginResult(LoginStatus.Failed);
        }

        var delay = limiter.DelayFor(remote, address);
        if (delay > TimeSpan.Zero)
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);

        // An app password is random, not chosen: found by its hash, with no KDF (AppPasswordService).
        if (ProtocolOf(door) is var protocol and not AppPasswordProtocols.None
            && await appPasswords.FindAsync(password, protocol, cancellationToken).ConfigureAwait(false) is { } app
            && string.Equals(app.Address, address, StringComparison.OrdinalIgnoreCase))
        {
            var now = time.GetUtcNow();
            limiter.RecordSuccess(remote, address);
            await BestEffortAsync(() => appPasswords.RecordUseAsync(app.Password, now, ip, cancellationToken)).ConfigureAwait(false);
            await BestEffortAsync(() => directory.RecordLoginAsync(app.Password.AccountId, now, new AuditRecord(address, "login", door, $"app password: {app.Password.Name}", ip), cancellationToken)).ConfigureAwait(false);
            return new LoginResult(LoginStatus.Succeeded, app.Password.AccountId, app.Address);
        }

        var credentials = address.Length > 0 ? await directory.GetCredentialsAsync(address, cancellationToken).ConfigureAwait(false) : null;
        // A password verified a moment ago skips the KDF; otherwise verify, against a dummy hash for
        // unknown users so the answer takes the same time.
        var passwordOk = credentials is { } known && verified.Matches(address, known.PasswordHash, password)
            || await VerifySlowlyAsync(password, credentials?.PasswordHash ?? PasswordHasher.DummyHash, cancellationToken).ConfigureAwait(false);
        if (credentials is { Disabled: false, TwoFactor: true } protectedAccount && passwordOk)
        {
            // Right password, second factor to come. Neither the limiter's count nor the last login changes
            // yet: a success here must not reset the failures, or wrong codes could be tried without end.
            verified.Remember(address, await UpgradeHashAsync(protectedAccount.AccountId, protectedAccount.PasswordHash, password, cancellationToken).ConfigureAwait(false), password);
            if (door == "web")
                return new LoginResult(LoginStatus.Succeeded, protectedAccount.AccountId, address.ToLowerInvariant(), SecondFactorRequired: true);
            logger.LogWarning("Refused the account password for {Account} from {RemoteIp} via {Door}: two factors are on, an app password is needed", LogText.Bound(address), ip, door);
            await BestEffortAsync(() => audit.WriteAsync(address, "login.failed", door, "app password required", ip, cancellationToken)).ConfigureAwait(false);
            return new LoginResult(LoginStatus.AppPasswordRequired);
        }
        if (credentials is { Disabled: false } c && passwordOk)
        {
            verified.Remember(address, await UpgradeHashAsync(c.AccountId, c.PasswordHash, password, cancellationToken).ConfigureAwait(false), password);
            limiter.RecordSuccess(remote, address);
            await BestEffortAsync(() => directory.RecordLoginAsync(c.AccountId, time.GetUtcNow(), new AuditRecord(address, "login", door, "", ip), cancellationToken)).ConfigureAwait(false);
            return new LoginResult(LoginStatus.Succeeded, c.AccountId, address.ToLowerInvariant());
        }

        var banned = limiter.RecordFailure(remote, address);
        logger.LogWarning("Failed login for {Account} from {RemoteIp} via {Door}", LogText.Bound(address), ip, door);
        await BestEffortAsync(() => audit.WriteAsync(address, "login.failed", door, credentials is { Disabled: true } ? "disabled" : "", ip, cancellationToken)).ConfigureAwait(false);
        if (banned)
            await BestEffortAsync(() => audit.WriteAsync(address, "account.lockout", door, "too many failed logins", ip, cancellationToken)).ConfigureAwait(false);
        return new LoginResult(LoginStatus.Failed);
    }

    /// <summary>
    /// The second step of a web sign-in whose password was right (<see cref="LoginResult.SecondFactorRequired"/>):
    /// the authenticator's code or a recovery code (<see cref="TwoFactorService"/>). A wrong code is a
    /// failed login like a wrong password: delayed, counted by the limiter, audited.
    /// </summary>
    public async Task<LoginResult> VerifySecondFactorAsync(long accountId, string address, string code, IPAddress? remote, CancellationToken cancellationToken)
    {
        var ip = remote?.ToString();
        if (limiter.BlockedFor(remote, address) is { } blocked)
            return LoginResult.Throttled(blocked);
        var delay = limiter.DelayFor(remote, address);
        if (delay > TimeSpan.Zero)
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        if (await twoFactor.VerifyAsync(accountId, code, cancellationToken).ConfigureAwait(false))
        {
            limiter.RecordSuccess(remote, address);
            await BestEffortAsync(() => directory.RecordLoginAsync(accountId, time.GetUtcNow(), new AuditRecord(address, "login", "web", "second factor", ip), cancellationToken)).ConfigureAwait(false);
            return new LoginResult(LoginStatus.Succeeded, accountId, address);
        }
        var banned = limiter.RecordFailure(remote, address);
        logger.LogWarning("Wrong second factor for {Account} from {RemoteIp}", LogText.Bound(address), ip);
        await BestEffortAsync(() => audit.WriteAsync(address, "login.failed", "web", "second factor", ip, cancellationToken)).ConfigureAwait(false);
        if (banned)
            await BestEffortAsync(() => audit.WriteAsync(address, "account.lockout", "web", "too many failed logins", ip, cancellationToken)).ConfigureAwait(false);
        return new LoginResult(LoginStatus.Failed);
    }

    /// <summary>
    /// A web sign-in with a passkey (<see cref="PasskeyService"/>): the browser's answer
    /// (<paramref name="assertionJson"/>) to <paramref name="options"/>. With <paramref name="pending"/>
    /// it is the second step after the password and must be one of that account's passkeys; without,
    /// it is a password-less sign-in and the passkey names its account. A refused assertion is a failed
    /// login like a wrong password: delayed, counted by the limiter (for the account when one is known,
    /// always for the IP), audited.
    /// </summary>
    public async Task<LoginResult> VerifyPasskeyAsync(AssertionOptions options, string assertionJson, PasskeyRelyingParty relyingParty,
        (long AccountId, string Address)? pending, IPAddress? remote, CancellationToken cancellationToken)
    {
        var ip = remote?.ToString();
        if (limiter.BlockedFor(remote, pending?.Address) is { } blocked)
            return LoginResult.Throttled(blocked);
        var assertion = PasskeyService.ParseAssertion(assertionJson);
        var credential = assertion is null ? null : await passkeys.FindAsync(assertion, cancellationToken).ConfigureAwait(false);
        var address = pending?.Address ?? credential?.Address;
        if (pending is null && address is not null && limiter.BlockedFor(remote, address) is { } paused)
            return LoginResult.Throttled(paused);
        var delay = limiter.DelayFor(remote, address);
        if (delay > TimeSpan.Zero)
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);

        var how = pending is null ? "passkey" : "second factor: passkey";
        if (credential is { AccountDisabled: false } && (pending is null || pending.Value.AccountId == credential.AccountId)
            && await passkeys.VerifyAsync(credential, options, assertion!, relyingParty, cancellationToken).ConfigureAwait(false))
        {
            limiter.RecordSuccess(remote, credential.Address);
            await BestEffortAsync(() => directory.RecordLoginAsync(credential.AccountId, time.GetUtcNow(), new AuditRecord(credential.Address, "login", "web", $"{how} ({credential.Name})", ip), cancellationToken)).ConfigureAwait(false);
            return new LoginResult(LoginStatus.Succeeded, credential.AccountId, credential.Address);
        }
        var banned = limiter.RecordFailure(remote, address);
        logger.LogWarning("Refused passkey sign-in for {Account} from {RemoteIp}", LogText.Bound(address ?? "(unknown passkey)"), ip);
        await BestEffortAsync(() => audit.WriteAsync(address ?? "", "login.failed", "web", credential is null ? $"{how}: unknown passkey" : how, ip, cancellationToken)).ConfigureAwait(false);
        if (banned && address is not null)
            await BestEffortAsync(() => audit.WriteAsync(address, "account.lockout", "web", "too many failed logins", ip, cancellationToken)).ConfigureAwait(false);
        return new LoginResult(LoginStatus.Failed);
    }

    /// <summary>
    /// The last-login time and the audit rows are bookkeeping: when the store cannot write (a full
    /// disk), the sign-in still succeeds or fails on the credentials alone, so people can go on
    /// reading and deleting mail. The limiter lives in memory and keeps counting. Logged once when
    /// the writes start failing and once when they work again, not per attempt.
    /// </summary>
    private async Task BestEffortAsync(Func<Task> write)
    {
        try
        {
            await write().ConfigureAwait(false);
            if (Interlocked.Exchange(ref _bookkeepingFailing, 0) == 1)
                logger.LogInformation("Sign-in bookkeeping (last login, audit log) is written again");
        }
        catch (StoreUnavailableException e)
        {
            if (Interlocked.Exchange(ref _bookkeepingFailing, 1) == 0)
                logger.LogWarning(e, "Sign-in bookkeeping (last login, audit log) cannot be written; sign-ins go on without it until the store accepts writes again");
        }
    }

    private static AppPasswordProtocols ProtocolOf(string door) => door switch
    {
        "imap" => AppPasswordProtocols.Imap,
        // ManageSieve changes what happens to mail in the IMAP mailbox, and the programs that speak it
        // (Thunderbird's Sieve add-on, Roundcube) sit beside an IMAP client: an IMAP app password serves it.
        "managesieve" => AppPasswordProtocols.Imap,
        "pop3" => AppPasswordProtocols.Pop3,
        "smtp" => AppPasswordProtocols.Smtp,
        _ => AppPasswordProtocols.None,
    };

    /// <summary>
    /// A password just verified against a hash of an older scheme or cost is stored anew under today's
    /// (<see cref="PasswordHasher.NeedsRehash"/>): accounts move to Argon2id as their owners sign in.
    /// </summary>
    /// <returns>The hash now stored for the account.</returns>
    private async Task<string> UpgradeHashAsync(long accountId, string storedHash, string password, CancellationToken cancellationToken)
    {
        if (!PasswordHasher.NeedsRehash(storedHash))
            return storedHash;
        var upgraded = await InKdfSlotAsync(() => PasswordHasher.Hash(password), cancellationToken).ConfigureAwait(false);
        try
        {
            await directory.UpgradePasswordHashAsync(accountId, storedHash, upgraded, cancellationToken).ConfigureAwait(false);
            return upgraded;
        }
        catch (StoreUnavailableException e)
        {
            logger.LogDebug(e, "The stronger hash of account {AccountId} waits for its next sign-in: the store is unavailable", accountId);
            return storedHash;
        }
    }

    private Task<bool> VerifySlowlyAsync(string password, string storedHash, CancellationToken cancellationToken) =>
        InKdfSlotAsync(() => PasswordHasher.Verify(password, storedHash), cancellationToken);

    /// <summary>Runs a password hash in one of the few slots that bound how many run at once (each takes a core and 19 MiB).</summary>
    private async Task<T> InKdfSlotAsync<T>(Func<T> kdf, CancellationToken cancellationToken)
    {
        await _kdfSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return kdf();
        }
        finally
        {
            _kdfSlots.Release();
        }
    }
}
