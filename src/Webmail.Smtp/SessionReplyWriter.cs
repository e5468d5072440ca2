using Webmail.Core.Hosting;
using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Webmail.Smtp;

/// <summary>
/// The output side of a session. The library writes its replies here; each flush passes them on
/// unchanged, with two exceptions of ours:
/// <list type="bullet">
/// <item>The greeting. The library's is <c>220 host vX.Y.Z.W ESMTP ready</c>, which tells every scanner
/// which SMTP library and version answers; ours names the host only.</item>
/// <item>A <c>334</c> challenge (RFC 4954 §4) and a <c>354</c> go-ahead for DATA are noted in the
/// session state, so the <see cref="SaslResponseReader"/> knows what the next line is.</item>
/// </list>
/// </summary>
internal sealed class SessionReplyWriter(PipeWriter inner, SmtpSessionState state, Func<string> greeting) : PipeWriter
{
    private readonly ArrayBufferWriter<byte> _pending = new(512);
    private bool _greeted;

    /// <summary>The greeting has been sent (so a writer made after a TLS upgrade need not replace it).</summary>
    public bool Greeted => _greeted;

    public static SessionReplyWriter Create(PipeWriter inner, SmtpSessionState state, Func<string> greeting, bool greeted)
    {
        var writer = new SessionReplyWriter(inner, state, greeting) { _greeted = greeted };
        return writer;
    }

    public override void Advance(int bytes) => _pending.Advance(bytes);
    public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);
    public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);
    public override void CancelPendingFlush() => inner.CancelPendingFlush();
    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (!_greeted && state.BlocklistCheck is { IsCompleted: false } check && _pending.WrittenSpan.StartsWith("220 "u8))
            return FlushAfterAsync(check, cancellationToken);
        return FlushNow(cancellationToken);
    }

    /// <summary>The greeting waits for the DNS blocklist answer started at connect.</summary>
    private async ValueTask<FlushResult> FlushAfterAsync(Task<string?> check, CancellationToken cancellationToken)
    {
        // A check that failed is no listing (FlushNow reads only a successful answer).
        await ((Task)check.WaitAsync(cancellationToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return await FlushNow(cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<FlushResult> FlushNow(CancellationToken cancellationToken)
    {
        var written = _pending.WrittenSpan;
        if (!_greeted && written.StartsWith("220 "u8))
        {
            // RFC 5321 §4.2: the greeting is "220 " domain and optional text; the rest of the library's line is dropped.
            var end = written.IndexOf("\r\n"u8);
            var listedBy = state.BlocklistCheck is { IsCompletedSuccessfully: true } check ? check.Result : null;
            if (listedBy is null)
            {
                inner.Write(Encoding.ASCII.GetBytes($"220 {greeting()} ESMTP ready\r\n"));
            }
            else
            {
                // RFC 5321 §3.1: a server may answer the connection with 554 instead of 220; it then waits for QUIT
                // and answers other commands with 503 (SmtpMailboxFilter). RFC 3463 X.7.1: delivery not authorized.
                state.RefusedBy = listedBy;
                inner.Write(Encoding.ASCII.GetBytes($"554 5.7.1 Service unavailable; client [{state.ClientAddress}] blocked using {listedBy}\r\n"));
            }
            written = end < 0 ? default : written[(end + 2)..];
        }
        _greeted = true;
        CountReplies(written, state.Role);
        state.SaslChallenge = LastReplyText(written, "334 "u8);
        state.InData = LastReplyText(written, "354 "u8) is not null;
        inner.Write(written);
        _pending.Clear();
        return inner.FlushAsync(cancellationToken);
    }

    private static readonly string[] ReplyClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    /// <summary>Counts each final reply line ("250 ", not "250-") by its class (<see cref="WebmailMeter.SmtpReplies"/>).</summary>
    private static void CountReplies(ReadOnlySpan<byte> replies, string role)
    {
        while (replies.Length >= 4)
        {
            if (replies[3] == (byte)' ' && replies[0] is >= (byte)'1' and <= (byte)'5')
                WebmailMeter.SmtpReplies.Add(1, new("role", role), new("class", ReplyClasses[replies[0] - '1']));
            var end = replies.IndexOf("\r\n"u8);
            if (end < 0)
                break;
            replies = replies[(end + 2)..];
        }
    }

    /// <summary>The text of the last reply flushed when it starts with <paramref name="code"/>, otherwise null.</summary>
    private static string? LastReplyText(ReadOnlySpan<byte> replies, ReadOnlySpan<byte> code)
    {
        if (replies.Length < 6 || !replies.EndsWith("\r\n"u8))
            return null;
        var body = replies[..^2];
        var start = body.LastIndexOf("\r\n"u8) is var i and >= 0 ? i + 2 : 0;
        var last = body[start..];
        return last.StartsWith(code) ? Encoding.ASCII.GetString(last[4..]) : null;
    }
}
