namespace Webmail.Mail.Outbound;

/// <summary>A host to hand mail to, in the order to try.</summary>
/// <param name="Host">Host name or address literal.</param>
/// <param name="Port">TCP port.</param>
/// <param name="IsSmartHost">Use the smart host's credentials and TLS rules.</param>
public sealed record DeliveryTarget(string Host, int Port, bool IsSmartHost = false)
{
    public override string ToString() => $"{Host}:{Port}";
}
