namespace Webmail.Core.Model;

/// <summary>One outbound queue entry: a message and the recipients it still has at one domain.</summary>
public sealed record QueueEntry(
    long Id,
    long MessageId,
    string Domain,
    string MailFrom,
    IReadOnlyList<string> Recipients,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    string? LastError,
    bool WarningSent,
    long? SenderAccountId,
    long Size);

/// <summary>An entry in the audit log.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Action, string Target, string Detail, string? RemoteIp);

/// <summary>Counted things for the admin dashboard's charts.</summary>
public enum MailEventKind
{
    Received,
    Sent,
    Bounced,
}
