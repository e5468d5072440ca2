namespace Webmail.Core.Storage;

/// <summary>
/// What the spam filter keeps (docs/smtp.md, "Spam filtering with rspamd"): the inbound checks' counts per day for the
/// admin dashboard, and what rspamd was taught about each message, so it is taught once.
/// </summary>
public interface ISpamFilterStore
{
    /// <summary>Adds one to today's (UTC) count of <paramref name="outcome"/> for <paramref name="reason"/>; both are short stable keys.</summary>
    Task CountFilterOutcomeAsync(string outcome, string reason, CancellationToken cancellationToken);

    /// <summary>The counts of the days from <paramref name="since"/> (its UTC day) until today, oldest first.</summary>
    Task<IReadOnlyList<FilterCount>> GetFilterCountsAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>What rspamd was last taught about the account's message: <c>true</c> spam, <c>false</c> ham, <c>null</c> nothing (or no such message).</summary>
    Task<bool?> GetLearnedAsync(long accountId, long messageId, CancellationToken cancellationToken);

    /// <summary>Records that rspamd learned the account's message as spam or ham; nothing when the message is gone.</summary>
    Task RecordLearnedAsync(long accountId, long messageId, bool spam, CancellationToken cancellationToken);
}

/// <summary>One day's count of one outcome (<c>rejected</c>, <c>tempfailed</c>, <c>quarantined</c>, <c>learned</c>) for one reason.</summary>
public sealed record FilterCount(DateTimeOffset Day, string Outcome, string Reason, long Count);
