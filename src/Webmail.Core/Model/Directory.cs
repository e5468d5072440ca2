namespace Webmail.Core.Model;

/// <summary>A mail domain this server is the final destination for.</summary>
public sealed record MailDomain(long Id, string Name, string? CatchAll, string? DkimSelector, bool HasDkimKey, DateTimeOffset CreatedAt);

/// <summary>A mailbox owner. The password hash never leaves the store through this type.</summary>
/// <param name="TwoFactorEnabled">An authenticator app (TOTP) is set up.</param>
public sealed record Account(
    long Id,
    string Address,
    long DomainId,
    string DisplayName,
    bool IsAdmin,
    bool IsDisabled,
    long QuotaBytes,
    long UsedBytes,
    Pop3DeletePolicy Pop3DeletePolicy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastLoginAt,
    long MessageCount,
    string SecurityStamp,
    bool TwoFactorEnabled = false,
    bool HasPasskeys = false)
{
    /// <summary>
    /// Two factors are on: an authenticator app (<see cref="TwoFactorEnabled"/>) or at least one passkey.
    /// Web sign-in then needs the second step, and mail programs need app passwords.
    /// </summary>
    public bool HasSecondFactor => TwoFactorEnabled || HasPasskeys;

    /// <summary>True when a quota is set and <paramref name="additionalBytes"/> more would pass it.</summary>
    public bool WouldExceedQuota(long additionalBytes) => QuotaBytes > 0 && UsedBytes + additionalBytes > QuotaBytes;
}

/// <summary>An alias address that delivers to one or more local accounts.</summary>
public sealed record Alias(long Id, string Address, IReadOnlyList<string> Targets);

/// <summary>Per-user preferences kept as one JSON document.</summary>
public sealed record AccountSettings
{
    public string Signature { get; init; } = "";
    /// <summary><c>never</c>, <c>ask</c> (default) or <c>always</c>.</summary>
    public string RemoteContent { get; init; } = "ask";
    public List<string> TrustedSenders { get; init; } = [];
    /// <summary><c>light</c>, <c>dark</c> or <c>system</c>.</summary>
    public string Theme { get; init; } = "system";
    /// <summary><c>comfortable</c> or <c>compact</c>.</summary>
    public string Density { get; init; } = "comfortable";
    public bool MarkSeenOnOpen { get; init; } = true;
    /// <summary>One row per conversation in the message list (the default; a saved choice keeps).</summary>
    public bool GroupByConversation { get; init; } = true;
    /// <summary>An IANA time zone chosen in Settings; empty: the browser's (<see cref="BrowserTimeZone"/>).</summary>
    public string TimeZone { get; init; } = "";
    /// <summary>The zone the browser reported when the user last signed in (an IANA id; empty until then).</summary>
    public string BrowserTimeZone { get; init; } = "";
    /// <summary>After the open message is moved or deleted: <c>next</c> (default), <c>previous</c> or <c>list</c>.</summary>
    public string AfterMove { get; init; } = "next";
    /// <summary>Days after which Trash and Junk are emptied of a message; null: the server's default, 0: never.</summary>
    public int? TrashRetentionDays { get; init; }
    /// <summary>Days after which read inbox mail moves to Archive; null: the server's default, 0: never.</summary>
    public int? ArchiveReadAfterDays { get; init; }
    /// <summary>Undo send: seconds a message from the web composer waits before it goes (0 = at once; otherwise one of <see cref="UndoSendChoices"/>).</summary>
    public int UndoSendSeconds { get; init; } = 10;

    public static readonly IReadOnlyList<string> RemoteContentChoices = ["never", "ask", "always"];
    public static readonly IReadOnlyList<string> ThemeChoices = ["light", "dark", "system"];
    public static readonly IReadOnlyList<string> DensityChoices = ["comfortable", "compact"];
    public static readonly IReadOnlyList<int> UndoSendChoices = [0, 5, 10, 20, 30];
    public static readonly IReadOnlyList<string> AfterMoveChoices = ["next", "previous", "list"];
}
