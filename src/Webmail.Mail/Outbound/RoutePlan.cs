namespace Webmail.Mail.Outbound;

/// <summary>Where a domain's mail goes: hosts in preference order, or a permanent reason it cannot go anywhere.</summary>
/// <param name="FromMx">The hosts come from the domain's MX records (or its implicit MX): its MTA-STS policy applies (RFC 8461 §4), unlike a configured route or smart host.</param>
public sealed record RoutePlan(IReadOnlyList<DeliveryTarget> Targets, string? PermanentError = null, string PermanentStatus = "5.1.2", bool FromMx = false)
{
    public static RoutePlan Unroutable(string reason, string status = "5.1.2") => new([], reason, status);
}
