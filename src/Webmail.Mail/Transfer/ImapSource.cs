using System.Runtime.CompilerServices;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using SpecialFolder = Webmail.Core.Model.SpecialFolder;
using Webmail.Core.Storage;

namespace Webmail.Mail.Transfer;

/// <summary>How to reach the other server. <see cref="Folders"/> empty: every folder.</summary>
/// <param name="Security"><c>tls</c> (implicit TLS, port 993), <c>starttls</c> or <c>none</c> (only sensible on a trusted network).</param>
public sealed record ImapSourceOptions(string Host, int Port, string Security, string User, IReadOnlyList<string> Folders)
{
    public static readonly IReadOnlyList<string> SecurityChoices = ["tls", "starttls", "none"];

    /// <summary>The key of the resume state: the account on that server.</summary>
    public string SourceKey => $"{User}@{Host}:{Port}".ToLowerInvariant();
}

/// <summary>
/// Another IMAP server through MailKit's client: every selectable folder (or the chosen ones), each
/// message with its flags, keywords and INTERNALDATE. Resumable by UID: per source folder the store keeps
/// the UIDVALIDITY and the highest UID copied (written with the batch that copied it), so a second run
/// fetches only UIDs above it; a changed UIDVALIDITY (RFC 9051 §2.3.1.1: the old UIDs mean nothing) starts
/// the folder again, and duplicates are skipped. Gmail's virtual \All and \Flagged folders are left out
/// (every message is in another folder too).
/// </summary>
public sealed class ImapSource(ImapSourceOptions options, string password, IImportStore store, long accountId, TimeSpan timeout) : ImportSource
{
    private const int FetchChunk = 50;

    public override string Kind => "imap";

    public override async Task<long?> CountAsync(ImportLimits limits, CancellationToken cancellationToken)
    {
        using var client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        long count = 0;
        foreach (var folder in await FoldersAsync(client, cancellationToken).ConfigureAwait(false))
        {
            await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken).ConfigureAwait(false);
            count += (await NewUidsAsync(folder, cancellationToken).ConfigureAwait(false)).Count;
            await folder.CloseAsync(false, cancellationToken).ConfigureAwait(false);
        }
        await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
        return count;
    }

    public override async IAsyncEnumerable<ImportItem> ReadAsync(ImportLimits limits, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        foreach (var folder in await FoldersAsync(client, cancellationToken).ConfigureAwait(false))
        {
            await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken).ConfigureAwait(false);
            var target = TargetOf(folder);
            var uids = await NewUidsAsync(folder, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < uids.Count; i += FetchChunk)
            {
                var chunk = uids.Skip(i).Take(FetchChunk).ToList();
                var summaries = await folder.FetchAsync(chunk, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size, cancellationToken).ConfigureAwait(false);
                foreach (var summary in summaries.OrderBy(s => s.UniqueId.Id))
                {
                    var cursor = new ImapImportCursor(options.SourceKey, folder.FullName, folder.UidValidity, summary.UniqueId.Id);
                    if (summary.Size is { } size && size > limits.MaxMessageSize)
                    {
                        yield return ImportItem.Failed($"{folder.FullName} UID {summary.UniqueId.Id}: larger than the {Core.ByteSize.FormatCompact(limits.MaxMessageSize)} message size limit") with { Cursor = cursor };
                        continue;
                    }
                    byte[] raw;
                    using (var stream = await folder.GetStreamAsync(summary.UniqueId, cancellationToken).ConfigureAwait(false))
                    using (var buffer = new MemoryStream())
                    {
                        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                        raw = buffer.ToArray();
                    }
                    var flags = Flags(summary.Flags ?? MailKit.MessageFlags.None);
                    var keywords = summary.Keywords?.Where(k => !k.StartsWith('\\')).ToList() ?? [];
                    yield return new ImportItem([target], raw, flags, keywords, summary.InternalDate, Cursor: cursor);
                }
            }
            await folder.CloseAsync(false, cancellationToken).ConfigureAwait(false);
        }
        await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ImapClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new ImapClient { Timeout = (int)timeout.TotalMilliseconds };
        try
        {
            var security = options.Security switch
            {
                "tls" => SecureSocketOptions.SslOnConnect,
                "starttls" => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            };
            await client.ConnectAsync(options.Host, options.Port, security, cancellationToken).ConfigureAwait(false);
            await client.AuthenticateAsync(options.User, password, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch (AuthenticationException e)
        {
            client.Dispose();
            throw new ImportException($"{options.Host} refused the user name or password (with two-factor sign-in there, use an app password): {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or SslHandshakeException or ImapProtocolException or ImapCommandException or TimeoutException)
        {
            client.Dispose();
            throw new ImportException($"Could not reach {options.Host}:{options.Port} over IMAP ({options.Security}): {e.Message}", e);
        }
    }

    private async Task<List<IMailFolder>> FoldersAsync(ImapClient client, CancellationToken cancellationToken)
    {
        var all = new List<IMailFolder> { client.Inbox };
        var personal = client.PersonalNamespaces.Count > 0 ? client.PersonalNamespaces[0] : new FolderNamespace('/', "");
        foreach (var folder in await client.GetFoldersAsync(personal, subscribedOnly: false, cancellationToken).ConfigureAwait(false))
        {
            if (folder.Attributes.HasFlag(FolderAttributes.NoSelect) || folder.Attributes.HasFlag(FolderAttributes.NonExistent)
                || folder.Attributes.HasFlag(FolderAttributes.All) || folder.Attributes.HasFlag(FolderAttributes.Flagged) || folder == client.Inbox)
                continue;
            all.Add(folder);
        }
        if (options.Folders.Count == 0)
            return all;
        var chosen = all.Where(f => options.Folders.Any(n => n.Equals(f.FullName, StringComparison.OrdinalIgnoreCase) || (f == client.Inbox && n.Equals("INBOX", StringComparison.OrdinalIgnoreCase)))).ToList();
        var missing = options.Folders.Where(n => !chosen.Any(f => n.Equals(f.FullName, StringComparison.OrdinalIgnoreCase) || (f == client.Inbox && n.Equals("INBOX", StringComparison.OrdinalIgnoreCase)))).ToList();
        if (missing.Count > 0)
            throw new ImportException($"{options.Host} has no folder named {string.Join(", ", missing.Select(m => "'" + m + "'"))}.");
        return chosen;
    }

    /// <summary>The folder's UIDs above where the last run stopped (all of them when its UIDVALIDITY changed).</summary>
    private async Task<List<UniqueId>> NewUidsAsync(IMailFolder folder, CancellationToken cancellationToken)
    {
        var cursor = await store.GetImapCursorAsync(accountId, options.SourceKey, folder.FullName, cancellationToken).ConfigureAwait(false);
        var after = cursor is not null && cursor.UidValidity == folder.UidValidity ? cursor.LastUid : 0;
        if (folder.Count == 0)
            return [];
        var uids = await folder.SearchAsync(MailKit.Search.SearchQuery.Uids(new UniqueIdRange(new UniqueId((uint)after + 1), UniqueId.MaxValue)), cancellationToken).ConfigureAwait(false);
        // "n:*" always includes the highest UID, even below n (RFC 9051 §6.4.8): keep only those above.
        return uids.Where(u => u.Id > after).OrderBy(u => u.Id).ToList();
    }

    private static ImportFolder TargetOf(IMailFolder folder)
    {
        var a = folder.Attributes;
        if (folder.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
            return ImportFolder.Standard(SpecialFolder.Inbox);
        if (a.HasFlag(FolderAttributes.Sent))
            return ImportFolder.Standard(SpecialFolder.Sent);
        if (a.HasFlag(FolderAttributes.Drafts))
            return ImportFolder.Standard(SpecialFolder.Drafts);
        if (a.HasFlag(FolderAttributes.Trash))
            return ImportFolder.Standard(SpecialFolder.Trash);
        if (a.HasFlag(FolderAttributes.Junk))
            return ImportFolder.Standard(SpecialFolder.Junk);
        if (a.HasFlag(FolderAttributes.Archive))
            return ImportFolder.Standard(SpecialFolder.Archive);
        var path = folder.FullName.Split(folder.DirectorySeparator == '\0' ? '/' : folder.DirectorySeparator);
        return StandardNames.Folder(path);
    }

    private static Core.Model.MessageFlags Flags(MailKit.MessageFlags flags)
    {
        var result = Core.Model.MessageFlags.None;
        if (flags.HasFlag(MailKit.MessageFlags.Seen))
            result |= Core.Model.MessageFlags.Seen;
        if (flags.HasFlag(MailKit.MessageFlags.Answered))
            result |= Core.Model.MessageFlags.Answered;
        if (flags.HasFlag(MailKit.MessageFlags.Flagged))
            result |= Core.Model.MessageFlags.Flagged;
        if (flags.HasFlag(MailKit.MessageFlags.Deleted))
            result |= Core.Model.MessageFlags.Deleted;
        if (flags.HasFlag(MailKit.MessageFlags.Draft))
            result |= Core.Model.MessageFlags.Draft;
        return result;
    }
}
