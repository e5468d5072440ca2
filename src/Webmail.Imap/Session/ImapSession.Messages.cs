using System.Globalization;
using Webmail.Core.Messages;
using Webmail.Core.Messages.Imap;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Imap.Protocol;

namespace Webmail.Imap.Session;

/// <summary>Commands on the selected mailbox's messages (RFC 9051 §6.4): FETCH, STORE, SEARCH, COPY, MOVE and their UID forms.</summary>
public sealed partial class ImapSession
{
    /// <summary>Messages read from the store at once while answering FETCH or SEARCH.</summary>
    private const int Batch = 500;

    /// <summary>The UIDs of the last SEARCH ... RETURN (SAVE), for <c>$</c> (RFC 5182).</summary>
    private List<long> _savedResult = [];

    /// <summary>The UIDs a set names: UIDs directly, or message sequence numbers of this view.</summary>
    private List<long> Resolve(SequenceSet set, bool byUid)
    {
        var selected = Selected!;
        if (set.IsSavedResult)
            return _savedResult.Where(uid => selected.SequenceOf(uid) > 0).ToList();
        if (byUid)
            return set.Resolve(selected.Uids);
        // RFC 9051 §9: a sequence number beyond the mailbox is an error (except through *).
        foreach (var (first, last) in set.Ranges)
        {
            if (first > selected.Count || last > selected.Count)
                throw new ImapSyntaxException("Invalid message sequence number");
        }
        return set.Resolve(new SequenceNumbers(selected.Count)).Select(n => selected.UidOf((int)n)).ToList();
    }

    private List<long> ResolveUids(SequenceSet set) => Resolve(set, byUid: true);

    private async Task<bool> FetchAsync(string tag, ImapArguments args, bool byUid)
    {
        var set = args.SequenceSet();
        args.Space();
        var items = FetchItem.ParseList(args);
        long? changedSince = null;
        var vanished = false;
        if (args.TryConsume(' '))
        {
            // RFC 7162 §3.1.4.2: the CHANGEDSINCE modifier, which implies the MODSEQ item; §3.2.6: VANISHED.
            args.Expect('(');
            do
            {
                if (args.TryKeyword("CHANGEDSINCE"))
                {
                    args.Space();
                    changedSince = args.Number(allowZero: true);
                }
                else if (args.TryKeyword("VANISHED"))
                    vanished = true;
                else
                    throw new ImapSyntaxException("Unknown FETCH modifier");
            }
            while (args.TryConsume(' '));
            args.Expect(')');
            if (vanished && !(byUid && Qresync && changedSince is not null))
                throw new ImapSyntaxException("VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC enabled");
            if (changedSince is not null && !items.Any(i => i.Kind == FetchKind.Modseq))
                items.Add(new FetchItem(FetchKind.Modseq, "MODSEQ"));
        }
        args.End();
        // RFC 9051 §6.4.9: UID FETCH answers always carry the UID.
        if (byUid && !items.Any(i => i.Kind == FetchKind.Uid))
            items.Insert(0, new FetchItem(FetchKind.Uid, "UID"));
        if (items.Any(i => i.Kind == FetchKind.Modseq))
            EnableCondstore();
        await PollAsync(expungesAllowed: byUid).ConfigureAwait(false);

        var selected = Selected!;
        var uids = Resolve(set, byUid);
        if (vanished && await _server.Store.ChangesSinceAsync(AccountId, selected.FolderId, changedSince!.Value, _shutdown).ConfigureAwait(false) is { } changes)
        {
            // RFC 7162 §3.2.6: the UIDs of the set expunged since CHANGEDSINCE, before the FETCHes.
            var gone = Vanished(changes, selected, set);
            if (gone.Count > 0)
                Untagged($"VANISHED (EARLIER) {SequenceSet.Format(gone)}");
        }
        var withStructure = items.Any(i => i.NeedsStructure);
        var parts = items.Aggregate(ImapMessageParts.None, (all, item) => all | item.Parts);
        var needsRaw = items.Any(i => i.NeedsRaw);
        var binaryParts = items.Where(i => i.Kind is FetchKind.Binary or FetchKind.BinarySize && i.Section!.Part.Count > 0).ToList();
        var setsSeen = !selected.ReadOnly && items.Any(i => i.Kind is FetchKind.Section or FetchKind.Binary && !i.Peek);
        // One held connection for every message's bytes (a download of thousands pays no pool round trip each).
        using var rawReader = needsRaw || withStructure ? _server.Store.OpenRawReader(AccountId) : null;
        // Rows without bytes are small: a FLAGS or ENVELOPE sync of a large mailbox reads them ten batches at a time.
        await foreach (var messages in ReadBatchesAsync(selected.FolderId, uids, parts, needsRaw ? Batch : 10 * Batch).ConfigureAwait(false))
        {
            var seenNow = new Dictionary<long, FlagState>();
            if (setsSeen && messages.Where(m => !m.Flags.HasFlag(MessageFlags.Seen)).Select(m => m.Uid).ToList() is { Count: > 0 } unseen)
            {
                // RFC 9051 §6.4.5: fetching a body section without PEEK sets \Seen; the answer includes the new FLAGS.
                var result = await _server.Store.StoreFlagsAsync(AccountId, selected.FolderId, unseen, new FlagChange(FlagChangeMode.Add, MessageFlags.Seen, []), null, _shutdown).ConfigureAwait(false);
                foreach (var state in result.Changed)
                {
                    seenNow[state.Uid] = state;
                    selected.Reported(state.Uid, state.Modseq);
                }
            }
            foreach (var message in messages)
            {
                var sequence = selected.SequenceOf(message.Uid);
                if (sequence == 0 || message.Modseq <= changedSince)
                    continue;
                var structureMissing = withStructure && message.Structure is null;
                var raw = needsRaw || structureMissing ? ReadRaw(rawReader!, message.Id) : null;
                if ((needsRaw || structureMissing) && raw is null)
                    continue; // gone since the row was read
                // RFC 3516 §4.3: checked before the answer starts, so a NO never follows half a FETCH line.
                if (binaryParts.Count > 0 && binaryParts.Any(i => MessageSections.Decode(raw!, i.Section!.Part) is null))
                    return No(tag, "[UNKNOWN-CTE] A part has an unknown Content-Transfer-Encoding");
                // Only an item that shows a view needs it; one stored before views were kept is computed now, once.
                var structure = structureMissing ? await ComputeStructureAsync(message, raw!).ConfigureAwait(false) : message.Structure;
                var flags = seenNow.TryGetValue(message.Uid, out var changed) ? FlagText(changed.Flags, changed.Keywords) : FlagText(message.Flags, message.Keywords);
                WriteFetch(sequence, changed is null ? message : message with { Modseq = changed.Modseq }, items, flags, structure, raw, includeFlags: changed is not null);
                await Out.MaybeFlushAsync(_shutdown).ConfigureAwait(false);
            }
        }
        return Ok(tag, byUid ? "UID FETCH completed" : "FETCH completed");
    }

    /// <summary>
    /// The rows of <paramref name="uids"/>, in order, <paramref name="batch"/> at a time: the first batch is
    /// small so the answer starts at once, and each next one is read while the caller writes the one before.
    /// </summary>
    private async IAsyncEnumerable<IReadOnlyList<ImapMessage>> ReadBatchesAsync(long folderId, List<long> uids, ImapMessageParts parts, int batch)
    {
        if (uids.Count == 0)
            yield break;
        Task<IReadOnlyList<ImapMessage>>? next = Read(0, Math.Min(Batch, batch));
        var from = Math.Min(Batch, batch);
        try
        {
            while (next is not null)
            {
                var rows = await next.ConfigureAwait(false);
                next = from < uids.Count ? Read(from, batch) : null;
                from += batch;
                yield return rows;
            }
        }
        finally
        {
            // The caller stopped early (an error answer, a closed connection): the read ahead is not wanted.
            if (next is not null)
                await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Task<IReadOnlyList<ImapMessage>> Read(int start, int count) =>
            _server.Store.GetMessagesAsync(AccountId, folderId, uids.GetRange(start, Math.Min(count, uids.Count - start)), parts, _shutdown);
    }

    private static byte[]? ReadRaw(Core.Storage.IRawMessageReader reader, long messageId)
    {
        using var stream = reader.Open(messageId);
        if (stream is null)
            return null;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The IMAP views of a message stored before they were computed at delivery: computed now and kept.</summary>
    private async Task<MessageStructure> ComputeStructureAsync(ImapMessage message, byte[] raw)
    {
        var parsed = MessageParser.Parse(raw, _server.Options.Limits.MaxMimeDepth);
        var structure = new MessageStructure(parsed.ImapEnvelope, parsed.ImapBodyStructure, parsed.ImapBody);
        await _server.Store.SaveStructureAsync(AccountId, message.Id, structure, _shutdown).ConfigureAwait(false);
        return structure;
    }

    private void WriteFetch(int sequence, ImapMessage message, List<FetchItem> items, string flags, MessageStructure? structure, byte[]? raw, bool includeFlags)
    {
        var includeModseq = includeFlags && Condstore;
        Out.Text("* ").Number(sequence).Text(" FETCH (");
        var first = true;
        foreach (var item in items)
        {
            if (!first)
                Out.Text(" ");
            first = false;
            switch (item.Kind)
            {
                case FetchKind.Flags:
                    Out.Text("FLAGS (").Text(flags).Text(")");
                    includeFlags = false;
                    break;
                case FetchKind.Uid:
                    Out.Text("UID ").Number(message.Uid);
                    break;
                case FetchKind.EmailId:
                    Out.Text("EMAILID (").Text(ObjectIds.Email(message.Id)).Text(")");
                    break;
                case FetchKind.ThreadId:
                    Out.Text(ObjectIds.Thread(message.ThreadKey) is { } thread ? $"THREADID ({thread})" : "THREADID NIL");
                    break;
                case FetchKind.Preview:
                    Out.Text("PREVIEW ").String(message.Preview);
                    break;
                case FetchKind.Modseq:
                    Out.Text("MODSEQ (").Number(message.Modseq).Text(")");
                    includeModseq = false;
                    break;
                case FetchKind.InternalDate:
                    Out.Text("INTERNALDATE \"").Text(FormatDateTime(message.InternalDate)).Text("\"");
                    break;
                case FetchKind.Size:
                    Out.Text("RFC822.SIZE ").Number(message.Size);
                    break;
                case FetchKind.Envelope:
                    Out.Text("ENVELOPE ").Text(structure!.Envelope);
                    break;
                case FetchKind.BodyStructure:
                    Out.Text("BODYSTRUCTURE ").Text(structure!.BodyStructure);
                    break;
                case FetchKind.Body:
                    Out.Text("BODY ").Text(structure!.Body);
                    break;
                case FetchKind.Section:
                {
                    var bytes = item.Section!.Part.Count == 0 && item.Section.Text == SectionText.Content
                        ? raw!
                        : MessageSections.Extract(raw!, item.Section);
                    Out.Text(item.Label).Text(" ").Literal(Partial(bytes, item));
                    break;
                }
                case FetchKind.Binary:
                case FetchKind.BinarySize:
                {
                    var decoded = item.Section!.Part.Count == 0 ? raw! : MessageSections.Decode(raw!, item.Section.Part);
                    decoded ??= [];
                    if (item.Kind == FetchKind.BinarySize)
                        Out.Text($"{item.Label} {decoded.Length}");
                    else
                        Out.Text(item.Label).Text(" ").Literal(Partial(decoded, item), binary: Array.IndexOf(decoded, (byte)0) >= 0);
                    break;
                }
            }
        }
        if (includeFlags)
            Out.Text(" FLAGS (").Text(flags).Text(")");
        // RFC 7162 §3.1.4.1: a FETCH that reports a flag change carries MODSEQ once CONDSTORE is on.
        if (includeModseq)
            Out.Text(" MODSEQ (").Number(message.Modseq).Text(")");
        Out.Text(")").Line();
    }

    private static ReadOnlySpan<byte> Partial(byte[] bytes, FetchItem item)
    {
        if (item.PartialStart is not { } start)
            return bytes;
        // RFC 9051 §6.4.5: a partial beyond the end is empty; one running past the end is cut.
        if (start >= bytes.Length)
            return [];
        var length = Math.Min(item.PartialLength ?? long.MaxValue, bytes.Length - start);
        return bytes.AsSpan((int)start, (int)length);
    }

    /// <summary>RFC 9051 date-time: <c>05-Dec-2026 06:55:57 +0000</c>.</summary>
    internal static string FormatDateTime(DateTimeOffset value)
    {
        var offset = value.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return value.ToString("dd-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + sign + offset.Hours.ToString("00", CultureInfo.InvariantCulture) + offset.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    private async Task<bool> StoreAsync(string tag, ImapArguments args, bool byUid)
    {
        var set = args.SequenceSet();
        args.Space();
        long? unchangedSince = null;
        if (args.TryConsume('('))
        {
            // RFC 7162 §3.1.3 STORE modifier.
            if (!args.TryKeyword("UNCHANGEDSINCE"))
                throw new ImapSyntaxException("Unknown STORE modifier");
            args.Space();
            unchangedSince = args.Number(allowZero: true);
            args.Expect(')');
            args.Space();
            EnableCondstore();
        }
        var operation = args.Atom().ToUpperInvariant();
        var mode = operation[0] switch { '+' => FlagChangeMode.Add, '-' => FlagChangeMode.Remove, _ => FlagChangeMode.Replace };
        var item = operation.TrimStart('+', '-');
        if (item is not ("FLAGS" or "FLAGS.SILENT"))
            throw new ImapSyntaxException("Expected FLAGS, +FLAGS or -FLAGS");
        var silent = item.EndsWith(".SILENT", StringComparison.Ordinal);
        args.Space();
        var (flags, keywords) = ParseFlags(args.FlagList(allowBare: true));
        args.End();

        var selected = Selected!;
        if (selected.ReadOnly)
            return No(tag, "[READ-ONLY] The mailbox is read-only");
        await PollAsync(expungesAllowed: byUid).ConfigureAwait(false);
        var uids = Resolve(set, byUid);
        var result = await _server.Store.StoreFlagsAsync(AccountId, selected.FolderId, uids, new FlagChange(mode, flags, keywords), unchangedSince, _shutdown).ConfigureAwait(false);
        foreach (var state in result.Changed)
            selected.Reported(state.Uid, state.Modseq);
        if (!silent)
        {
            // RFC 9051 §6.4.6: the new flags of every message the STORE named.
            var changed = result.Changed.ToDictionary(s => s.Uid);
            var others = uids.Where(u => !changed.ContainsKey(u) && !result.Modified.Contains(u)).ToList();
            var unchanged = others.Count == 0 ? [] : await _server.Store.GetMessagesAsync(AccountId, selected.FolderId, others, ImapMessageParts.None, _shutdown).ConfigureAwait(false);
            var states = result.Changed.Concat(unchanged.Select(m => new FlagState(m.Uid, m.Flags, m.Keywords, m.Modseq))).OrderBy(s => s.Uid);
            foreach (var state in states)
                StoreFetch(state, $"FLAGS ({FlagText(state.Flags, state.Keywords)})");
        }
        else if (Condstore)
        {
            // RFC 7162 §3.1.3: .SILENT leaves out the flags, not the new modification sequences.
            foreach (var state in result.Changed.OrderBy(s => s.Uid))
                StoreFetch(state, null);
        }
        if (result.Modified.Count > 0)
        {
            var modified = byUid ? result.Modified : result.Modified.Select(u => (long)selected.SequenceOf(u)).Where(n => n > 0);
            return Ok(tag, $"[MODIFIED {SequenceSet.Format(modified.Order())}] Conditional STORE failed for some messages");
        }
        return Ok(tag, byUid ? "UID STORE completed" : "STORE completed");

        void StoreFetch(FlagState state, string? flags)
        {
            var sequence = selected.SequenceOf(state.Uid);
            if (sequence == 0)
                return;
            var items = new List<string>();
            if (byUid)
                items.Add($"UID {state.Uid}");
            if (flags is not null)
                items.Add(flags);
            if (Condstore)
                items.Add($"MODSEQ ({state.Modseq})");
            Untagged($"{sequence} FETCH ({string.Join(' ', items)})");
        }
    }

    private async Task<bool> CopyAsync(string tag, ImapArguments args, bool byUid, bool move)
    {
        var set = args.SequenceSet();
        args.Space();
        var name = MailboxName(args);
        args.End();
        var selected = Selected!;
        if (move && selected.ReadOnly)
            return No(tag, "[READ-ONLY] The mailbox is read-only");
        await PollAsync(expungesAllowed: true).ConfigureAwait(false);
        var target = (await TreeAsync().ConfigureAwait(false)).Find(name);
        if (target is null)
            return No(tag, "[TRYCREATE] No such mailbox");
        var uids = Resolve(set, byUid);
        var command = move ? "MOVE" : "COPY";
        if (uids.Count == 0)
            return Ok(tag, $"{command} completed");
        var mapping = move
            ? await _server.Store.MoveAsync(AccountId, selected.FolderId, uids, target.Id, _shutdown).ConfigureAwait(false)
            : await _server.Store.CopyAsync(AccountId, selected.FolderId, uids, target.Id, _shutdown).ConfigureAwait(false);
        var copyUid = mapping.SourceUids.Count == 0 ? "" : $"[COPYUID {mapping.TargetUidValidity} {SequenceSet.Format(mapping.SourceUids)} {SequenceSet.Format(mapping.TargetUids)}] ";
        if (!move)
            return Ok(tag, $"{copyUid}COPY completed");
        // RFC 6851 §4.3: COPYUID comes in an untagged OK before the EXPUNGEs.
        if (copyUid.Length > 0)
            Untagged($"OK {copyUid.TrimEnd()} Moved");
        Volatile.Write(ref _changed, 1);
        await PollAsync(expungesAllowed: true).ConfigureAwait(false);
        return Ok(tag, "MOVE completed");
    }

    private async Task<bool> SearchAsync(string tag, ImapArguments args, bool byUid)
    {
        var returns = new List<string>();
        var extended = false;
        if (args.TryKeyword("RETURN"))
        {
            // RFC 4731 ESEARCH return options; RFC 5182 SAVE.
            extended = true;
            args.Space();
            args.Expect('(');
            while (!args.TryConsume(')'))
            {
                var option = args.Atom().ToUpperInvariant();
                if (option is not ("MIN" or "MAX" or "COUNT" or "ALL" or "SAVE"))
                    throw new ImapSyntaxException($"Unknown RETURN option {option}");
                returns.Add(option);
                args.TryConsume(' ');
            }
            args.Space();
        }
        if (args.TryKeyword("CHARSET"))
        {
            args.Space();
            var charset = args.AString();
            if (!charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
                return No(tag, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
            args.Space();
        }
        var selected = Selected!;
        var key = SearchKey.ParseProgram(args, (set, uid) =>
        {
            var members = new HashSet<long>(Resolve(set, uid));
            return c => members.Contains(c.Message.Uid);
        });
        args.End();
        if (key.UsesModseq)
            EnableCondstore();
        await PollAsync(expungesAllowed: byUid).ConfigureAwait(false);

        var matches = new List<(long Uid, int Sequence)>();
        var highestModseq = 0L;
        // The full-text index narrows BODY and TEXT to candidates; each one it did not prove is then checked exactly.
        IEnumerable<long>? candidates = null;
        var proven = new Dictionary<(SearchTextField, string), IReadOnlySet<long>>();
        var texts = key.Narrowing.ToList();
        foreach (var text in texts)
        {
            if (await _server.Store.TextCandidatesAsync(AccountId, selected.FolderId, text.Field, text.Value, _shutdown).ConfigureAwait(false) is { } narrowed)
            {
                candidates = candidates is null ? narrowed.Uids : candidates.Intersect(narrowed.Uids);
                proven[text] = narrowed.Proven;
            }
        }
        // Candidates the index found that this view holds (not those that arrived since it was told), ascending.
        // (The index's UIDs are ascending, and an intersection keeps the order of its first list.)
        var uids = candidates is null ? selected.Uids.ToList() : candidates.Where(uid => selected.SequenceOf(uid) > 0).ToList();
        if (key.IsTextOnly && proven.Count == texts.Count)
        {
            // Text searches alone: what the index proves is an answer without reading; only the rest is checked.
            var sets = proven.Values.ToList();
            var unproven = new List<long>();
            foreach (var uid in uids)
            {
                var sure = true;
                foreach (var set in sets)
                    sure &= set.Contains(uid);
                if (sure)
                    matches.Add((uid, selected.SequenceOf(uid)));
                else
                    unproven.Add(uid);
            }
            uids = unproven;
        }
        using var rawReader = key.NeedsContent ? _server.Store.OpenRawReader(AccountId) : null;
        await foreach (var messages in ReadBatchesAsync(selected.FolderId, uids, key.Parts, Batch).ConfigureAwait(false))
        {
            foreach (var message in messages)
            {
                // The bytes are read only if a key that needs them is reached (cheap keys are tried first).
                var candidate = new SearchCandidate(message, selected.SequenceOf(message.Uid), id => ReadRaw(rawReader!, id), _server.Options.Limits.MaxMimeDepth, proven);
                if (key.Matches(candidate))
                {
                    matches.Add((message.Uid, candidate.Sequence));
                    highestModseq = Math.Max(highestModseq, message.Modseq);
                }
            }
        }
        var numbers = matches.Select(m => byUid ? m.Uid : m.Sequence).Order().ToList();
        if (returns.Contains("SAVE"))
        {
            _savedResult = matches.Select(m => m.Uid).ToList();
            returns.Remove("SAVE");
            if (returns.Count == 0)
                return Ok(tag, "SEARCH completed, result saved");
        }
        if (extended || Rev2)
        {
            if (returns.Count == 0)
                returns.Add("ALL");
            var data = new List<string>();
            if (numbers.Count > 0 && returns.Contains("MIN"))
                data.Add($"MIN {numbers[0]}");
            if (numbers.Count > 0 && returns.Contains("MAX"))
                data.Add($"MAX {numbers[^1]}");
            if (numbers.Count > 0 && returns.Contains("ALL"))
                data.Add($"ALL {SequenceSet.Format(numbers)}");
            if (returns.Contains("COUNT"))
                data.Add($"COUNT {numbers.Count}");
            // RFC 7162 §3.1.5: a search on MODSEQ names the highest modification sequence it matched.
            if (key.UsesModseq && numbers.Count > 0)
                data.Add($"MODSEQ {highestModseq}");
            Untagged($"ESEARCH (TAG \"{tag}\"){(byUid ? " UID" : "")}{string.Concat(data.Select(d => " " + d))}");
        }
        else
        {
            Untagged(numbers.Count == 0 ? "SEARCH" : "SEARCH " + string.Join(' ', numbers) + (key.UsesModseq ? $" (MODSEQ {highestModseq})" : ""));
        }
        return Ok(tag, byUid ? "UID SEARCH completed" : "SEARCH completed");
    }

    /// <summary>1..n as a list, without allocating it.</summary>
    private sealed class SequenceNumbers(int count) : IReadOnlyList<long>
    {
        public long this[int index] => index + 1;
        public int Count => count;
        public IEnumerator<long> GetEnumerator()
        {
            for (var i = 1; i <= count; i++)
                yield return i;
        }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
