using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Webmail.Core.Hosting;

/// <summary>The server's side of a TLS handshake for the mail listeners (STARTTLS or implicit TLS): TLS 1.2 and 1.3, no client certificate, bounded in time.</summary>
public static class ServerTls
{
    /// <summary>Negotiates TLS over <paramref name="inner"/>; the returned stream owns it.</summary>
    /// <exception cref="AuthenticationException">The handshake failed.</exception>
    /// <exception cref="OperationCanceledException">The handshake took longer than <paramref name="timeout"/>.</exception>
    public static async Task<SslStream> AcceptAsync(Stream inner, X509Certificate2 certificate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = certificate,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = false,
        }, deadline.Token).ConfigureAwait(false);
        return tls;
    }
}
