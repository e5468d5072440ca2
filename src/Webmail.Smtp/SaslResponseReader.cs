using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using SmtpServer.Protocol;

namespace Webmail.Smtp;

/// <summary>
/// The input side of a session. Passes everything through, except command lines longer than
/// <see cref="MaxCommandLine"/> (consumed and answered <c>500</c>), and the line that answers a
/// <c>334</c> challenge (RFC 4954 §4): the library decodes that line with
/// <see cref="Convert.FromBase64String(string)"/> and a client sending anything else — bad base64, the
/// <c>*</c> that cancels, an endless line — had its connection dropped without a reply. Such a line is
/// consumed here and answered with the RFC 4954 reply, and the session goes on.
/// </summary>
internal sealed class SaslResponseReader(PipeReader inner, SmtpSessionState state) : PipeReader
{
    /// <summary>
    /// Longest SASL response accepted, in base64 characters (without CRLF): room for a 320-octet
    /// user name and a long passphrase, far below what would let a client make us buffer megabytes.
    /// </summary>
    public const int MaxResponse = 4096;

    /// <summary>
    /// Longest command line read at all, so no line is buffered whole up to the message size limit: an
    /// AUTH line with the longest initial response. Other commands have their own, smaller limits
    /// (RFC 5321 §4.5.3.1.4: 512 octets), checked once parsed.
    /// </summary>
    public const int MaxCommandLine = MaxResponse + 64;

    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);
    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);
    public override void CancelPendingRead() => inner.CancelPendingRead();
    public override void Complete(Exception? exception = null) => inner.Complete(exception);
    public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (state.InData)
            return await inner.ReadAsync(cancellationToken).ConfigureAwait(false);

        var challenge = state.SaslChallenge;
        var limit = challenge is null ? MaxCommandLine : MaxResponse;
        var tooLong = false;
        var auth = false;
        while (true)
        {
            var result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
            var reader = new SequenceReader<byte>(result.Buffer);
            if (reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
            {
                tooLong |= line.Length > limit;
                auth |= IsAuth(line);
                var refusal = tooLong ? (challenge is not null || auth ? SmtpReplies.AuthLineTooLong : SmtpReplies.LineTooLong)
                    : challenge is not null ? Check(line, plain: challenge.Trim().Length == 0)
                    : null;
                if (refusal is null)
                {
                    state.SaslChallenge = null;
                    return result; // the library reads the same line and consumes it
                }
                inner.AdvanceTo(reader.Position);
                state.SaslChallenge = null;
                throw new SmtpResponseException(refusal);
            }
            if (result.IsCompleted || result.IsCanceled)
                return result;
            if (result.Buffer.Length > limit)
            {
                // Drop what has come so far (keeping a CR that may start the CRLF) and answer once the line ends.
                auth |= !tooLong && IsAuth(result.Buffer);
                tooLong = true;
                var keep = result.Buffer.Slice(result.Buffer.Length - 1);
                inner.AdvanceTo(keep.Start, result.Buffer.End);
                continue;
            }
            inner.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static bool IsAuth(ReadOnlySequence<byte> line)
    {
        Span<byte> head = stackalloc byte[5];
        if (line.Length < head.Length)
            return false;
        line.Slice(0, head.Length).CopyTo(head);
        return System.Text.Ascii.EqualsIgnoreCase(head, "AUTH "u8);
    }

    /// <summary>Null when the library can take the response, otherwise the reply to give.</summary>
    internal static SmtpResponse? Check(ReadOnlySequence<byte> line, bool plain)
    {
        var bytes = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        // RFC 4954 §4: "*" cancels the exchange and the server MUST reject the AUTH command with 501.
        if (bytes.SequenceEqual("*"u8))
            return SmtpReplies.AuthCancelled;
        return Check(bytes, plain);
    }

    /// <summary>Checks a base64 SASL response: decodable, and for PLAIN (RFC 4616 §2) of the form <c>authzid NUL authcid NUL passwd</c>.</summary>
    internal static SmtpResponse? Check(ReadOnlySpan<byte> base64, bool plain)
    {
        if (base64.Length > MaxResponse)
            return SmtpReplies.AuthLineTooLong;
        // RFC 4954 §6: 501 5.5.2 when the server cannot base64-decode a client response.
        if (!Base64.IsValid(base64, out var length) || base64.ContainsAny(" \t"u8))
            return SmtpReplies.AuthBadBase64;
        if (!plain)
            return null;
        var decoded = new byte[length];
        Base64.DecodeFromUtf8(base64, decoded, out _, out var written);
        // The library splits the response at the NULs and answers a response without them twice (535 535), out of step.
        return decoded.AsSpan(0, written).Count((byte)0) == 2 ? null : SmtpReplies.AuthMalformedPlain;
    }
}
