namespace Webmail.Mail.Delivery;

/// <summary>
/// A check that runs on mail arriving from outside before it is stored and returns trace header
/// lines to prepend (for example DKIM's <c>Authentication-Results</c>, RFC 8601). Registered in DI;
/// the delivery pipeline calls every registered stamp for inbound (not submitted) mail.
/// </summary>
public interface IInboundHeaderStamp
{
    /// <returns>Complete header lines, each ending in CRLF, or <c>null</c> for none.</returns>
    Task<string?> StampAsync(ReadOnlyMemory<byte> raw, CancellationToken cancellationToken);
}
