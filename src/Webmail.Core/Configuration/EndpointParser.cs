using System.Net;

namespace Webmail.Core.Configuration;

/// <summary>Parses the <c>address:port</c> strings used for listener endpoints.</summary>
public static class EndpointParser
{
    /// <summary>Returns the endpoint, or <c>null</c> when <paramref name="value"/> is empty (listener off).</summary>
    /// <exception cref="FormatException">The value is not <c>address:port</c>.</exception>
    public static IPEndPoint? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        var text = value.Trim();
        if (text.StartsWith('*'))
            text = "0.0.0.0" + text[1..];
        if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0 || text.EndsWith(":0", StringComparison.Ordinal) && IPEndPoint.TryParse(text, out endpoint))
            return endpoint;
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) && int.TryParse(text["localhost:".Length..], out var port))
            return new IPEndPoint(IPAddress.Loopback, port);
        throw new FormatException($"'{value}' is not an endpoint of the form address:port.");
    }

    /// <summary>Splits <c>host:port</c> (host may be a name), using <paramref name="defaultPort"/> when no port is given.</summary>
    public static (string Host, int Port) ParseHostPort(string value, int defaultPort)
    {
        var text = value.Trim();
        if (text.StartsWith('[') && text.Contains(']'))
        {
            var close = text.IndexOf(']');
            var host = text[1..close];
            return text.Length > close + 2 && text[close + 1] == ':' ? (host, int.Parse(text[(close + 2)..])) : (host, defaultPort);
        }
        var colon = text.LastIndexOf(':');
        if (colon > 0 && text.IndexOf(':') == colon && int.TryParse(text[(colon + 1)..], out var port))
            return (text[..colon], port);
        return (text, defaultPort);
    }
}
