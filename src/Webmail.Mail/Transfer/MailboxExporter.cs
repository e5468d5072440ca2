using System.Globalization;
using System.IO.Compression;
using System.Text;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Mail.Transfer;

/// <summary>What an export writes: one mbox (mboxrd) or a zip of .eml files.</summary>
public enum ExportFormat
{
    Mbox,
    Zip,
}

/// <summary>
/// Writes a folder or the whole account to a stream, streamed: the message list is read in pages of UIDs
/// and each message's bytes through one raw reader, so memory stays flat whatever the mailbox holds.
/// <list type="bullet">
/// <item>mbox (mboxrd): a <c>From </c> line with the sender and the internal date (asctime, UTC), the message
/// with LF line ends and every <c>&gt;*From </c> line given one more <c>&gt;</c>, an empty line. The flags and
/// keywords go into <c>Status</c>, <c>X-Status</c> and <c>X-Keywords</c> at the end of the header
/// (<see cref="MboxStatus"/>; any the message carried are replaced). Importing it back gives the same flags
/// and the same bytes for a message with CRLF line ends (all mail that came by SMTP or IMAP).
/// The whole account goes into one mbox without its folders; the zip keeps them.</item>
/// <item>zip: <c>FOLDER/PATH/000042.eml</c> per message (the number is its UID), the bytes as stored.</item>
/// </list>
/// </summary>
public sealed class MailboxExporter(IMailboxReader mailbox, IImapStore imap)
{
    private const int Page = 500;
    private static readonly ReadOnlyMemory<byte> Quote = new[] { (byte)'>' };
    private static readonly ReadOnlyMemory<byte> LineFeed = new[] { (byte)'\n' };

    /// <summary>The file name for a download of <paramref name="folder"/> (null: the whole account).</summary>
    public static string FileName(string address, Folder? folder, ExportFormat format)
    {
        var name = (folder is null ? address : address + "-" + folder.Name).Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' or '@' or '_' ? c : '_').ToArray();
        return new string(name) + (format == ExportFormat.Mbox ? ".mbox" : ".zip");
    }

    /// <summary>Writes the export; returns how many messages it holds.</summary>
    /// <exception cref="StoreException">The folder is not the account's.</exception>
    public async Task<long> ExportAsync(long accountId, long? folderId, ExportFormat format, Stream output, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var all = await mailbox.GetFoldersAsync(accountId, cancellationToken).ConfigureAwait(false);
        var paths = new FolderPaths(all);
        var folders = folderId is { } id
            ? all.Where(f => f.Id == id).ToList() is { Count: > 0 } one ? one : throw new StoreException("The folder does not exist.")
            : all.OrderBy(paths.Name, StringComparer.Ordinal).ToList();
        long count = 0;
        using var raw = imap.OpenRawReader(accountId);
        ZipArchive? zip = format == ExportFormat.Zip
            ? await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8, cancellationToken).ConfigureAwait(false)
            : null;
        try
        {
            foreach (var folder in folders)
            {
                var snapshot = await imap.SnapshotAsync(accountId, folder.Id, cancellationToken).ConfigureAwait(false);
                if (snapshot is null)
                    continue;
                var uids = snapshot.UidRuns.SelectMany(r => Enumerable.Range(0, r.Length).Select(i => r.First + i));
                foreach (var page in uids.Chunk(Page))
                {
                    var messages = await imap.GetMessagesAsync(accountId, folder.Id, page, ImapMessageParts.Details | ImapMessageParts.Addresses, cancellationToken).ConfigureAwait(false);
                    foreach (var message in messages)
                    {
                        using var stream = raw.Open(message.Id);
                        if (stream is null)
                            continue; // expunged since the snapshot
                        if (zip is not null)
                        {
                            var entry = zip.CreateEntry($"{paths.Name(folder)}/{message.Uid:D6}.eml", CompressionLevel.Fastest);
                            entry.LastWriteTime = message.InternalDate;
                            await using var target = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                            await stream.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
                        }
                        else
                            await WriteMboxAsync(output, message, stream, cancellationToken).ConfigureAwait(false);
                        count++;
                        progress?.Report(count);
                    }
                }
            }
        }
        finally
        {
            if (zip is not null)
                await zip.DisposeAsync().ConfigureAwait(false);
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    private static async Task WriteMboxAsync(Stream output, ImapMessage message, Stream raw, CancellationToken cancellationToken)
    {
        var sender = SeparatorAddress(message.From);
        var date = message.InternalDate.UtcDateTime.ToString("ddd MMM ", CultureInfo.InvariantCulture)
            + message.InternalDate.UtcDateTime.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)
            + message.InternalDate.UtcDateTime.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);
        await output.WriteAsync(Encoding.ASCII.GetBytes($"From {sender} {date}\n"), cancellationToken).ConfigureAwait(false);
        var reader = new ByteLineReader(raw, int.MaxValue / 2);
        var status = MboxStatus.Lines(message.Flags, Keywords.Parse(message.Keywords));
        var inHeader = true;
        var droppingField = false;
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.IsEnd)
                break;
            var bytes = line.Buffer.AsMemory(0, line.Length);
            var content = bytes.Span.EndsWith("\n"u8) ? bytes[..^1] : bytes;
            if (content.Span.EndsWith("\r"u8))
                content = content[..^1];
            if (inHeader)
            {
                if (content.Length == 0)
                {
                    await output.WriteAsync(status, cancellationToken).ConfigureAwait(false);
                    inHeader = false;
                }
                else
                {
                    // The message's own status fields (an mbox imported before) make way for the flags it has now.
                    if (content.Span[0] is not ((byte)' ' or (byte)'\t'))
                        droppingField = MboxStatus.IsField(content.Span);
                    if (droppingField)
                        continue;
                }
            }
            if (NeedsQuote(content.Span))
                await output.WriteAsync(Quote, cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(LineFeed, cancellationToken).ConfigureAwait(false);
        }
        if (inHeader)
            await output.WriteAsync(status, cancellationToken).ConfigureAwait(false); // a message that is all header
        await output.WriteAsync(LineFeed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>mboxrd: a line that is <c>From </c> after any number of <c>&gt;</c> gets one more.</summary>
    private static bool NeedsQuote(ReadOnlySpan<byte> content)
    {
        var i = 0;
        while (i < content.Length && content[i] == (byte)'>')
            i++;
        return content[i..].StartsWith("From "u8);
    }

    /// <summary>The sender for the From line: an address without spaces, else MAILER-DAEMON (as mutt and Thunderbird write).</summary>
    private static string SeparatorAddress(string from)
    {
        var address = from;
        var lt = from.LastIndexOf('<');
        if (lt >= 0 && from.IndexOf('>', lt) is var gt and > 0)
            address = from[(lt + 1)..gt];
        address = address.Trim();
        return address.Length is > 0 and < 256 && address.Contains('@') && address.All(c => c > ' ' && c < 127) ? address : "MAILER-DAEMON";
    }
}
