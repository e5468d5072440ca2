using Webmail.Admin;
using Webmail.Core.Model;
using Webmail.Mail.Dkim;

namespace Webmail.Api;

// The admin API's JSON shapes (camelCase on the wire). Requests take nullable members so a missing
// field is reported per field (ApiValidation) rather than as an unreadable body.

/// <summary>A mail domain.</summary>
public sealed record DomainView(string Name, string? CatchAll, string? DkimSelector, DateTimeOffset CreatedAt)
{
    public static DomainView From(MailDomain d) => new(d.Name, d.CatchAll, d.HasDkimKey ? d.DkimSelector : null, d.CreatedAt);
}

public sealed record DomainCreateRequest(string? Name);

/// <param name="Target">The account that gets mail for unknown users; null or empty for none.</param>
public sealed record CatchAllRequest(string? Target);

/// <summary>A domain's MTA-STS mode (RFC 8461 §5): <c>none</c>, <c>testing</c> or <c>enforce</c>.</summary>
public sealed record MtaStsRequest(string? Mode);

/// <summary>A domain's MTA-STS setting: its mode and the policy id published in the <c>_mta-sts</c> TXT record.</summary>
public sealed record MtaStsView(string Mode, string PolicyId);

/// <summary>The DNS TXT record that publishes a domain's DKIM key.</summary>
public sealed record DkimRecordView(string Domain, string Selector, string Name, string Value)
{
    public static DkimRecordView From(DkimDnsRecord r) => new(r.Domain, r.Selector, r.Name, r.Value);
}

/// <summary>An account. <c>quotaBytes</c> 0 means unlimited; <c>pop3DeletePolicy</c> is <c>delete</c>, <c>trash</c> or <c>keep</c>.</summary>
public sealed record AccountView(string Address, string DisplayName, bool IsAdmin, bool IsDisabled, long QuotaBytes, long UsedBytes, long MessageCount,
    string Pop3DeletePolicy, bool TwoFactor, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt)
{
    public static AccountView From(Account a) => new(a.Address, a.DisplayName, a.IsAdmin, a.IsDisabled, a.QuotaBytes, a.UsedBytes, a.MessageCount,
        a.Pop3DeletePolicy.ToString().ToLowerInvariant(), a.HasSecondFactor, a.CreatedAt, a.LastLoginAt);
}

/// <param name="QuotaBytes">Omitted: the server's default quota; 0: unlimited.</param>
public sealed record AccountCreateRequest(string? Address, string? Password, string? DisplayName, bool? IsAdmin, long? QuotaBytes);

/// <summary>Only the members given change.</summary>
public sealed record AccountUpdateRequest(string? DisplayName, bool? IsAdmin, long? QuotaBytes, string? Pop3DeletePolicy);

public sealed record PasswordRequest(string? Password);

public sealed record SessionsEndedView(int Ended);

public sealed record SecondFactorResetView(int PasskeysRemoved);

public sealed record AliasView(string Address, IReadOnlyList<string> Targets)
{
    public static AliasView From(Alias a) => new(a.Address, a.Targets);
}

public sealed record AliasRequest(IReadOnlyList<string>? Targets);

/// <summary>One outbound queue entry: a message and its recipients at one domain.</summary>
public sealed record QueueEntryView(long Id, string Domain, string MailFrom, IReadOnlyList<string> Recipients, int Attempts, long Size,
    DateTimeOffset CreatedAt, DateTimeOffset NextAttemptAt, string? LastError)
{
    public static QueueEntryView From(QueueEntry e) => new(e.Id, e.Domain, e.MailFrom, e.Recipients, e.Attempts, e.Size, e.CreatedAt, e.NextAttemptAt, e.LastError);
}

/// <summary>One page of a list; <c>page</c> counts from 0.</summary>
public sealed record PageView<T>(IReadOnlyList<T> Items, long Total, int Page, int PageSize);

/// <summary>A live server setting: <c>value</c> applies now; <c>overridden</c> when it was set here rather than configured.</summary>
public sealed record SettingView(string Key, string Label, string Unit, long Min, long Max, long Value, long Configured, bool Overridden, IReadOnlyList<SettingChoiceView>? Choices)
{
    public static string KeyOf(LiveSetting s) => s.Key[LiveSetting.Prefix.Length..];
}

public sealed record SettingChoiceView(long Value, string Label);

/// <param name="Value">The new value; null returns the setting to its configured value.</param>
public sealed record SettingRequest(long? Value);
