using Webmail.Core;
using Webmail.Core.Model;

namespace Webmail.Admin;

/// <summary>What the account create / edit form collects; the quota is typed as text ("500 MB", empty = default or unlimited).</summary>
public sealed class AccountForm
{
    public string Address { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string Password { get; set; } = "";
    public bool IsAdmin { get; set; }
    public string Quota { get; set; } = "";
    public Pop3DeletePolicy Pop3DeletePolicy { get; set; }

    public static AccountForm From(Account account) => new()
    {
        Address = account.Address,
        DisplayName = account.DisplayName,
        IsAdmin = account.IsAdmin,
        Quota = account.QuotaBytes == 0 ? "" : ByteSize.Format(account.QuotaBytes),
        Pop3DeletePolicy = account.Pop3DeletePolicy,
    };
}
