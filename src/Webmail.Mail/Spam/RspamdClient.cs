using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Mail.Delivery;

namespace Webmail.Mail.Spam;

/// <summary>
/// rspamd's HTTP protocol (its controller worker): <c>POST /checkv2</c> scans a message with the envelope in
/// headers, <c>POST /learnspam</c> and <c>/learnham</c> train its Bayes classifier. Every call is bounded in time
/// (<c>Webmail:Spam:RspamdTimeout</c>) and every answer in size (<see cref="MaxResponseBytes"/>).
/// </summary>
public sealed class RspamdClient : IDisposable
{
    /// <summary>Largest answer read from rspamd; a scan result with every symbol is a few kilobytes.</summary>
    public const int MaxResponseBytes = 256 * 1024;

    /// <summary>Most symbols kept from one scan (the rest are dropped: they are shown to people and stored in a header).</summary>
    public const int MaxSymbols = 64;

    private readonly HttpClient _http;
    private readonly IOptionsMonitor<WebmailOptions> _options;

    public RspamdClient(IOptionsMonitor<WebmailOptions> options)
    {
        _options = options;
        var spam = options.CurrentValue.Spam;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = spam.RspamdTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            UseProxy = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each call has its own deadline
            MaxResponseContentBufferSize = MaxResponseBytes,
        };
    }

    private SpamOptions Spam => _options.CurrentValue.Spam;

    /// <summary>Whether <c>Webmail:Spam:RspamdUrl</c> is set.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Spam.RspamdUrl);

    /// <summary>Scans the message; the answer as rspamd gave it (action, score, symbols).</summary>
    /// <exception cref="RspamdException">rspamd did not answer in time, or not with a scan result.</exception>
    public async Task<ScanVerdict> CheckAsync(ScanRequest request, ReadOnlySequence<byte> message, CancellationToken cancellationToken)
    {
        using var content = new StreamContent(new SequenceStream(message));
        content.Headers.ContentLength = message.Length;
        using var http = new HttpRequestMessage(HttpMethod.Post, Url("checkv2")) { Content = content };
        // rspamd's protocol headers (https://rspamd.com/doc/developers/protocol.html): the SMTP envelope and the client.
        AddHeader(http, "From", request.MailFrom);
        foreach (var recipient in request.Recipients.Take(100))
            AddHeader(http, "Rcpt", recipient);
        if (request.ClientAddress is { } ip)
            AddHeader(http, "IP", (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString());
        if (!string.IsNullOrEmpty(request.Helo))
            AddHeader(http, "Helo", request.Helo);
        AddHeader(http, "Queue-Id", request.QueueId);
        var body = await SendAsync(http, cancellationToken).ConfigureAwait(false);
        if (body.Status != HttpStatusCode.OK)
            throw new RspamdException($"rspamd answered {(int)body.Status} to /checkv2: {body.Error}");
        return ParseVerdict(body.Json);
    }

    /// <summary>Trains rspamd's classifier with the message as spam or as ham.</summary>
    /// <returns>What rspamd made of it, and its answer when that is not "learned" (status and error, bounded).</returns>
    /// <exception cref="RspamdException">rspamd did not answer in time, or answered with a server error.</exception>
    public async Task<(LearnOutcome Outcome, string Answer)> LearnAsync(bool spam, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(message);
        using var http = new HttpRequestMessage(HttpMethod.Post, Url(spam ? "learnspam" : "learnham")) { Content = content };
        var body = await SendAsync(http, cancellationToken).ConfigureAwait(false);
        if (body.Status == HttpStatusCode.OK)
            return (LearnOutcome.Learned, "");
        var answer = $"{(int)body.Status} {body.Error}";
        // rspamd answers 404 (208 in later versions) with "<id> has been already learned as spam, ignore it".
        if (body.Error.Contains("already learned", StringComparison.OrdinalIgnoreCase))
            return (LearnOutcome.AlreadyLearned, answer);
        if ((int)body.Status >= 500)
            throw new RspamdException($"rspamd answered {answer} to learning");
        // 204 (no body): its classifier skipped the message, for too few or too many words. Under load rspamd answered
        // that for a 20-word message it learns when idle (SpamTrainingTests beside busy loops), so it is tried again.
        if (body.Status == HttpStatusCode.NoContent)
            throw new RspamdException("rspamd skipped the lesson (204: too few or too many words for its classifier)");
        // Too few tokens, a message it cannot parse: learning it again would give the same answer.
        return (LearnOutcome.Refused, answer);
    }

    private Uri Url(string command) => new(Spam.RspamdUrl.TrimEnd('/') + "/" + command);

    private async Task<(HttpStatusCode Status, JsonElement Json, string Error)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(Spam.RspamdPassword))
            AddHeader(request, "Password", Spam.RspamdPassword);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Spam.RspamdTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
            JsonElement json = default;
            var error = "";
            try
            {
                using var document = JsonDocument.Parse(bytes);
                json = document.RootElement.Clone();
                if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
                    error = Bound(e.GetString(), 200);
            }
            catch (JsonException)
            {
                error = "not JSON";
            }
            return (response.StatusCode, json, error);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RspamdException($"rspamd did not answer within {Spam.RspamdTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw new RspamdException("rspamd cannot be reached: " + e.Message, e);
        }
    }

    /// <summary>rspamd's answer to <c>/checkv2</c> as a verdict; names, scores and texts bounded.</summary>
    internal static ScanVerdict ParseVerdict(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("action", out var actionElement) || actionElement.ValueKind != JsonValueKind.String)
            throw new RspamdException("rspamd's answer has no action");
        var action = actionElement.GetString() switch
        {
            "reject" => ScanAction.Reject,
            "soft reject" or "greylist" => ScanAction.TempFail,
            "add header" or "rewrite subject" => ScanAction.Junk,
            "no action" => ScanAction.Accept,
            var other => throw new RspamdException($"rspamd answered an unknown action '{Bound(other, 40)}'"),
        };
        var score = Number(json, "score");
        var required = Number(json, "required_score");
        var symbols = new List<ScanSymbol>();
        if (json.TryGetProperty("symbols", out var all) && all.ValueKind == JsonValueKind.Object)
        {
            foreach (var symbol in all.EnumerateObject())
            {
                var name = SymbolName(symbol.Name);
                if (name.Length > 0 && symbol.Value.ValueKind == JsonValueKind.Object)
                    symbols.Add(new ScanSymbol(name, Number(symbol.Value, "score")));
            }
        }
        // The ones that weigh most first, so what is kept explains the score.
        symbols = symbols.OrderByDescending(s => Math.Abs(s.Score)).ThenBy(s => s.Name, StringComparer.Ordinal).Take(MaxSymbols).ToList();
        string? reason = null;
        if (json.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Object
            && messages.TryGetProperty("smtp_message", out var smtp) && smtp.ValueKind == JsonValueKind.String)
            reason = Bound(smtp.GetString(), 200);
        return new ScanVerdict(action, score, required, symbols, string.IsNullOrEmpty(reason) ? null : reason);
    }

    private static double Number(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d)
            ? Math.Clamp(Math.Round(d, 2), -10_000, 10_000)
            : 0;

    /// <summary>Symbol names are rspamd's own (<c>BAYES_SPAM</c>); anything else in one is dropped, and it is cut at 64.</summary>
    private static string SymbolName(string name)
    {
        var kept = new string(name.Where(c => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' or '.').Take(64).ToArray());
        return kept;
    }

    /// <summary>One line of printable ASCII, at most <paramref name="max"/> characters.</summary>
    internal static string Bound(string? text, int max) =>
        new string((text ?? "").Select(c => c is >= ' ' and < '\x7f' ? c : ' ').Take(max).ToArray()).Trim();

    private static void AddHeader(HttpRequestMessage request, string name, string value) =>
        request.Headers.TryAddWithoutValidation(name, Bound(value, 320));

    public void Dispose() => _http.Dispose();
}

/// <summary>What rspamd did with a message it was asked to learn.</summary>
public enum LearnOutcome
{
    Learned,
    /// <summary>It had learned this message in this direction before (its learn cache).</summary>
    AlreadyLearned,
    /// <summary>It would not learn it (a client error other than a skip); asking again changes nothing.</summary>
    Refused,
}

/// <summary>rspamd could not be asked: not reachable, too slow, or an answer that is not a scan result.</summary>
public sealed class RspamdException(string message, Exception? inner = null) : Exception(message, inner);
