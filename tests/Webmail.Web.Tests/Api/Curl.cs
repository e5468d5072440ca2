using System.Text.Json;
using Webmail.Testing;

namespace Webmail.Web.Tests.Api;

/// <summary>What curl got back: the status line's code, the headers and the body.</summary>
public sealed record CurlResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string ContentType => Headers.TryGetValue("content-type", out var value) ? value : "";

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    /// <summary>The <c>errors</c> of a validation problem: field → its first message.</summary>
    public IReadOnlyDictionary<string, string> Errors =>
        Json.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value[0].GetString()!);

    public override string ToString() => $"{Status} {ContentType}\n{Body}";
}

/// <summary>
/// The admin API as an operator's script calls it: curl, a real process, with the token in the
/// Authorization header and JSON on standard input.
/// </summary>
public static class Curl
{
    public static async Task<CurlResponse> SendAsync(string method, string url, string? token = null, string? json = null, bool chunked = false, string contentType = "application/json")
    {
        var arguments = new List<string> { "-sS", "-i", "-X", method, "-H", "Expect:", "--max-time", "30" };
        if (token is not null)
            arguments.AddRange(["-H", "Authorization: Bearer " + token]);
        if (json is not null)
        {
            arguments.AddRange(["-H", "Content-Type: " + contentType, "--data-binary", "@-"]);
            if (chunked)
                arguments.AddRange(["-H", "Transfer-Encoding: chunked"]);
        }
        arguments.Add(url);
        var result = await ExternalProgram.RunAsync("curl", arguments, TimeSpan.FromSeconds(40), standardInput: json);
        Assert.True(result.ExitCode == 0, result.ToString());
        return Parse(result.Output);
    }

    private static CurlResponse Parse(string output)
    {
        var end = output.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = end < 0 ? output : output[..end];
        var body = end < 0 ? "" : output[(end + 4)..];
        var lines = head.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return new CurlResponse(status, headers, body);
    }
}
