using System.Globalization;
using System.Runtime.CompilerServices;
using MimeKit;
using Webmail.Core.Model;

namespace Webmail.Mail.Transfer;

/// <summary>
/// An mbox file (mboxrd or mboxo; Thunderbird's, mutt's, Google Takeout's, this server's export). Flags come
/// from the status headers mail programs write — <c>Status</c>/<c>X-Status</c>/<c>X-Keywords</c> (mutt,
/// Pine, Dovecot: <see cref="MboxStatus"/>, taken out of the stored message), <c>X-Mozilla-Status</c>
/// (Thunderbird; a message it marked expunged is skipped) — and Takeout's <c>X-Gmail-Labels</c>
/// (<see cref="GmailLabels"/>). Otherwise the bytes are stored as they are in the file (line ends as CRLF).
/// </summary>
public sealed class MboxSource(string path) : ImportSource
{
    public override string Kind => "mbox";

    public override async Task<long?> CountAsync(ImportLimits limits, CancellationToken cancellationToken)
    {
        long count = 0;
        await foreach (var _ in ReadEntriesAsync(long.MaxValue / 4, countOnly: true, cancellationToken).ConfigureAwait(false))
            count++;
        return count;
    }

    public override async IAsyncEnumerable<ImportItem> ReadAsync(ImportLimits limits, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in ReadEntriesAsync(limits.MaxMessageSize, countOnly: false, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Raw is null)
            {
                yield return ImportItem.Failed(entry.Error!);
                continue;
            }
            var headers = ReadHeaders(entry.Raw);
            if (headers is null)
            {
                yield return ImportItem.Failed($"message {entry.Ordinal}: the header is not readable");
                continue;
            }
            var mozilla = MozillaStatus(headers);
            if ((mozilla & 0x0008) != 0)
                continue; // Thunderbird's "expunged": deleted, kept in the file until compaction.
            var (flags, keywords) = MboxStatus.Read(headers);
            flags |= MozillaFlags(mozilla);
            if ((mozilla & 0x1000) != 0 && !keywords.Contains(WellKnownKeywords.Forwarded, StringComparer.OrdinalIgnoreCase))
                keywords.Add(WellKnownKeywords.Forwarded);
            IReadOnlyList<ImportFolder> folders = [ImportFolder.Unnamed];
            if (headers[GmailLabels.Header] is { } labels)
            {
                var mapped = GmailLabels.Map(labels);
                folders = mapped.Folders;
                flags = mapped.Flags | (flags & ~(MessageFlags.Seen | MessageFlags.Flagged));
            }
            var date = MboxReader.SeparatorDate(entry.Separator) ?? DateOf(headers);
            yield return new ImportItem(folders, MboxStatus.Strip(entry.Raw), flags, keywords, date);
        }
    }

    private async IAsyncEnumerable<MboxReader.Entry> ReadEntriesAsync(long maxMessageSize, bool countOnly, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        // Counting reads the separators only: every message is "too large" and dropped at once.
        await foreach (var entry in MboxReader.ReadAsync(stream, countOnly ? 0 : maxMessageSize, cancellationToken).ConfigureAwait(false))
            yield return entry;
    }

    /// <summary>The header fields of a message, or null when MimeKit cannot read them.</summary>
    internal static HeaderList? ReadHeaders(byte[] raw)
    {
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            return HeaderList.Load(stream);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static int MozillaStatus(HeaderList headers) =>
        headers["X-Mozilla-Status"] is { } text && int.TryParse(text.Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value) ? value : 0;

    /// <summary>X-Mozilla-Status: 1 read, 2 replied, 4 marked.</summary>
    private static MessageFlags MozillaFlags(int mozilla)
    {
        var flags = MessageFlags.None;
        if ((mozilla & 0x0001) != 0)
            flags |= MessageFlags.Seen;
        if ((mozilla & 0x0002) != 0)
            flags |= MessageFlags.Answered;
        if ((mozilla & 0x0004) != 0)
            flags |= MessageFlags.Flagged;
        return flags;
    }

    internal static DateTimeOffset? DateOf(HeaderList headers) =>
        headers["Date"] is { } text && MimeKit.Utils.DateUtils.TryParse(text, out var date) ? date : null;
}
