using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Webmail.Compose;
using Webmail.Core.Configuration;
using Webmail.Core.Messages;
using Webmail.Core.Storage;

namespace Webmail.Invites;

/// <summary>
/// Accept / Tentative / Decline on an invitation: reads the invite from the stored message (never from the page),
/// builds the iTIP REPLY (<see cref="InviteReply"/>) and sends it to the organizer through
/// <see cref="PipelineMessageSubmitter"/> — the composer's Send path, so the sender check, the Sent copy, local
/// delivery and the outbound queue are the ones every message goes through.
/// </summary>
public sealed class InviteResponder(
    IMailboxReader mailbox,
    IDirectoryStore directory,
    PipelineMessageSubmitter submitter,
    TimeProvider time,
    IOptionsMonitor<WebmailOptions> options,
    ILogger<InviteResponder> logger)
{
    /// <summary>Sends the account's answer to the invitation in message <paramref name="messageId"/>.</summary>
    /// <returns>Accepted, or refused with the reason (no such message, no invitation to answer, or what the pipeline said).</returns>
    public async Task<SubmitResult> RespondAsync(long accountId, long messageId, InviteResponse response, CancellationToken cancellationToken)
    {
        var raw = await mailbox.GetRawAsync(accountId, messageId, cancellationToken).ConfigureAwait(false);
        var message = raw is null ? null : MimeInput.Load(raw, options.CurrentValue.Limits.MaxMimeDepth);
        if (message is null)
            return SubmitResult.Refused("The message does not exist any more.");
        var parts = message.BodyParts.OfType<MimePart>().ToList();
        var found = CalendarInvite.FindPart(parts);
        var invite = found is null ? null : CalendarInvite.Parse(found.Value.Text);
        var calendar = found is null ? null : CalendarInvite.Load(found.Value.Text);
        var request = calendar is null ? null : CalendarInvite.MainEvent(calendar);
        if (invite is not { Method: InviteMethod.Request, Organizer: { } organizer } || request is null)
            return SubmitResult.Refused("There is no invitation to answer in this message.");
        if (!MailboxAddress.TryParse(organizer.Address, out var organizerAddress) || string.IsNullOrEmpty(organizerAddress.Address))
            return SubmitResult.Refused("The invitation's organizer has no mail address.");
        organizerAddress.Name = organizer.Name;

        var account = await directory.GetAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        if (account is null)
            return SubmitResult.Refused("The account no longer exists.");
        var from = await AttendeeAsync(accountId, account.Address, invite, cancellationToken).ConfigureAwait(false);
        var attendee = new MailboxAddress(account.DisplayName, from);

        var ics = InviteReply.BuildCalendar(request, attendee, response, time.GetUtcNow());
        using var reply = InviteReply.BuildMessage(attendee, organizerAddress, invite.Title, response, ics, options.CurrentValue.Hostname);
        var result = await submitter.SubmitAsync(accountId, reply, null, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
            logger.LogInformation("Account {AccountId} answered invitation {Uid} with {PartStat}", accountId, invite.Uid, InviteReply.PartStat(response));
        return result;
    }

    /// <summary>
    /// The address the account answers as: the attendee line that is one of its own addresses (an alias the invite
    /// went to), else its own address (an invite that reached it through a list or a forward).
    /// </summary>
    private async Task<string> AttendeeAsync(long accountId, string accountAddress, CalendarInvite invite, CancellationToken cancellationToken)
    {
        var own = await directory.GetSendAsAddressesAsync(accountId, cancellationToken).ConfigureAwait(false);
        foreach (var attendee in invite.Attendees)
        {
            var match = own.FirstOrDefault(a => string.Equals(a, attendee.Address, StringComparison.OrdinalIgnoreCase));
            if (match is not null)
                return match;
        }
        return accountAddress;
    }
}
