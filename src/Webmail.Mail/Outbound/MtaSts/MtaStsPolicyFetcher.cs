using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;

namespace Webmail.Mail.Outbound.MtaSts;

/// <summary>
/// Fetches a domain's policy text as RFC 8461 §3.3 says: <c>GET https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt</c>,
/// a certificate valid for that name (PKIX), no redirects, a 200 answer of type <c>text/plain</c>, at most
/// <see cref="MaxPolicySize"/> octets, within <c>Webmail:Delivery:MtaSts:FetchTimeout</c>. The policy host's name is
/// resolved through the one resolver (<see cref="IDnsLookup"/>).
/// </summary>
public sealed class MtaStsPolicyFetcher : IDisposable
{
    /// <summary>§3.3: senders may limit the policy body; 64 KB is the bound the RFC suggests.</summary>
    public const int MaxPolicySize = 64 * 1024;

    private readonly HttpClient _http;
    private readonly IOptionsMonitor<WebmailOptions> _options;

    public MtaStsPolicyFetcher(IDnsLookup dns, PkixCertificateCheck certificates, IOptionsMonitor<WebmailOptions> options)
    {
        _options = options;
        var handler = new SocketsHttpHandler
        {
            // §3.3: "senders MUST NOT follow redirects".
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            MaxResponseHeadersLength = 16,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => certificates.Problem(certificate, chain, errors) is null,
            },
            ConnectCallback = async (context, cancellationToken) =>
            {
                var host = context.DnsEndPoint.Host;
                // Test only: the TCP port differs, the URL (and so the TLS name) stays https://mta-sts.<domain>/.
                var port = options.CurrentValue.Delivery.MtaSts.TestHttpsPort is > 0 and var testPort ? testPort : context.DnsEndPoint.Port;
                var addresses = await dns.LookupAddressesAsync(host, cancellationToken).ConfigureAwait(false);
                if (addresses.Count == 0)
                    throw new HttpRequestException($"{host} has no address record.");
                Exception? last = null;
                foreach (var address in addresses)
                {
                    var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(address, port, cancellationToken).ConfigureAwait(false);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch (SocketException e)
                    {
                        socket.Dispose();
                        last = e;
                    }
                }
                throw last!;
            },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = MaxPolicySize };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Webmail", "1"));
    }

    /// <summary>The policy text of <paramref name="domain"/>.</summary>
    /// <exception cref="MtaStsFetchException">No valid answer: what went wrong, for the log.</exception>
    public async Task<string> FetchAsync(string domain, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CurrentValue.Delivery.MtaSts.FetchTimeout);
        if (!Uri.TryCreate($"https://mta-sts.{domain}/.well-known/mta-sts.txt", UriKind.Absolute, out var url))
            throw new MtaStsFetchException($"mta-sts.{Bound(domain)} is not a host name");
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new MtaStsFetchException($"{url} answered {(int)response.StatusCode}");
            if (!string.Equals(response.Content.Headers.ContentType?.MediaType, "text/plain", StringComparison.OrdinalIgnoreCase))
                throw new MtaStsFetchException($"{url} answered with type '{Bound(response.Content.Headers.ContentType?.MediaType)}', not text/plain");
            if (response.Content.Headers.ContentLength > MaxPolicySize)
                throw new MtaStsFetchException($"{url} is larger than {MaxPolicySize} octets");
            return await ReadBoundedAsync(response.Content, url, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MtaStsFetchException($"{url} did not answer within {_options.CurrentValue.Delivery.MtaSts.FetchTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or DnsLookupException)
        {
            throw new MtaStsFetchException($"{url}: {e.GetBaseException().Message}");
        }
    }

    /// <summary>Reads at most <see cref="MaxPolicySize"/> octets whatever Content-Length claimed (or did not).</summary>
    private static async Task<string> ReadBoundedAsync(HttpContent content, Uri url, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[MaxPolicySize + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            total += read;
        if (total > MaxPolicySize)
            throw new MtaStsFetchException($"{url} is larger than {MaxPolicySize} octets");
        // §3.2: the policy's grammar is ASCII; anything else is no policy.
        if (buffer.AsSpan(0, total).ContainsAnyExceptInRange((byte)0, (byte)127))
            throw new MtaStsFetchException($"{url} is not ASCII text");
        return Encoding.ASCII.GetString(buffer, 0, total);
    }

    private static string Bound(string? text) => Webmail.Core.Security.LogText.Bound(text ?? "", 60);

    public void Dispose() => _http.Dispose();
}

/// <summary>A policy could not be fetched (RFC 8461 §3.3); the message says why, bounded.</summary>
public sealed class MtaStsFetchException(string message) : Exception(message);
