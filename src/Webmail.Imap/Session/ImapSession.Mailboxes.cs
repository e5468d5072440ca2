using System.Text;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Imap.Protocol;

namespace Webmail.Imap.Session;

/// <summary>Commands on mailboxes (RFC 9051 §6.3): SELECT, CREATE, DELETE, RENAME, SUBSCRIBE, LIST, STATUS, APPEND, IDLE, CLOSE, EXPUNGE, and QUOTA (RFC 9208).</summary>
public sealed partial class ImapSession
{
    private static readonly string[] SystemFlags = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];

    /// <summary>A mailbox name argument, decoded from modified UTF-7 unless the client uses UTF-8 names.</summary>
    private string MailboxName(ImapArguments args)
    {
        var name = args.AString();
        if (Rev2 || Utf8)
            return name;
        return ModifiedUtf7.TryDecode(name, out var decoded) ? decoded : throw new ImapSyntaxException("Invalid mailbox name (modified UTF-7 expected)");
    }

    /// <summary>A mailbox name as written to this client.</summary>
    private string WireName(string name) => Rev2 || Utf8 ? name : ModifiedUtf7.Encode(name);

    private async Task<MailboxTree> TreeAsync() =>
        new(await _server.Reader.GetFoldersAsync(AccountId, _shutdown).ConfigureAwait(false));

    private async Task<bool> SelectAsync(string tag, ImapArguments args, bool readOnly)
    {
        var name = MailboxName(args);
        (long UidValidity, long Modseq, SequenceSet? KnownUids)? resync = null;
        if (args.TryConsume(' '))
        {
            // RFC 7162 §3.1.8 and §3.2.5: the CONDSTORE and QRESYNC select parameters.
            args.Expect('(');
            do
            {
                if (args.TryKeyword("CONDSTORE"))
                    EnableCondstore();
                else if (args.TryKeyword("QRESYNC"))
                    resync = QresyncParameter(args);
                else
                    throw new ImapSyntaxException("Unknown SELECT parameter");
            }
            while (args.TryConsume(' '));
            args.Expect(')');
        }
        args.End();
        // RFC 7162 §3.2.11: a server that advertises CONDSTORE marks where the old mailbox's responses end.
        if (Selected is not null)
            Untagged("OK [CLOSED] Previous mailbox closed");
        // RFC 9051 §6.3.2: a failed SELECT leaves no mailbox selected.
        Unselect();
        var folder = (await TreeAsync().ConfigureAwait(false)).Find(name);
        if (folder is null)
            return No(tag, "[NONEXISTENT] No such mailbox");
        // Watched before its snapshot is read: a change that commits after the read began wakes the next
        // poll even when its notification comes before the selection is in place (it used to be dropped,
        // and the session stayed on the snapshot until some later change).
        Watch(folder.Id);
        var snapshot = await _server.Store.SnapshotAsync(AccountId, folder.Id, _shutdown).ConfigureAwait(false);
        if (snapshot is null)
        {
            Unselect();
            return No(tag, "[NONEXISTENT] No such mailbox");
        }

        var selected = new SelectedMailbox(snapshot.Folder, snapshot.UidRuns, readOnly);
        var flags = string.Join(' ', SystemFlags.Concat(snapshot.Keywords));
        Untagged($"{selected.Count} EXISTS");
        if (!Rev2)
            Untagged("0 RECENT");
        Untagged($"FLAGS ({flags})");
        Untagged(readOnly ? "OK [PERMANENTFLAGS ()] Read-only mailbox" : $"OK [PERMANENTFLAGS ({flags} \\*)] Flags permitted");
        Untagged($"OK [UIDVALIDITY {snapshot.Folder.UidValidity}] UIDs valid");
        Untagged($"OK [UIDNEXT {snapshot.Folder.UidNext}] Predicted next UID");
        // RFC 7162 §3.1.2.1: every message has a modification sequence, so every SELECT says the highest.
        Untagged($"OK [HIGHESTMODSEQ {snapshot.Folder.HighestModseq}] Highest");
        Untagged($"OK [MAILBOXID ({ObjectIds.Mailbox(snapshot.Folder.Id)})] Ok");
        if (Rev2)
        {
            Out.Text("* LIST () \"/\" ").String(WireName(name.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? "INBOX" : MailboxTree.Normalize(name))).Line();
        }
        Selected = selected;
        State = ImapState.Selected;
        if (resync is { } known && known.UidValidity == snapshot.Folder.UidValidity)
            await ResyncAsync(selected, known.Modseq, known.KnownUids).ConfigureAwait(false);
        return Ok(tag, readOnly ? "[READ-ONLY] EXAMINE completed" : "[READ-WRITE] SELECT completed");
    }

    /// <summary>
    /// The UIDs that left since the changes' modseq, within <paramref name="within"/> (all when null), that
    /// this view does not hold. From the expunge log; when it was compacted past that modseq, every UID
    /// within the set and below UIDNEXT that is not here (RFC 7162 §3.2.5.2).
    /// </summary>
    private static List<long> Vanished(FolderChanges changes, SelectedMailbox selected, SequenceSet? within)
    {
        if (changes.PresentUids is null)
            return changes.Expunged.Where(uid => selected.SequenceOf(uid) == 0 && (within is null || within.Contains(uid))).Order().ToList();
        var gone = new List<long>();
        // Below the view's UIDNEXT: a message that arrived since is not here yet, and has not left.
        var top = selected.Folder.UidNext - 1;
        foreach (var (low, high) in within?.Intervals ?? [(1L, top)])
        {
            for (var uid = Math.Max(1, low); uid <= Math.Min(top, high); uid++)
            {
                if (selected.SequenceOf(uid) == 0)
                    gone.Add(uid);
            }
        }
        return gone;
    }

    /// <summary><c>QRESYNC (uidvalidity modseq [known-uids] [(known-sequences known-uids)])</c> (RFC 7162 §3.2.5).</summary>
    private (long UidValidity, long Modseq, SequenceSet? KnownUids) QresyncParameter(ImapArguments args)
    {
        if (!Qresync)
            throw new ImapSyntaxException("QRESYNC is not enabled");
        args.Space();
        args.Expect('(');
        var uidValidity = args.Number();
        args.Space();
        var modseq = args.Number();
        SequenceSet? knownUids = null;
        while (args.TryConsume(' '))
        {
            if (args.TryConsume('('))
            {
                // The sequence-match data only helps a server without a complete expunge log: read, not needed.
                args.SequenceSet();
                args.Space();
                args.SequenceSet();
                args.Expect(')');
            }
            else
                knownUids = args.SequenceSet();
        }
        args.Expect(')');
        return (uidValidity, modseq, knownUids);
    }

    /// <summary>
    /// What a client that knew the mailbox at <paramref name="modseq"/> missed (RFC 7162 §3.2.5.1): the
    /// UIDs expunged since, as <c>VANISHED (EARLIER)</c>, then a FETCH of every message changed or
    /// added since, limited to <paramref name="knownUids"/> when given. What changed after this view
    /// was taken is left to the next poll, which tells it as it does for everyone.
    /// </summary>
    private async Task ResyncAsync(SelectedMailbox selected, long modseq, SequenceSet? knownUids)
    {
        var changes = await _server.Store.ChangesSinceAsync(AccountId, selected.FolderId, modseq, _shutdown).ConfigureAwait(false);
        if (changes is null)
            return;
        var vanished = Vanished(changes, selected, knownUids);
        if (vanished.Count > 0)
            Untagged($"VANISHED (EARLIER) {SequenceSet.Format(vanished)}");
        foreach (var state in changes.Changed)
        {
            var sequence = selected.SequenceOf(state.Uid);
            if (sequence == 0 || state.Modseq > selected.Modseq || knownUids is not null && !knownUids.Contains(state.Uid))
                continue;
            Untagged($"{sequence} FETCH (UID {state.Uid} FLAGS ({FlagText(state.Flags, state.Keywords)}) MODSEQ ({state.Modseq}))");
        }
    }

    private async Task<bool> CloseAsync(string tag, bool expunge)
    {
        // RFC 9051 §6.4.1: CLOSE expunges silently (not in a read-only mailbox); UNSELECT does not.
        if (expunge && Selected is { ReadOnly: false } selected)
            await _server.Store.ExpungeAsync(AccountId, selected.FolderId, null, _shutdown).ConfigureAwait(false);
        Unselect();
        return Ok(tag, expunge ? "CLOSE completed" : "UNSELECT completed");
    }

    private async Task<bool> ExpungeAsync(string tag, SequenceSet? uidSet)
    {
        var selected = Selected!;
        if (selected.ReadOnly)
            return No(tag, "[READ-ONLY] The mailbox is read-only");
        IReadOnlyList<long>? uids = null;
        if (uidSet is not null)
            uids = ResolveUids(uidSet);
        await _server.Store.ExpungeAsync(AccountId, selected.FolderId, uids, _shutdown).ConfigureAwait(false);
        Volatile.Write(ref _changed, 1);
        await PollAsync(expungesAllowed: true).ConfigureAwait(false);
        return Ok(tag, "EXPUNGE completed");
    }

    private async Task<bool> CreateAsync(string tag, ImapArguments args)
    {
        var name = MailboxTree.Normalize(MailboxName(args));
        args.End();
        var tree = await TreeAsync().ConfigureAwait(false);
        if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase) || tree.Find(name) is not null)
            return No(tag, "[ALREADYEXISTS] The mailbox exists already");
        var parts = name.Split(MailboxTree.Separator);
        if (parts.Any(p => p.Length == 0))
            return No(tag, "[CANNOT] Empty hierarchy level in the name");
        var created = await _server.Store.CreateFolderPathAsync(AccountId, parts, _shutdown).ConfigureAwait(false);
        return Ok(tag, $"[MAILBOXID ({ObjectIds.Mailbox(created.Id)})] CREATE completed");
    }

    private async Task<bool> DeleteAsync(string tag, ImapArguments args)
    {
        var name = MailboxName(args);
        args.End();
        var tree = await TreeAsync().ConfigureAwait(false);
        var folder = tree.Find(name);
        if (folder is null)
            return No(tag, "[NONEXISTENT] No such mailbox");
        if (folder.SpecialUse != SpecialFolder.None)
            return No(tag, "[CANNOT] Standard folders cannot be deleted");
        // RFC 9051 §6.3.5: a folder with subfolders is not deleted by this server (its messages would go with it).
        if (tree.HasChildren(folder))
            return No(tag, "[INUSE] The mailbox has subfolders; delete them first");
        await _server.Writer.DeleteFolderAsync(AccountId, folder.Id, _shutdown).ConfigureAwait(false);
        if (Selected?.FolderId == folder.Id)
            Unselect();
        return Ok(tag, "DELETE completed");
    }

    private async Task<bool> RenameAsync(string tag, ImapArguments args)
    {
        var from = MailboxName(args);
        args.Space();
        var to = MailboxTree.Normalize(MailboxName(args));
        args.End();
        var tree = await TreeAsync().ConfigureAwait(false);
        var folder = tree.Find(from);
        if (folder is null)
            return No(tag, "[NONEXISTENT] No such mailbox");
        if (folder.SpecialUse != SpecialFolder.None)
            return No(tag, "[CANNOT] Standard folders cannot be renamed");
        if (tree.Find(to) is not null)
            return No(tag, "[ALREADYEXISTS] The target name exists already");
        var parts = to.Split(MailboxTree.Separator);
        if (parts.Any(p => p.Length == 0))
            return No(tag, "[CANNOT] Empty hierarchy level in the name");
        long? parentId = null;
        if (parts.Length > 1)
        {
            var parentName = string.Join(MailboxTree.Separator, parts[..^1]);
            parentId = (tree.Find(parentName) ?? await _server.Store.CreateFolderPathAsync(AccountId, parts[..^1], _shutdown).ConfigureAwait(false)).Id;
        }
        await _server.Store.MoveFolderAsync(AccountId, folder.Id, parentId, parts[^1], _shutdown).ConfigureAwait(false);
        return Ok(tag, "RENAME completed");
    }

    private async Task<bool> SubscribeAsync(string tag, ImapArguments args, bool subscribe)
    {
        var name = MailboxName(args);
        args.End();
        var folder = (await TreeAsync().ConfigureAwait(false)).Find(name);
        if (folder is null)
            return subscribe ? No(tag, "[NONEXISTENT] No such mailbox") : Ok(tag, "UNSUBSCRIBE completed");
        await _server.Store.SetSubscribedAsync(AccountId, folder.Id, subscribe, _shutdown).ConfigureAwait(false);
        return Ok(tag, subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
    }

    /// <summary>
    /// LIST (RFC 9051 §6.3.9) with LIST-EXTENDED selection and return options (RFC 5258: SUBSCRIBED,
    /// SPECIAL-USE, CHILDREN, STATUS of RFC 5819), and LSUB for IMAP4rev1 clients.
    /// </summary>
    private async Task<bool> ListAsync(string tag, ImapArguments args, bool lsub)
    {
        bool selectSubscribed = false, selectSpecialUse = false, returnStatus = false;
        var statusItems = new List<string>();
        if (!lsub && args.TryConsume('('))
        {
            while (!args.TryConsume(')'))
            {
                var option = args.Atom().ToUpperInvariant();
                selectSubscribed |= option == "SUBSCRIBED";
                selectSpecialUse |= option == "SPECIAL-USE";
                args.TryConsume(' ');
            }
            args.Space();
        }
        var reference = MailboxName(args);
        args.Space();
        var patterns = new List<string>();
        if (!lsub && args.TryConsume('('))
        {
            do
                patterns.Add(ListPattern(args));
            while (args.TryConsume(' '));
            args.Expect(')');
        }
        else
        {
            patterns.Add(ListPattern(args));
        }
        if (!lsub && args.TryConsume(' '))
        {
            if (!args.TryKeyword("RETURN"))
                throw new ImapSyntaxException("Expected RETURN");
            args.Space();
            args.Expect('(');
            while (!args.TryConsume(')'))
            {
                var option = args.Atom().ToUpperInvariant();
                if (option == "STATUS")
                {
                    args.Space();
                    statusItems = StatusItems(args);
                    returnStatus = true;
                }
                args.TryConsume(' ');
            }
        }
        args.End();

        var command = lsub ? "LSUB" : "LIST";
        if (patterns.Count == 1 && patterns[0].Length == 0 && !lsub)
        {
            // RFC 9051 §6.3.9: an empty pattern asks for the hierarchy delimiter.
            Untagged("LIST (\\Noselect) \"/\" \"\"");
            return Ok(tag, "LIST completed");
        }
        var tree = await TreeAsync().ConfigureAwait(false);
        foreach (var folder in tree.Folders.OrderBy(f => f.SpecialUse == SpecialFolder.Inbox ? 0 : 1).ThenBy(tree.Name, StringComparer.OrdinalIgnoreCase))
        {
            var name = tree.Name(folder);
            if (!patterns.Any(p => MailboxTree.Matches(name, reference + p)))
                continue;
            if ((lsub || selectSubscribed) && !folder.Subscribed)
                continue;
            var special = MailboxTree.SpecialUseAttribute(folder.SpecialUse);
            if (selectSpecialUse && special is null)
                continue;
            var attributes = new List<string> { tree.HasChildren(folder) ? "\\HasChildren" : "\\HasNoChildren" };
            if (special is not null)
                attributes.Add(special);
            if (selectSubscribed && !lsub)
                attributes.Add("\\Subscribed");
            Out.Text($"* {command} ({string.Join(' ', attributes)}) \"/\" ").String(WireName(name)).Line();
            if (returnStatus)
                await WriteStatusAsync(folder, name, statusItems).ConfigureAwait(false);
            await Out.MaybeFlushAsync(_shutdown).ConfigureAwait(false);
        }
        return Ok(tag, command + " completed");
    }

    private string ListPattern(ImapArguments args)
    {
        var pattern = args.Peek is (byte)'"' or (byte)'{' ? args.String() : args.Atom(allowBracket: true, listChars: true);
        if (Rev2 || Utf8)
            return pattern;
        return ModifiedUtf7.TryDecode(pattern, out var decoded) ? decoded : pattern;
    }

    private static List<string> StatusItems(ImapArguments args)
    {
        var items = new List<string>();
        args.Expect('(');
        do
        {
            var item = args.Atom().ToUpperInvariant();
            if (item is not ("MESSAGES" or "UIDNEXT" or "UIDVALIDITY" or "UNSEEN" or "DELETED" or "SIZE" or "RECENT" or "HIGHESTMODSEQ" or "MAILBOXID"))
                throw new ImapSyntaxException($"Unknown STATUS item {item}");
            items.Add(item);
        }
        while (args.TryConsume(' '));
        args.Expect(')');
        return items;
    }

    private async Task<bool> StatusAsync(string tag, ImapArguments args)
    {
        var name = MailboxName(args);
        args.Space();
        var items = StatusItems(args);
        args.End();
        if (items.Contains("HIGHESTMODSEQ"))
            EnableCondstore(); // RFC 7162 §3.1: a CONDSTORE-enabling command
        var tree = await TreeAsync().ConfigureAwait(false);
        var folder = tree.Find(name);
        if (folder is null)
            return No(tag, "[NONEXISTENT] No such mailbox");
        await WriteStatusAsync(folder, tree.Name(folder), items).ConfigureAwait(false);
        return Ok(tag, "STATUS completed");
    }

    private async Task WriteStatusAsync(Folder folder, string name, IReadOnlyList<string> items)
    {
        var values = new StringBuilder();
        foreach (var item in items)
        {
            var value = item switch
            {
                "MESSAGES" => folder.MessageCount,
                "UIDNEXT" => folder.UidNext,
                "UIDVALIDITY" => folder.UidValidity,
                "UNSEEN" => folder.UnreadCount,
                "SIZE" => folder.TotalBytes,
                "RECENT" => 0,
                "DELETED" => await _server.Store.CountDeletedAsync(AccountId, folder.Id, _shutdown).ConfigureAwait(false),
                "HIGHESTMODSEQ" => folder.HighestModseq,
                _ => 0,
            };
            if (values.Length > 0)
                values.Append(' ');
            values.Append(item).Append(' ');
            if (item == "MAILBOXID")
                values.Append('(').Append(ObjectIds.Mailbox(folder.Id)).Append(')');
            else
                values.Append(value);
        }
        Out.Text("* STATUS ").String(WireName(name)).Text($" ({values})").Line();
    }

    private async Task<bool> AppendAsync(string tag, ImapArguments args)
    {
        var name = MailboxName(args);
        args.Space();
        var flags = MessageFlags.None;
        var keywords = new List<string>();
        if (args.Peek == (byte)'(')
        {
            (flags, keywords) = ParseFlags(args.FlagList());
            args.Space();
        }
        DateTimeOffset? internalDate = null;
        if (args.Peek == (byte)'"')
        {
            internalDate = args.DateTime();
            args.Space();
        }
        var message = args.StringBytes();
        args.End();
        if (message.Length == 0)
            return No(tag, "An empty message cannot be appended");
        var folder = (await TreeAsync().ConfigureAwait(false)).Find(name);
        if (folder is null)
            return No(tag, "[TRYCREATE] No such mailbox");
        var stored = await _server.Store.AppendAsync(AccountId, folder.Id, message, flags, keywords, internalDate, _shutdown).ConfigureAwait(false);
        await PollAsync(expungesAllowed: true).ConfigureAwait(false);
        return Ok(tag, $"[APPENDUID {folder.UidValidity} {stored.Uid}] APPEND completed");
    }

    /// <summary>Splits flags into system flags and keywords; \Recent and unknown system flags are refused (RFC 9051 §2.3.2).</summary>
    internal static (MessageFlags Flags, List<string> Keywords) ParseFlags(IEnumerable<string> flags)
    {
        var result = MessageFlags.None;
        var keywords = new List<string>();
        foreach (var flag in flags)
        {
            if (flag.StartsWith('\\'))
            {
                result |= flag.ToUpperInvariant() switch
                {
                    "\\SEEN" => MessageFlags.Seen,
                    "\\ANSWERED" => MessageFlags.Answered,
                    "\\FLAGGED" => MessageFlags.Flagged,
                    "\\DELETED" => MessageFlags.Deleted,
                    "\\DRAFT" => MessageFlags.Draft,
                    "\\RECENT" => MessageFlags.None, // RFC 3501 §2.3.2: set by the server only; ignored
                    _ => throw new ImapSyntaxException($"Unknown system flag {flag}"),
                };
            }
            else if (flag.Length > Keywords.MaxLength)
            {
                throw new ImapSyntaxException("Keyword too long");
            }
            else if (!keywords.Contains(flag, StringComparer.OrdinalIgnoreCase))
            {
                keywords.Add(flag);
            }
        }
        return (result, keywords);
    }

    /// <summary>
    /// IDLE (RFC 2177, RFC 9051 §6.3.13): changes to the selected folder made through any door are
    /// sent as they commit, until the client sends DONE or the autologout timer ends the session.
    /// </summary>
    private async Task<bool> IdleAsync(string tag)
    {
        Out.Text("+ idling").Line();
        await PollAsync(expungesAllowed: true).ConfigureAwait(false);
        await Out.FlushAsync(_shutdown).ConfigureAwait(false);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
        timer.CancelAfter(IdleTimeout);
        var done = _connection.Reader.ReadLineAsync(timer.Token).AsTask();
        try
        {
            while (true)
            {
                var signal = _changeSignal.WaitAsync(timer.Token);
                var first = await Task.WhenAny(done, signal).ConfigureAwait(false);
                if (first == done)
                    break;
                await signal.ConfigureAwait(false);
                await PollAsync(expungesAllowed: true).ConfigureAwait(false);
                await Out.FlushAsync(_shutdown).ConfigureAwait(false);
            }
            var line = await done.ConfigureAwait(false);
            // The signal wait still pending must not take a later change's signal.
            await timer.CancelAsync().ConfigureAwait(false);
            if (line is null)
            {
                State = ImapState.Logout;
                return true;
            }
            if (!Encoding.ASCII.GetString(line).Equals("DONE", StringComparison.OrdinalIgnoreCase))
                return Bad(tag, "Expected DONE");
            return Ok(tag, "IDLE terminated");
        }
        catch (OperationCanceledException) when (!_shutdown.IsCancellationRequested)
        {
            Untagged("BYE Autologout; idle for too long");
            State = ImapState.Logout;
            return true;
        }
    }

    private async Task<bool> GetQuotaRootAsync(string tag, ImapArguments args)
    {
        var name = MailboxName(args);
        args.End();
        if ((await TreeAsync().ConfigureAwait(false)).Find(name) is null)
            return No(tag, "[NONEXISTENT] No such mailbox");
        Out.Text("* QUOTAROOT ").String(WireName(MailboxTree.Normalize(name))).Text(" \"\"").Line();
        await WriteQuotaAsync().ConfigureAwait(false);
        return Ok(tag, "GETQUOTAROOT completed");
    }

    private async Task<bool> GetQuotaAsync(string tag, ImapArguments args)
    {
        var root = args.AString();
        args.End();
        if (root.Length != 0)
            return No(tag, "[NONEXISTENT] No such quota root");
        await WriteQuotaAsync().ConfigureAwait(false);
        return Ok(tag, "GETQUOTA completed");
    }

    /// <summary>RFC 9208 §5.1: STORAGE in units of 1,024 octets, from the account's quota; no limit, no resource listed.</summary>
    private async Task WriteQuotaAsync()
    {
        var account = await _server.Directory.GetAccountAsync(AccountId, _shutdown).ConfigureAwait(false);
        if (account is null || account.QuotaBytes <= 0)
        {
            Untagged("QUOTA \"\" ()");
            return;
        }
        Untagged($"QUOTA \"\" (STORAGE {(account.UsedBytes + 1023) / 1024} {account.QuotaBytes / 1024})");
    }
}
