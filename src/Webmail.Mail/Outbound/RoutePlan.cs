namespace Webmail.Mail.Outbound;

/// <summary>Where a domain's mail goes: hosts in preference order, or a permanent reason it cannot go anywhere.</summary>
public sealed record RoutePlan(IReadOnlyList<DeliveryTarget> Targets, string? PermanentError = null, string PermanentStatus = "5.1.2")
{
    public static RoutePlan Unroutable(string reason, string status = "5.1.2") => new([], reason, status);
}
