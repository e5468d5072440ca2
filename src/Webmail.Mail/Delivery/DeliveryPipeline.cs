using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Accounts;
using Webmail.Core.Configuration;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;

namespace Webmail.Mail.Delivery;

/// <summary>
/// The one delivery path of the server. SMTP submission and web compose call
/// <see cref="SubmitAsync(SubmissionEnvelope, ReadOnlyMemory{byte}, CancellationToken)"/>; the inbound SMTP listener calls <see cref="ReceiveAsync(InboundEnvelope, ReadOnlyMemory{byte}, CancellationToken)"/>. Each
/// message is committed with a single <see cref="IDeliveryStore.DeliverAsync"/>: when the task
/// completes successfully, every local copy, every queue entry, the dashboard counts and the
/// sender's other changes (<see cref="SubmissionEnvelope.SenderChanges"/>) are durable. Store failures
/// propagate (callers answer a temporary failure, never success).
/// </summary>
public sealed class DeliveryPipeline(
    IDeliveryStore store,
    IDirectoryStore directory,
    Outbound.OutboundQueueService outboundQueue,
    IOptionsMonitor<WebmailOptions> options,
    TimeProvider time,
    ILogger<DeliveryPipeline> logger,
    Filters.SieveDelivery? sieve = null,
    Core.Filters.SieveScriptService? sieveScripts = null,
    Filters.SrsRewriter? srs = null,
    Authentication.SenderAuthenticator? senderAuthenticator = null,
    IContentScanner? scanner = null,
    IInboundFilterCounter? counter = null,
    SenderListService? senderLists = null)
{
    /// <summary>
    /// Most lines starting with <c>--</c> (a superset of MIME boundary lines) in a message with remote
    /// recipients: ten times what the display bounds parse, far above real mail (a forward of a message
    /// with a thousand attachments passes).
    /// </summary>
    public const int MaxOutboundMimeParts = 10_000;

    // One reference, swapped whole: a reader never pairs one configuration's list with another's parse.
    private TrustedCache _trusted = new(null, TrustedNetworks.None);

    private sealed record TrustedCache(List<string>? Source, TrustedNetworks Parsed);

    /// <summary><c>Webmail:Smtp:TrustedNetworks</c>, parsed again whenever the configuration changes.</summary>
    /// <exception cref="FormatException">An entry is not an address or CIDR block.</exception>
    public TrustedNetworks TrustedNetworks
    {
        get
        {
            var source = options.CurrentValue.Smtp.TrustedNetworks;
            var cached = _trusted;
            if (ReferenceEquals(cached.Source, source))
                return cached.Parsed;
            var parsed = TrustedNetworks.Parse(source);
            _trusted = new TrustedCache(source, parsed);
            return parsed;
        }
    }

    /// <summary>
    /// The inbound sender rule, for every door that takes unauthenticated mail: an address in one of our
    /// own domains may be claimed (as envelope sender, <c>From:</c> or <c>Sender:</c>) only by mail from a
    /// trusted network; our users' mail comes through authenticated submission. The null sender
    /// (empty, RFC 5321 §4.5.5: bounces) is always allowed.
    /// </summary>
    /// <returns>The first local address claimed from outside, or null when the mail may pass.</returns>
    public async Task<string?> FindForgedLocalSenderAsync(IEnumerable<string> addresses, IPAddress? remote, CancellationToken cancellationToken)
    {
        if (TrustedNetworks.Contains(remote))
            return null;
        // Each domain is asked once: the envelope sender and From usually share it (DomainsIn gives lower case).
        var asked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var address in addresses)
        {
            foreach (var domain in DomainsIn(address))
            {
                if (asked.Add(domain) && await directory.FindDomainAsync(domain, cancellationToken).ConfigureAwait(false) is not null)
                    return address;
            }
        }
        return null;
    }

    /// <summary>
    /// The domains an originator value names: the part after each <c>@</c>. An address MimeKit parsed has
    /// one; a field it could not parse may still show a mail client an address, so every <c>@domain</c> in
    /// its text counts.
    /// </summary>
    internal static IEnumerable<string> DomainsIn(string value)
    {
        for (var at = value.IndexOf('@'); at >= 0; at = value.IndexOf('@', at + 1))
        {
            var end = at + 1;
            while (end < value.Length && (char.IsAsciiLetterOrDigit(value[end]) || value[end] is '.' or '-' or '_'))
                end++;
            var domain = value[(at + 1)..end].TrimEnd('.').ToLowerInvariant();
            if (domain.Length > 0)
                yield return domain;
        }
    }

    /// <summary>How <paramref name="address"/> would be delivered; used to answer RCPT TO.</summary>
    /// <param name="size">The size the client declared (0 when unknown), for the quota check.</param>
    public async Task<RecipientCheck> CheckRecipientAsync(string address, long size, CancellationToken cancellationToken)
    {
        var resolution = await ResolveAsync(address, cancellationToken).ConfigureAwait(false);
        var full = resolution.Kind == RecipientKind.Local && resolution.Accounts.Any(a => a.QuotaBytes > 0 && a.UsedBytes + Math.Max(size, 1) > a.QuotaBytes);
        return new RecipientCheck(resolution.Kind, resolution.Accounts, full, resolution.ForwardTo);
    }

    /// <summary>
    /// Mail from outside: checks who sent it (SPF, DKIM, ARC, DMARC: one <c>Authentication-Results</c> field), asks the
    /// content scanner if one is registered, applies each recipient's allow and block lists, runs each recipient's Sieve
    /// script, and files one copy per distinct local mailbox behind the recipients (aliases expanded) — into INBOX, or
    /// Junk for mail judged spam or quarantined — in one commit. DESIGN.md: where the checks sit.
    /// </summary>
    public async Task<DeliveryOutcome> ReceiveAsync(InboundEnvelope envelope, ReadOnlySequence<byte> message, CancellationToken cancellationToken)
    {
        var headers = SubmittedHeaders.Read(message, options.CurrentValue.Limits.MaxMimeDepth);
        var remoteIp = envelope.Origin.RemoteIp;
        if (await FindForgedLocalSenderAsync(headers.Originators.Prepend(envelope.MailFrom), remoteIp, cancellationToken).ConfigureAwait(false) is { } forged)
        {
            logger.LogWarning("Refused mail from {RemoteIp} claiming the local sender {Sender} without authentication", remoteIp, LogText.Bound(forged));
            return new DeliveryOutcome(DeliveryStatus.LocalSenderNotAuthenticated, Detail: LogText.Bound(forged));
        }
        // SRS return paths of ours (bounces of forwarded mail) go on to the original senders, in the same commit.
        var returns = new List<string>();
        var accounts = await ResolveLocalAsync(envelope.Recipients, envelope.Resolved, returns, cancellationToken).ConfigureAwait(false);
        if (accounts.Count == 0 && returns.Count == 0)
            return new DeliveryOutcome(DeliveryStatus.NoRecipients);
        if (returns.Count > 0 && MimeInput.CountBoundaryLines(message, MaxOutboundMimeParts) > MaxOutboundMimeParts)
            return new DeliveryOutcome(DeliveryStatus.TooComplex, Detail: $"more than {MaxOutboundMimeParts:N0} MIME parts");

        var now = time.GetUtcNow();
        var id = NewId();
        var hostname = options.CurrentValue.Hostname;

        // Who sent it. The checks see the message as it arrived.
        var authentication = senderAuthenticator is null ? null
            : await senderAuthenticator.AuthenticateAsync(message, headers.From, envelope.MailFrom, remoteIp, envelope.Origin.HeloName, envelope.Spf,
                TrustedNetworks.Contains(remoteIp), envelope.DnsBudget ?? senderAuthenticator.StartBudget(), cancellationToken).ConfigureAwait(false);
        string? quarantine = null;
        switch (authentication?.Decision)
        {
            case Authentication.SenderDecision.TempFail:
                logger.LogInformation("Deferred {Id} from {MailFrom}: {Reason}", id, LogText.Bound(envelope.MailFrom), authentication.Detail);
                await CountAsync("tempfailed", authentication.Spf?.Verdict == Authentication.SpfVerdict.TempError ? "spf" : "dmarc").ConfigureAwait(false);
                return new DeliveryOutcome(DeliveryStatus.Deferred, Detail: authentication.Detail);
            case Authentication.SenderDecision.Reject:
                logger.LogInformation("Refused {Id} from {MailFrom}: {Reason}", id, LogText.Bound(envelope.MailFrom), authentication.Detail);
                await CountAsync("rejected", "dmarc").ConfigureAwait(false);
                return new DeliveryOutcome(DeliveryStatus.Rejected, Detail: authentication.Detail);
            case Authentication.SenderDecision.Quarantine:
                quarantine = "dmarc";
                break;
        }

        // What it says: the content scanner (rspamd), when one is registered.
        var verdict = ScanVerdict.NotScanned;
        if (scanner is not null)
        {
            verdict = await scanner.ScanAsync(new ScanRequest(envelope.MailFrom, envelope.Recipients, remoteIp, envelope.Origin.HeloName, id), message, cancellationToken).ConfigureAwait(false);
            switch (verdict.Action)
            {
                case ScanAction.Reject:
                    logger.LogInformation("Refused {Id} from {MailFrom}: content scanner score {Score}", id, LogText.Bound(envelope.MailFrom), verdict.Score);
                    await CountAsync("rejected", "rspamd").ConfigureAwait(false);
                    return new DeliveryOutcome(DeliveryStatus.Rejected, Detail: verdict.Reason ?? "Message rejected as spam");
                case ScanAction.TempFail:
                    await CountAsync("tempfailed", "rspamd").ConfigureAwait(false);
                    return new DeliveryOutcome(DeliveryStatus.Deferred, Detail: verdict.Reason ?? "Message deferred by the spam filter, try again later");
                case ScanAction.Junk:
                    quarantine ??= "spam";
                    break;
            }
        }

        var received = TraceHeaders.Received(hostname, envelope.Origin, authenticated: false, envelope.Recipients, id, now);
        var spam = scanner is not null && !ReferenceEquals(verdict, ScanVerdict.NotScanned) ? SpamHeaders.Of(verdict) : "";
        // RFC 8601 §5: results that claim to be ours but came with the message are forgeries, and so are X-Spam-* fields
        // when a scanner writes them. Our fields go on top, above the trace fields (RFC 8601 §5: near the top).
        var raw = TraceHeaders.Prepend(spam + authentication?.Header + received, message,
            AuthenticationResultsFilter.FindOurs(message, hostname, spamFields: scanner is not null));

        var senders = headers.From.Prepend(envelope.MailFrom).Where(a => a.Contains('@')).Select(a => a.ToLowerInvariant()).Distinct().ToList();
        var folders = await JunkOrInboxAsync(accounts, senders, quarantine, authentication, cancellationToken).ConfigureAwait(false);
        var filtered = await FilterAsync(accounts, envelope.MailFrom, auth: null, raw, now, cancellationToken, folders).ConfigureAwait(false);
        // RFC 5429 §2.1: a refusal is best made in the SMTP transaction. After DATA there is one reply for every
        // recipient, so that is possible only when every recipient's script refuses; otherwise the MDN is sent.
        if (accounts.Count > 0 && filtered.Plans.Count == accounts.Count && filtered.Plans.Values.All(p => p?.RejectReason is not null))
        {
            var reason = filtered.Plans.Values.First()!.RejectReason!;
            logger.LogInformation("Refused {Id} from {MailFrom}: every recipient's Sieve script rejects it", id, LogText.Bound(envelope.MailFrom));
            return new DeliveryOutcome(DeliveryStatus.Rejected, Detail: reason);
        }
        var mailboxes = filtered.Mailboxes();
        var outbound = returns.Count > 0 ? new OutboundEnvelope(envelope.MailFrom, returns, SenderAccountId: null) : null;
        var receipt = await store.DeliverAsync(new DeliveryRequest(raw, mailboxes, outbound, Generated: filtered.Generated()), cancellationToken).ConfigureAwait(false);
        if (receipt.QueueEntryIds.Count > 0)
            outboundQueue.Wake();
        await RecordSieveErrorsAsync(filtered, mailboxes, receipt, skip: 0, now).ConfigureAwait(false);
        var refused = RefusedOwners(mailboxes, receipt, skip: 0);
        foreach (var (accountId, (_, reason)) in folders)
        {
            if (reason is not null && !refused.Contains(accountId))
                await CountAsync("quarantined", reason).ConfigureAwait(false);
        }
        var stored = accounts.Count - refused.Count;
        logger.LogInformation("Received {Id} from {MailFrom} for {Mailboxes} mailbox(es), {Refused} over quota, {Returns} SRS return(s), {Size} bytes",
            id, LogText.Bound(envelope.MailFrom), stored, refused.Count, returns.Count, raw.Length);
        return stored == 0 && returns.Count == 0
            ? new DeliveryOutcome(DeliveryStatus.QuotaExceeded, receipt, refused)
            : new DeliveryOutcome(DeliveryStatus.Delivered, receipt, refused, id);
    }

    /// <summary>
    /// Each account's folder before Sieve, with the reason when it is Junk (<c>dmarc</c>, <c>spam</c>, <c>blocklist</c>).
    /// The account's lists decide first: a block sends it to Junk; an allow keeps it out of Junk, but only for a sender
    /// whose domain authenticated it (aligned SPF or DKIM), since a From: is easy to forge — and a DMARC reject has
    /// already refused the message before this point.
    /// </summary>
    private async Task<Dictionary<long, (SpecialFolder Folder, string? Reason)>> JunkOrInboxAsync(List<(Account Account, string Recipient)> accounts, List<string> senders,
        string? quarantine, Authentication.SenderAuthentication? authentication, CancellationToken cancellationToken)
    {
        var folders = new Dictionary<long, (SpecialFolder, string?)>(accounts.Count);
        foreach (var (account, _) in accounts)
        {
            var listed = senderLists is null || senders.Count == 0 ? null
                : SenderListService.Match(await senderLists.ListAsync(account.Id, cancellationToken).ConfigureAwait(false), senders);
            var authenticated = authentication is null || authentication.Dmarc is null || authentication.AuthorAuthenticated;
            folders[account.Id] = listed switch
            {
                SenderListKind.Block => (SpecialFolder.Junk, "blocklist"),
                SenderListKind.Allow when authenticated => (SpecialFolder.Inbox, null),
                _ => quarantine is null ? (SpecialFolder.Inbox, null) : (SpecialFolder.Junk, quarantine),
            };
        }
        return folders;
    }

    /// <summary>Tells the dashboard's counter, if there is one; a failure to count never fails a delivery.</summary>
    private async Task CountAsync(string outcome, string reason)
    {
        if (counter is null)
            return;
        try
        {
            await counter.CountAsync(outcome, reason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Could not count {Outcome} ({Reason})", outcome, reason);
        }
    }

    /// <summary>
    /// Mail an account sends. Checks that the envelope sender and every <c>From:</c> address are
    /// the account's own or its aliases', adds <c>Message-ID</c> and <c>Date</c> when missing,
    /// prepends <c>Received</c>, and in one commit files a \Seen copy in the sender's Sent folder,
    /// delivers local recipients to their INBOX, queues the remote ones, counts the event and makes
    /// the envelope's <see cref="SubmissionEnvelope.SenderChanges"/>. Refused, it changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The sender changes are for another account than the envelope's.</exception>
    public async Task<DeliveryOutcome> SubmitAsync(SubmissionEnvelope envelope, ReadOnlySequence<byte> message, CancellationToken cancellationToken)
    {
        if (envelope.SenderChanges is { } changes && changes.AccountId != envelope.AccountId)
            throw new ArgumentException("The sender changes must be the submitting account's.", nameof(envelope));
        var account = await directory.GetAccountAsync(envelope.AccountId, cancellationToken).ConfigureAwait(false);
        if (account is null || account.IsDisabled)
            return new DeliveryOutcome(DeliveryStatus.AccountDisabled);

        var sendAs = new HashSet<string>(await directory.GetSendAsAddressesAsync(account.Id, cancellationToken).ConfigureAwait(false), StringComparer.OrdinalIgnoreCase);
        var headers = SubmittedHeaders.Read(message, options.CurrentValue.Limits.MaxMimeDepth);
        var mailFrom = envelope.MailFrom ?? headers.From.FirstOrDefault() ?? account.Address;
        // The one address check of submission: the envelope sender and every originator field (From, Sender).
        if (headers.Originators.Prepend(mailFrom).FirstOrDefault(a => !sendAs.Contains(a)) is { } foreign)
            return new DeliveryOutcome(DeliveryStatus.SenderNotAllowed, Detail: "not the account's address: " + LogText.Bound(foreign));

        var remote = new List<string>();
        var accounts = await ResolveLocalAsync(envelope.Recipients, envelope.Resolved, remote, cancellationToken).ConfigureAwait(false);
        if (accounts.Count == 0 && remote.Count == 0)
            return new DeliveryOutcome(DeliveryStatus.NoRecipients);
        // The outbound queue parses a message whole to sign and send it, at about 3 KB and 50 µs a
        // part (MimeInput's measurements): a part bomb is refused here, before anything is accepted.
        if (remote.Count > 0 && MimeInput.CountBoundaryLines(message, MaxOutboundMimeParts) > MaxOutboundMimeParts)
            return new DeliveryOutcome(DeliveryStatus.TooComplex, Detail: $"more than {MaxOutboundMimeParts:N0} MIME parts");

        var now = time.GetUtcNow();
        var id = NewId();
        var hostname = options.CurrentValue.Hostname;
        var prefix = new StringBuilder(TraceHeaders.Received(hostname, envelope.Origin, authenticated: true, envelope.Recipients, id, now));
        // RFC 6409 §8.3, §8.1: a submission server may add a missing Message-ID and Date.
        var messageId = headers.MessageId;
        if (messageId is null)
        {
            messageId = TraceHeaders.NewMessageId(hostname);
            prefix.Append("Message-ID: ").Append(messageId).Append("\r\n");
        }
        if (!headers.HasDate)
            prefix.Append("Date: ").Append(TraceHeaders.Date(now)).Append("\r\n");
        if (headers.From.Count == 0)
            prefix.Append("From: <").Append(mailFrom).Append(">\r\n");
        // RFC 8601 §5 again: a client's Authentication-Results under our name would be believed by the local recipients.
        var raw = TraceHeaders.Prepend(prefix.ToString(), message, AuthenticationResultsFilter.FindOurs(message, hostname));

        // Local recipients' scripts see the message as they will store it; a reject here is always an MDN (the
        // sender is our own user, who reads it in the INBOX).
        var filtered = await FilterAsync(accounts, mailFrom, auth: account.Address, raw, now, cancellationToken).ConfigureAwait(false);
        // The Sent copy is always stored (no quota), so it counts the one Sent event of the submission.
        var mailboxes = new List<MailboxDelivery>(accounts.Count + 1) { new(account.Id, SpecialFolder.Sent, MessageFlags.Seen, EnforceQuota: false, Counts: MailEventKind.Sent) };
        mailboxes.AddRange(filtered.Mailboxes());
        var outbound = remote.Count > 0 ? new OutboundEnvelope(mailFrom, remote, account.Id) : null;
        var receipt = await store.DeliverAsync(new DeliveryRequest(raw, mailboxes, outbound, envelope.SenderChanges, filtered.Generated()), cancellationToken).ConfigureAwait(false);
        if (receipt.QueueEntryIds.Count > 0)
            outboundQueue.Wake(); // deliver remote recipients now rather than at the next poll
        await RecordSieveErrorsAsync(filtered, mailboxes, receipt, skip: 1, now).ConfigureAwait(false);

        var refused = RefusedOwners(mailboxes, receipt, skip: 1);
        logger.LogInformation("Submitted {Id} by {Account} via {Via}: {Local} local, {Remote} remote, {Refused} over quota, {Size} bytes",
            id, account.Address, envelope.Origin.Via, accounts.Count - refused.Count, remote.Count, refused.Count, raw.Length);
        return new DeliveryOutcome(DeliveryStatus.Delivered, receipt, refused, messageId);
    }

    /// <summary>Submits a message held in memory (web compose).</summary>
    public Task<DeliveryOutcome> SubmitAsync(SubmissionEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        SubmitAsync(envelope, new ReadOnlySequence<byte>(message), cancellationToken);

    /// <summary>Receives a message held in memory.</summary>
    public Task<DeliveryOutcome> ReceiveAsync(InboundEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        ReceiveAsync(envelope, new ReadOnlySequence<byte>(message), cancellationToken);

    /// <summary>
    /// The distinct local accounts behind the recipients, each with the first recipient address that reached it
    /// (Sieve's envelope "to"); remote addresses go to <paramref name="remote"/> when given.
    /// </summary>
    private async Task<List<(Account Account, string Recipient)>> ResolveLocalAsync(IReadOnlyList<string> recipients, IReadOnlyDictionary<string, RecipientResolution>? resolved, List<string>? remote, CancellationToken cancellationToken)
    {
        var accounts = new List<(Account, string)>(recipients.Count);
        var seen = new HashSet<long>();
        var seenRemote = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var recipient in recipients)
        {
            var resolution = resolved is not null && resolved.TryGetValue(recipient, out var known)
                ? known
                : await ResolveAsync(recipient, cancellationToken).ConfigureAwait(false);
            switch (resolution.Kind)
            {
                case RecipientKind.Local:
                    accounts.AddRange(resolution.Accounts.Where(a => seen.Add(a.Id)).Select(a => (a, recipient)));
                    break;
                case RecipientKind.RemoteDomain when remote is not null && AddressRules.TryNormalizeAddress(recipient, out var normalized) && seenRemote.Add(normalized):
                    remote.Add(normalized);
                    break;
                case RecipientKind.ReturnPath when remote is not null && seenRemote.Add(resolution.ForwardTo!):
                    remote.Add(resolution.ForwardTo!);
                    break;
                default:
                    logger.LogDebug("Skipped recipient {Recipient}: {Kind}", LogText.Bound(recipient), resolution.Kind);
                    break;
            }
        }
        return accounts;
    }

    /// <summary>
    /// Resolves through the directory; <c>postmaster@</c> a local domain that has no such account or
    /// alias goes to the administrators, since RFC 5321 §4.5.1 requires it to be accepted.
    /// </summary>
    private async Task<RecipientResolution> ResolveAsync(string address, CancellationToken cancellationToken)
    {
        var resolution = await directory.ResolveRecipientAsync(address, cancellationToken).ConfigureAwait(false);
        if (resolution.Kind == RecipientKind.UnknownUser && srs is not null && await srs.ReverseAsync(address, cancellationToken).ConfigureAwait(false) is { } original)
            return await ReturnPathAsync(original, cancellationToken).ConfigureAwait(false);
        if (resolution.Kind != RecipientKind.UnknownUser || !AddressRules.LocalPartOf(address).Equals("postmaster", StringComparison.OrdinalIgnoreCase))
            return resolution;
        var admins = new List<Account>();
        for (var page = 0; admins.Count == 0; page++)
        {
            var accounts = await directory.ListAccountsAsync(null, page, 200, cancellationToken).ConfigureAwait(false);
            admins.AddRange(accounts.Items.Where(a => a.IsAdmin && !a.IsDisabled));
            if ((page + 1) * 200 >= accounts.Total)
                break;
        }
        return admins.Count > 0 ? new RecipientResolution(RecipientKind.Local, admins) : resolution;
    }

    /// <summary>
    /// Where mail to one of our SRS addresses goes: the original sender's own domain (relayed), or, when that sender
    /// was local, its accounts. One level only: an SRS address inside another is not unwrapped again.
    /// </summary>
    private async Task<RecipientResolution> ReturnPathAsync(string original, CancellationToken cancellationToken)
    {
        if (!AddressRules.TryNormalizeAddress(original, out var normalized))
            return RecipientResolution.Unknown;
        var resolution = await directory.ResolveRecipientAsync(normalized, cancellationToken).ConfigureAwait(false);
        return resolution.Kind switch
        {
            RecipientKind.RemoteDomain => new RecipientResolution(RecipientKind.ReturnPath, [], normalized),
            RecipientKind.Local => resolution,
            _ => RecipientResolution.Unknown,
        };
    }

    /// <summary>
    /// Each account's Sieve plan (null: no active script, INBOX as always). Runs after the checks above and before
    /// the commit, which then carries everything the scripts decided (DESIGN: where the checks sit).
    /// </summary>
    /// <param name="folders">Each account's folder for keep (INBOX when not given); a script's fileinto wins over it.</param>
    private async Task<FilterResults> FilterAsync(List<(Account Account, string Recipient)> accounts, string mailFrom, string? auth, byte[] raw, DateTimeOffset now, CancellationToken cancellationToken,
        Dictionary<long, (SpecialFolder Folder, string? Reason)>? folders = null)
    {
        var plans = new Dictionary<long, Filters.SievePlan?>(accounts.Count);
        var keep = new Dictionary<long, SpecialFolder>(accounts.Count);
        var arriving = new Filters.ArrivingMessage(raw);
        foreach (var (account, recipient) in accounts)
        {
            keep[account.Id] = folders is not null && folders.TryGetValue(account.Id, out var folder) ? folder.Folder : SpecialFolder.Inbox;
            plans[account.Id] = sieve is null ? null : await sieve.PlanAsync(account, recipient, mailFrom, auth, arriving, now, cancellationToken, keep[account.Id]).ConfigureAwait(false);
        }
        return new FilterResults(accounts.Select(a => a.Account).ToList(), plans, keep);
    }

    private sealed record FilterResults(List<Account> Accounts, Dictionary<long, Filters.SievePlan?> Plans, Dictionary<long, SpecialFolder> Keep)
    {
        /// <summary>The copies to store: the plans', or a copy in the keep folder (INBOX, or Junk) for an account without a script.</summary>
        public List<MailboxDelivery> Mailboxes() =>
            Accounts.SelectMany(a => Plans[a.Id] is { } plan ? plan.Copies : [new MailboxDelivery(a.Id, Keep[a.Id], Counts: MailEventKind.Received)]).ToList();

        public List<GeneratedMessage>? Generated()
        {
            var generated = Plans.Values.OfType<Filters.SievePlan>()
                .SelectMany(p => p.RejectionNotice is { } notice ? p.Generated.Append(notice) : p.Generated).ToList();
            return generated.Count > 0 ? generated : null;
        }
    }

    /// <summary>The accounts whose copies were refused for quota (their whole delivery, scripts' messages included).</summary>
    private static List<long> RefusedOwners(List<MailboxDelivery> mailboxes, DeliveryReceipt receipt, int skip) =>
        mailboxes.Select((m, i) => (m, i)).Skip(skip).Where(x => receipt.Mailboxes[x.i].QuotaExceeded).Select(x => x.m.OwnerId).Distinct().ToList();

    /// <summary>
    /// After the commit: what each script failed with (its run, a redirect not made, a fileinto to a missing folder)
    /// is recorded for the user to see. A failure to record is logged; the message is already delivered.
    /// </summary>
    private async Task RecordSieveErrorsAsync(FilterResults filtered, List<MailboxDelivery> mailboxes, DeliveryReceipt receipt, int skip, DateTimeOffset now)
    {
        if (sieveScripts is null)
            return;
        foreach (var (accountId, plan) in filtered.Plans)
        {
            if (plan is null)
                continue;
            var errors = plan.Errors.ToList();
            for (var i = skip; i < mailboxes.Count; i++)
            {
                if (mailboxes[i].AccountId == accountId && mailboxes[i].OwnerId == accountId && receipt.Mailboxes[i].FolderMissing)
                    errors.Add($"fileinto \"{mailboxes[i].FolderPath}\": no such folder (use :create to make it); filed into INBOX");
            }
            if (errors.Count == 0)
                continue;
            try
            {
                await sieveScripts.RecordErrorAsync(accountId, plan.ScriptName, string.Join("; ", errors), now, CancellationToken.None).ConfigureAwait(false);
            }
            catch (StoreUnavailableException e)
            {
                logger.LogWarning(e, "Could not record the Sieve error of account {AccountId}", accountId);
            }
        }
    }

    private static string NewId() => Guid.NewGuid().ToString("N")[..16];
}
