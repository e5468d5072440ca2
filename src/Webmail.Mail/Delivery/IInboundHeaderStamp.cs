namespace Webmail.Mail.Delivery;

/// <summary>
/// A check that runs on mail arriving from outside before it is stored and returns trace header
/// lines to prepend. Registered in DI; the delivery pipeline calls every registered stamp for inbound
/// (not submitted) mail. The sender checks (SPF, DKIM, ARC, DMARC) are not a stamp: they write the one
/// <c>Authentication-Results</c> field through <see cref="Authentication.SenderAuthenticator"/>.
/// </summary>
public interface IInboundHeaderStamp
{
    /// <returns>Complete header lines, each ending in CRLF, or <c>null</c> for none.</returns>
    Task<string?> StampAsync(ReadOnlyMemory<byte> raw, CancellationToken cancellationToken);
}
