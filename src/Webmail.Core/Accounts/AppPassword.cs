namespace Webmail.Core.Accounts;

/// <summary>The protocols an app password may sign in to; <see cref="All"/> when not limited.</summary>
[Flags]
public enum AppPasswordProtocols
{
    None = 0,
    Imap = 1,
    Pop3 = 2,
    Smtp = 4,
    All = Imap | Pop3 | Smtp,
}

/// <summary>A password for one mail program, revocable on its own; the secret itself is never stored (only its SHA-256).</summary>
public sealed record AppPassword(long Id, long AccountId, string Name, AppPasswordProtocols Protocols, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, string? LastIp);
