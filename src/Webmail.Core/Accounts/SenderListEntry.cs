namespace Webmail.Core.Accounts;

/// <summary>Which of an account's two sender lists an entry is on.</summary>
public enum SenderListKind
{
    /// <summary>Always allow: mail from it goes to INBOX whatever its spam score (never past a DMARC reject).</summary>
    Allow = 1,
    /// <summary>Always block: mail from it goes to Junk.</summary>
    Block = 2,
}

/// <summary>One entry: an address (<c>user@example.com</c>) or a domain (<c>example.com</c>, its subdomains too), lower case.</summary>
public sealed record SenderListEntry(long Id, long AccountId, SenderListKind Kind, string Pattern, DateTimeOffset CreatedAt)
{
    public bool IsDomain => !Pattern.Contains('@');
}
