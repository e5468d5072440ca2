using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Webmail.Core;
using Webmail.Core.Configuration;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Compose;

/// <summary>
/// What the composer page does, without the page: open a new message, a reply or forward, or a
/// draft; save the draft (a \Draft message in Drafts, replaced on each save); send through
/// <see cref="PipelineMessageSubmitter"/>; discard. Every call is scoped to the signed-in account.
/// </summary>
public sealed class ComposeService(
    IMailboxReader mailbox,
    IMailboxWriter changes,
    IComposeStore store,
    IDirectoryStore directory,
    PipelineMessageSubmitter submitter,
    AttachmentStaging staging,
    IHeldSubmissionStore held,
    HeldSendSignal heldSendSignal,
    TimeProvider time,
    IOptionsMonitor<WebmailOptions> options,
    ILogger<ComposeService> logger)
{
    public long MaxMessageSize => options.CurrentValue.Limits.MaxMessageSize;

    /// <summary>A blank message with the signature under room to write.</summary>
    public async Task<ComposeModel> NewAsync(long accountId, CancellationToken cancellationToken)
    {
        var settings = await directory.GetSettingsAsync(accountId, cancellationToken).ConfigureAwait(false);
        return new ComposeModel { Body = ReplyBuilder.SignatureBlock(settings.Signature) };
    }

    /// <summary>
    /// One of the account's messages, parsed through <see cref="MimeInput"/>'s bounds like every other
    /// view of stored mail: replying to or forwarding a hostile message (a 10 MB header field, half a
    /// million parts) must not cost minutes and gigabytes. Within bounds the parse is of the bytes as stored.
    /// </summary>
    private async Task<MimeMessage?> LoadAsync(long accountId, long messageId, CancellationToken cancellationToken)
    {
        var raw = await mailbox.GetRawAsync(accountId, messageId, cancellationToken).ConfigureAwait(false);
        return raw is null ? null : MimeInput.Load(raw, options.CurrentValue.Limits.MaxMimeDepth);
    }

    /// <summary>A reply, reply-all or forward of one of the account's messages; <c>null</c> when it does not exist.</summary>
    public async Task<ComposeModel?> RespondAsync(long accountId, long messageId, ComposeMode mode, string session, CancellationToken cancellationToken)
    {
        var original = await LoadAsync(accountId, messageId, cancellationToken).ConfigureAwait(false);
        if (original is null)
            return null;
        var settings = await directory.GetSettingsAsync(accountId, cancellationToken).ConfigureAwait(false);
        var own = await directory.GetSendAsAddressesAsync(accountId, cancellationToken).ConfigureAwait(false);
        var model = ReplyBuilder.Build(original, mode, own, settings.Signature, Webmail.Core.Accounts.UserTimeZone.Of(settings));
        model.OriginalId = messageId;
        if (mode == ComposeMode.Forward)
            await StageAttachmentsAsync(original, model, session, cancellationToken).ConfigureAwait(false);
        return model;
    }

    /// <summary>
    /// Reopens a stored draft with its fields, body, attachments and threading; <c>null</c> when the account
    /// has no such message in its Drafts folder. Only a message in Drafts is a draft: the composer deletes the
    /// draft it replaces, so opening any other message as one would delete that message on the first save.
    /// </summary>
    public async Task<ComposeModel?> OpenDraftAsync(long accountId, long draftId, string session, CancellationToken cancellationToken)
    {
        if (!await IsDraftAsync(accountId, draftId, cancellationToken).ConfigureAwait(false))
            return null;
        var draft = await LoadAsync(accountId, draftId, cancellationToken).ConfigureAwait(false);
        if (draft is null)
            return null;
        var model = new ComposeModel
        {
            DraftId = draftId,
            To = draft.Headers[MessageComposer.DraftToHeader] ?? draft.To.ToString(),
            Cc = draft.Headers[MessageComposer.DraftCcHeader] ?? draft.Cc.ToString(),
            Bcc = draft.Headers[MessageComposer.DraftBccHeader] ?? draft.Bcc.ToString(),
            Subject = draft.Subject ?? "",
            Body = draft.TextBody ?? "",
            InReplyTo = string.IsNullOrEmpty(draft.InReplyTo) ? null : draft.InReplyTo,
            Mode = Enum.TryParse<ComposeMode>(draft.Headers[MessageComposer.DraftModeHeader], out var mode) ? mode : ComposeMode.New,
            OriginalId = long.TryParse(draft.Headers[MessageComposer.DraftOriginalHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var original) ? original : null,
        };
        model.References.AddRange(draft.References);
        if (draft.HtmlBody is { } html)
        {
            model.Rich = true;
            model.Html = MessageComposer.SanitizeHtml(ExtractBody(html));
        }
        await StageAttachmentsAsync(draft, model, session, cancellationToken).ConfigureAwait(false);
        return model;
    }

    /// <summary>
    /// Saves the composer as a draft in Drafts, then removes the draft it replaces. The model is copied
    /// before the first await: what is saved is the model as it was when the call was made.
    /// </summary>
    public async Task SaveDraftAsync(long accountId, ComposeModel model, CancellationToken cancellationToken)
    {
        var content = model.Snapshot();
        var account = await RequireAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        using var message = MessageComposer.Build(account, content, asDraft: true, options.CurrentValue.Hostname);
        var raw = await ToBytesAsync(message, cancellationToken).ConfigureAwait(false);
        var drafts = await mailbox.GetSpecialFolderAsync(accountId, SpecialFolder.Drafts, cancellationToken).ConfigureAwait(false);
        // Append first, delete after: a crash between the two leaves two drafts, never none.
        var stored = await store.AppendAsync(accountId, drafts.Id, raw, MessageFlags.Draft | MessageFlags.Seen, null, enforceQuota: false, cancellationToken).ConfigureAwait(false);
        var previous = model.DraftId;
        model.DraftId = stored.Id;
        if (previous is { } old)
            await DeleteDraftAsync(accountId, old, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the message: at once when the account's undo-send delay is off, otherwise held for that many seconds
    /// (<see cref="HoldAsync"/>). Either way one code path builds and checks it first.
    /// </summary>
    /// <exception cref="ComposeException">The message cannot be sent as it is; the text says why.</exception>
    public async Task<SendOutcome> SendAsync(long accountId, ComposeModel model, CancellationToken cancellationToken)
    {
        var settings = await directory.GetSettingsAsync(accountId, cancellationToken).ConfigureAwait(false);
        if (settings.UndoSendSeconds <= 0)
            return new SendOutcome(await SendNowAsync(accountId, model, cancellationToken).ConfigureAwait(false), null);
        return await HoldAsync(accountId, model, TimeSpan.FromSeconds(settings.UndoSendSeconds), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds and submits the message now. The Send is one commit: the message is filed and queued, its draft
    /// removed (if still in Drafts), the original of a reply marked \Answered (of a forward, <c>$Forwarded</c>) and the event counted together,
    /// or, when anything fails or is refused, none of it.
    /// </summary>
    /// <exception cref="ComposeException">The message cannot be sent as it is; the text says why.</exception>
    public async Task<SubmitResult> SendNowAsync(long accountId, ComposeModel model, CancellationToken cancellationToken)
    {
        // Copied before the first await, as for a draft: the user may still be typing.
        var content = model.Snapshot();
        using var message = await BuildForSendingAsync(accountId, content, cancellationToken).ConfigureAwait(false);
        var changes = new SenderMailboxChanges(accountId, content.DraftId, OriginalMarks(content.OriginalId, content.Mode));
        var result = await submitter.SubmitAsync(accountId, message, changes, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
            return result;
        model.DraftId = null;
        logger.LogInformation("Account {AccountId} sent {MessageId}", accountId, message.MessageId);
        return result;
    }

    /// <summary>
    /// Undo send: checks the message as a Send would (addresses, size, unknown local recipients), then holds it for
    /// <paramref name="delay"/> — its draft removed in the same commit — for <see cref="HeldSendWorker"/> to release
    /// through the delivery pipeline, whether or not the page stays open.
    /// </summary>
    /// <exception cref="ComposeException">The message cannot be sent as it is; the text says why.</exception>
    public async Task<SendOutcome> HoldAsync(long accountId, ComposeModel model, TimeSpan delay, CancellationToken cancellationToken)
    {
        var content = model.Snapshot();
        using var message = await BuildForSendingAsync(accountId, content, cancellationToken).ConfigureAwait(false);
        var (_, refusal) = await submitter.ResolveAsync(message, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
            return new SendOutcome(refusal, null);
        var raw = await ToBytesAsync(message, cancellationToken).ConfigureAwait(false);
        var releaseAt = time.GetUtcNow() + delay;
        long id;
        try
        {
            id = await held.HoldAsync(new NewHeldSubmission(accountId, raw, releaseAt, content.OriginalId, content.Mode.ToString()), content.DraftId, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException e)
        {
            throw new ComposeException(e.Message);
        }
        heldSendSignal.Notify();
        model.DraftId = null;
        logger.LogInformation("Account {AccountId} sent {MessageId}, held {Id} until {ReleaseAt}", accountId, message.MessageId, id, releaseAt);
        return new SendOutcome(SubmitResult.Accepted, new HeldSend(id, releaseAt));
    }

    /// <summary>
    /// The worker's half of undo send: hands a claimed message to the delivery pipeline, whose commit deletes the hold.
    /// A message the pipeline refuses (the recipient's account was removed meanwhile, the sender disabled) goes back to
    /// Drafts, so nothing written is lost.
    /// </summary>
    public async Task<SubmitResult> ReleaseAsync(HeldSubmission submission, CancellationToken cancellationToken)
    {
        using var message = MimeInput.Load(submission.Raw, options.CurrentValue.Limits.MaxMimeDepth);
        var mode = ParseMode(submission.Mode);
        var changes = new SenderMailboxChanges(submission.AccountId, null, OriginalMarks(submission.OriginalId, mode), submission.Id);
        var result = await submitter.SubmitAsync(submission.AccountId, message, changes, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            logger.LogInformation("Released held message {Id} of account {AccountId}", submission.Id, submission.AccountId);
            return result;
        }
        logger.LogWarning("Held message {Id} of account {AccountId} was refused ({Reason}); it is back in Drafts", submission.Id, submission.AccountId, result.Error);
        await ToDraftsAsync(submission, claimed: true, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Undo: takes a held message back into Drafts; the new draft's id, or <c>null</c> when it already went (or is not the account's).</summary>
    public async Task<long?> UndoSendAsync(long accountId, long heldId, CancellationToken cancellationToken)
    {
        var submission = await held.GetAsync(accountId, heldId, cancellationToken).ConfigureAwait(false);
        if (submission is null)
            return null;
        var draft = await ToDraftsAsync(submission, claimed: false, cancellationToken).ConfigureAwait(false);
        if (draft is not null)
            logger.LogInformation("Account {AccountId} took back held message {Id} as draft {DraftId}", accountId, heldId, draft.Id);
        return draft?.Id;
    }

    private async Task<StoredMessage?> ToDraftsAsync(HeldSubmission submission, bool claimed, CancellationToken cancellationToken)
    {
        using var message = MimeInput.Load(submission.Raw, options.CurrentValue.Limits.MaxMimeDepth);
        MessageComposer.MakeDraft(message, ParseMode(submission.Mode), submission.OriginalId);
        var raw = await ToBytesAsync(message, cancellationToken).ConfigureAwait(false);
        return await held.ReturnToDraftsAsync(submission.AccountId, submission.Id, raw, claimed, cancellationToken).ConfigureAwait(false);
    }

    private static ComposeMode ParseMode(string mode) => Enum.TryParse<ComposeMode>(mode, out var parsed) ? parsed : ComposeMode.New;

    /// <summary>The message a Send would submit, checked: addresses and header safety (<see cref="MessageComposer.Build"/>) and the size limit.</summary>
    private async Task<MimeMessage> BuildForSendingAsync(long accountId, ComposeModel content, CancellationToken cancellationToken)
    {
        var account = await RequireAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        var message = MessageComposer.Build(account, content, asDraft: false, options.CurrentValue.Hostname);
        var size = await MeasureAsync(message, cancellationToken).ConfigureAwait(false);
        if (size > MaxMessageSize)
        {
            message.Dispose();
            throw new ComposeException($"The message is {Size(size)} with its attachments encoded; the limit is {Size(MaxMessageSize)}.");
        }
        return message;
    }

    /// <summary>What the Send marks on the message it answers or forwards: \Answered for a reply, <c>$Forwarded</c> for a forward.</summary>
    private static IReadOnlyList<FlagAddition> OriginalMarks(long? originalId, ComposeMode mode) => (originalId, mode) switch
    {
        ({ } original, ComposeMode.Reply or ComposeMode.ReplyAll) => [new FlagAddition(original, MessageFlags.Answered)],
        ({ } original, ComposeMode.Forward) => [new FlagAddition(original, MessageFlags.None, [WellKnownKeywords.Forwarded])],
        _ => [],
    };

    /// <summary>Deletes the stored draft, if any and if it is still in Drafts.</summary>
    public async Task DiscardAsync(long accountId, ComposeModel model, CancellationToken cancellationToken)
    {
        if (model.DraftId is { } draft)
            await DeleteDraftAsync(accountId, draft, cancellationToken).ConfigureAwait(false);
        model.DraftId = null;
    }

    /// <summary>True when <paramref name="messageId"/> is one of the account's messages and sits in its Drafts folder.</summary>
    public async Task<bool> IsDraftAsync(long accountId, long messageId, CancellationToken cancellationToken)
    {
        var summary = await mailbox.GetSummaryAsync(accountId, messageId, cancellationToken).ConfigureAwait(false);
        if (summary is null)
            return false;
        var drafts = await mailbox.GetSpecialFolderAsync(accountId, SpecialFolder.Drafts, cancellationToken).ConfigureAwait(false);
        return summary.FolderId == drafts.Id;
    }

    /// <summary>
    /// Deletes a draft this composer stored — unless it has left Drafts meanwhile (moved to another folder
    /// from another tab): then it is the user's message now and stays.
    /// </summary>
    private async Task DeleteDraftAsync(long accountId, long draftId, CancellationToken cancellationToken)
    {
        if (await IsDraftAsync(accountId, draftId, cancellationToken).ConfigureAwait(false))
            await changes.DeleteAsync(accountId, [draftId], cancellationToken).ConfigureAwait(false);
        else
            logger.LogInformation("Draft {MessageId} of account {AccountId} is no longer in Drafts; left in place", draftId, accountId);
    }

    /// <summary>Recipient suggestions: addresses the account has exchanged mail with, then matching local accounts; never the account's own.</summary>
    public async Task<IReadOnlyList<string>> SuggestAsync(long accountId, string prefix, int limit, CancellationToken cancellationToken)
    {
        prefix = prefix.Trim();
        if (prefix.Length == 0)
            return [];
        // Seeded with the account's own addresses and aliases, so neither list offers them.
        var seen = new HashSet<string>(await directory.GetSendAsAddressesAsync(accountId, cancellationToken).ConfigureAwait(false), StringComparer.OrdinalIgnoreCase);
        var history = await store.SuggestAddressesAsync(accountId, prefix, limit, cancellationToken).ConfigureAwait(false);
        var result = history.Where(seen.Add).ToList();
        var local = await directory.ListAccountsAsync(prefix, 0, limit, cancellationToken).ConfigureAwait(false);
        foreach (var account in local.Items.Where(a => !a.IsDisabled && seen.Add(a.Address)))
        {
            if (result.Count >= limit)
                break;
            if (AddressSuggestions.Match(account.Address, account.DisplayName, AddressSuggestions.Fold(prefix)) > 0)
                result.Add(string.IsNullOrEmpty(account.DisplayName) ? account.Address : AddressSuggestions.Format(account.DisplayName, account.Address));
        }
        return result;
    }

    public static string Size(long bytes) => ByteSize.Format(bytes);

    private async Task<Account> RequireAccountAsync(long accountId, CancellationToken cancellationToken) =>
        await directory.GetAccountAsync(accountId, cancellationToken).ConfigureAwait(false) ?? throw new ComposeException("The account no longer exists.");

    private async Task StageAttachmentsAsync(MimeMessage source, ComposeModel model, string session, CancellationToken cancellationToken)
    {
        foreach (var part in source.Attachments.OfType<MimePart>())
        {
            if (part.Content is null)
                continue;
            await using var content = part.Content.Open();
            var attachment = await staging.StageAsync(session, content, part.FileName ?? "attachment", part.ContentType.MimeType, null, cancellationToken).ConfigureAwait(false);
            model.Attachments.Add(attachment);
        }
    }

    private static string ExtractBody(string html)
    {
        var start = html.IndexOf("<body>", StringComparison.OrdinalIgnoreCase);
        var end = html.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        return start >= 0 && end > start ? html[(start + 6)..end] : html;
    }

    private static async Task<byte[]> ToBytesAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await message.WriteToAsync(MessageComposer.StorageFormat, buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static async Task<long> MeasureAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        await using var counter = new MimeKit.IO.MeasuringStream();
        await message.WriteToAsync(MessageComposer.StorageFormat, counter, cancellationToken).ConfigureAwait(false);
        return counter.Length;
    }
}
