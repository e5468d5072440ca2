using System.Diagnostics;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;
using Xunit.Abstractions;
using KitFlags = MailKit.MessageFlags;
using MessageFlags = Webmail.Core.Model.MessageFlags;
using MessageSummary = Webmail.Core.Model.MessageSummary;
using SpecialFolder = Webmail.Core.Model.SpecialFolder;

namespace Webmail.Imap.Tests;

/// <summary>
/// Synchronising clients nobody here wrote, measured on the wire: a byte-counting proxy sits between
/// each client and the server, and a second sync after a few changes must carry those changes and
/// little else. interimap (QRESYNC, two-way against a local Dovecot), mbsync (to a Maildir) and a
/// MailKit client that comes back after the expunge log forgot what it missed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SyncClientTests(ImapServerFixture fixture, ITestOutputHelper output) : IClassFixture<ImapServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private int Port => fixture.Server.ImapPort;

    [Fact]
    public async Task TheProxyCountsExactlyTheBytesEachEndSawEachWay()
    {
        await using var proxy = ByteCountingProxy.Start(Port);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", proxy.Port);
        var stream = tcp.GetStream();
        var sent = "a1 CAPABILITY\r\na2 LOGOUT\r\n"u8.ToArray();

        await stream.WriteAsync(sent);
        var received = new MemoryStream();
        // The server closes after LOGOUT's tagged OK, which ends the copy.
        await stream.CopyToAsync(received).WaitAsync(TimeSpan.FromSeconds(30));
        tcp.Close();
        await proxy.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var transcript = System.Text.Encoding.ASCII.GetString(received.ToArray());
        Assert.StartsWith("* OK [CAPABILITY ", transcript);
        Assert.EndsWith("* BYE Logging out\r\na2 OK LOGOUT completed\r\n", transcript);
        Assert.Equal(new ByteCounts(sent.Length, received.Length), proxy.Counts);
        Assert.Equal(1, proxy.Connections);
    }

    [Fact]
    public async Task InterimapSecondRunCarriesOnlyTheChangesMadeOnEitherSide()
    {
        RequireProgram("interimap");
        const int count = 10_000;
        var account = await fixture.NewAccountAsync();
        var watch = Stopwatch.StartNew();
        await StoreManyAsync(account, count);
        output.WriteLine($"stored {count:N0} messages in {watch.Elapsed.TotalSeconds:0.0} s");
        using var temp = new TempDirectory("imap-interimap");
        var dovecot = await LocalDovecot.CreateAsync(temp);
        await using var proxy = ByteCountingProxy.Start(Port);
        var config = await InterimapConfigAsync(temp, dovecot, proxy.Port, account);

        // First run: an empty local store and no database, so every message is copied down.
        watch.Restart();
        await InterimapAsync(config, temp);
        await proxy.WhenIdleAsync();
        var first = proxy.Counts;
        output.WriteLine($"interimap first run: {watch.Elapsed.TotalSeconds:0.0} s, {first}");
        var local = await dovecot.ReadInboxAsync();
        Assert.Equal(await ServerInboxAsync(account), FlagsOf(local));

        // Changes on our side, through the store as the web UI and delivery make them …
        var byMessageId = (await ListInboxAsync(account)).ToDictionary(m => m.MessageId);
        long IdOf(int i) => byMessageId[MessageIdOf(account, i)].Id;
        await fixture.Server.Messages.SetFlagsAsync(account.Id, Every(500, 1, count).Select(IdOf).ToList(), MessageFlags.Flagged, true, default);
        await fixture.Server.Messages.SetFlagsAsync(account.Id, Every(500, 2, count).Select(IdOf).ToList(), MessageFlags.Seen, true, default);
        await fixture.Server.Messages.DeleteAsync(account.Id, Every(1000, 3, count).Select(IdOf).ToList(), default);
        await fixture.DeliverAsync(account, "delivered between the runs");
        // … and on the local Dovecot through an IMAP session of its own.
        using (var client = await dovecot.ConnectAsync())
        {
            var inbox = client.Inbox;
            await inbox.OpenAsync(FolderAccess.ReadWrite);
            await inbox.AddFlagsAsync(Every(1000, 7, count).Select(i => local[MessageIdOf(account, i)].Uid).ToList(), KitFlags.Answered, silent: true);
            await inbox.AddFlagsAsync(Every(1000, 8, count).Select(i => local[MessageIdOf(account, i)].Uid).ToList(), KitFlags.Deleted, silent: true);
            await inbox.ExpungeAsync();
            await inbox.AppendAsync(new MimeMessage([new MailboxAddress("", account.Address)], [new MailboxAddress("", account.Address)], "written locally", new TextPart("plain") { Text = "Appended to Dovecot." }));
            await client.DisconnectAsync(true);
        }
        const int changes = 20 + 20 + 10 + 1 + 10 + 10 + 1;

        // Second run: QRESYNC tells each side only what changed since the first.
        var before = proxy.Counts;
        watch.Restart();
        var run = await InterimapAsync(config, temp);
        await proxy.WhenIdleAsync();
        var second = proxy.Counts - before;
        output.WriteLine($"interimap second run ({changes} changes): {watch.Elapsed.TotalSeconds:0.0} s, {second}");
        output.WriteLine(run.Errors);

        var server = await ServerInboxAsync(account);
        Assert.Equal(server, FlagsOf(await dovecot.ReadInboxAsync()));
        Assert.Equal(count - 10 - 10 + 2, server.Count);
        Assert.Equal("\\Flagged", server[MessageIdOf(account, 501)]);
        Assert.Equal("\\Seen", server[MessageIdOf(account, 502)]);
        Assert.Equal("\\Answered", server[MessageIdOf(account, 1007)]);
        Assert.DoesNotContain(MessageIdOf(account, 1003), server.Keys);
        Assert.DoesNotContain(MessageIdOf(account, 1008), server.Keys);
        // The bytes of the changes (a flag line, a UID, two new messages of about 500 bytes) and a
        // fixed part (login, LIST-STATUS of six folders, the SELECTs): nothing that grows with the
        // 10,000 messages. The first run carried all of them.
        Assert.True(second.ToClient < 8_000 + 200 * changes, $"second run {second}");
        Assert.True(second.ToServer < 8_000 + 200 * changes, $"second run {second}");
        Assert.True(second.Total * 100 < first.Total, $"first run {first}, second run {second}");

        // Third run after the expunge log forgot: five more deleted on our side, the log compacted to
        // nothing, so the QRESYNC SELECT is answered from the UIDs present (RFC 7162 §3.2.5.2).
        await fixture.Server.Messages.DeleteAsync(account.Id, Every(2000, 11, count).Select(IdOf).ToList(), default);
        Assert.True(await ((IImapStore)fixture.Server.Messages).CompactExpungeLogAsync(0, default) > 0);
        before = proxy.Counts;
        run = await InterimapAsync(config, temp);
        await proxy.WhenIdleAsync();
        var third = proxy.Counts - before;
        output.WriteLine($"interimap third run (5 deletions, log compacted): {third}");
        output.WriteLine(run.Errors);
        server = await ServerInboxAsync(account);
        Assert.Equal(count - 10 - 10 + 2 - 5, server.Count);
        Assert.Equal(server, FlagsOf(await dovecot.ReadInboxAsync()));
        // Every UID expunged below UIDNEXT is named again (25, not 5): still nothing per message kept.
        Assert.True(third.Total < 8_000, $"third run {third}");
    }

    [Fact]
    public async Task MbsyncSecondSyncFetchesFlagsAndNoMessageAgain()
    {
        RequireProgram("mbsync");
        const int count = 1_200;
        var account = await fixture.NewAccountAsync();
        // Bodies of random bytes in base64, as attachments are: mbsync uses COMPRESS, which would shrink
        // repeated text to next to nothing and hide what the first sync costs.
        await StoreManyAsync(account, count, i => TestMessages.Simple(to: account.Address, subject: $"message {i:D5}", body: RandomBase64(i, 1_500)));
        using var temp = new TempDirectory("imap-mbsync-resync");
        var maildir = Directory.CreateDirectory(temp.File("mail")).FullName;
        await using var proxy = ByteCountingProxy.Start(Port);
        var config = await ClientInteropTests.MbsyncConfigAsync(temp, account, proxy.Port, maildir, "SSLType None");

        var watch = Stopwatch.StartNew();
        await ClientInteropTests.SyncAsync(config);
        await proxy.WhenIdleAsync();
        var first = proxy.Counts;
        output.WriteLine($"mbsync first sync: {watch.Elapsed.TotalSeconds:0.0} s, {first}");
        Assert.Equal(count, MaildirFiles(maildir).Count);

        var messages = await ListInboxAsync(account);
        await fixture.Server.Messages.SetFlagsAsync(account.Id, messages.Take(100).Select(m => m.Id).ToList(), MessageFlags.Flagged | MessageFlags.Seen, true, default);
        await fixture.Server.Messages.DeleteAsync(account.Id, messages.Skip(100).Take(50).Select(m => m.Id).ToList(), default);

        var before = proxy.Counts;
        watch.Restart();
        await ClientInteropTests.SyncAsync(config);
        await proxy.WhenIdleAsync();
        var second = proxy.Counts - before;
        output.WriteLine($"mbsync second sync (100 flag changes, 50 deletions): {watch.Elapsed.TotalSeconds:0.0} s, {second}");

        // The Maildir is the server's INBOX: the same messages, the flags in each file name.
        var server = await ServerInboxAsync(account);
        var files = MaildirFiles(maildir);
        Assert.Equal(count - 50, files.Count);
        Assert.Equal(server, files.ToDictionary(MessageIdOfFile, CanonicalFlags.FromMaildirName));
        // mbsync 1.4 uses no CONDSTORE: after SELECT it asks for the UIDs and flags of the whole range
        // it knows (UID FETCH 1:1200 (UID FLAGS), seen with -Dn) and fetches new messages only, over
        // COMPRESS. So the second sync grows with the message count, by at most one short FETCH line
        // each (about 35 bytes before DEFLATE), and never with the messages' size.
        Assert.True(second.ToClient < 4_000 + 40 * count, $"second sync {second}");
        Assert.True(second.ToServer < 4_000, $"second sync {second}");
        Assert.True(second.Total * 20 < first.Total, $"first sync {first}, second sync {second}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MailKitBackAfterTheExpungeLogWasCompactedEndsWithTheServersState(bool compress)
    {
        var account = await fixture.NewAccountAsync();
        const int count = 300;
        await StoreManyAsync(account, count);
        await using var proxy = ByteCountingProxy.Start(Port);

        // The client's last visit: the folder's UIDVALIDITY, HIGHESTMODSEQ, and every UID with its flags.
        uint uidValidity;
        ulong modseq;
        var model = new Dictionary<UniqueId, string>();
        using (var client = await ConnectAsync(proxy, account, compress))
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
            uidValidity = client.Inbox.UidValidity;
            modseq = client.Inbox.HighestModSeq;
            foreach (var summary in await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags))
                model[summary.UniqueId] = CanonicalFlags.From(summary.Flags!.Value, summary.Keywords);
            await client.DisconnectAsync(true);
        }
        await proxy.WhenIdleAsync();

        // While it is away: flags set and cleared, known messages deleted, new ones delivered (some
        // deleted again), and the expunge log compacted to nothing, so no row says what was expunged.
        var messages = await ListInboxAsync(account);
        await fixture.Server.Messages.SetFlagsAsync(account.Id, messages.Where((_, i) => i % 7 == 0).Select(m => m.Id).ToList(), MessageFlags.Seen | MessageFlags.Answered, true, default);
        await fixture.Server.Messages.SetFlagsAsync(account.Id, messages.Where((_, i) => i % 14 == 0).Select(m => m.Id).ToList(), MessageFlags.Seen, false, default);
        await fixture.Server.Messages.DeleteAsync(account.Id, messages.Where((_, i) => i % 5 == 1).Select(m => m.Id).ToList(), default);
        var delivered = new List<StoredMessage>();
        for (var i = 0; i < 12; i++)
            delivered.Add(await fixture.DeliverAsync(account, $"while away {i}", flags: i % 3 == 0 ? MessageFlags.Flagged : MessageFlags.None));
        await fixture.Server.Messages.DeleteAsync(account.Id, delivered.Where((_, i) => i % 4 == 1).Select(m => m.Id).ToList(), default);
        Assert.True(await ((IImapStore)fixture.Server.Messages).CompactExpungeLogAsync(0, default) > 0);

        // Back: QRESYNC SELECT with what it knew, then the messages above the UIDs it knew.
        var before = proxy.Counts;
        var vanished = new List<UniqueId>();
        var changed = 0;
        using (var client = await ConnectAsync(proxy, account, compress))
        {
            await client.EnableQuickResyncAsync();
            var inbox = client.Inbox;
            inbox.MessagesVanished += (_, e) => vanished.AddRange(e.UniqueIds);
            inbox.MessageFlagsChanged += (_, e) =>
            {
                changed++;
                model[e.UniqueId!.Value] = CanonicalFlags.From(e.Flags, e.Keywords);
            };
            var known = model.Keys.ToList();
            await inbox.OpenAsync(FolderAccess.ReadWrite, uidValidity, modseq, known);
            foreach (var uid in vanished)
                model.Remove(uid);
            var above = new UniqueIdRange(new UniqueId(known.Max(u => u.Id) + 1), UniqueId.MaxValue);
            foreach (var summary in await inbox.FetchAsync(above, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags))
                model[summary.UniqueId] = CanonicalFlags.From(summary.Flags!.Value, summary.Keywords);
            Assert.Equal(model.Count, inbox.Count);
            await client.DisconnectAsync(true);
        }
        await proxy.WhenIdleAsync();
        var resync = proxy.Counts - before;
        output.WriteLine($"MailKit quick resync{(compress ? " with COMPRESS" : "")}: {vanished.Count} vanished, {changed} flag changes, {resync}");

        Assert.Equal(messages.Where((_, i) => i % 5 == 1).Select(m => m.Uid).Order(), vanished.Select(u => (long)u.Id).Order());
        var server = (await ListInboxAsync(account)).ToDictionary(m => m.Uid, m => CanonicalFlags.From(m.Flags, m.Keywords));
        Assert.Equal(server, model.ToDictionary(m => (long)m.Key.Id, m => m.Value));
        Assert.True(resync.ToClient < 6_000 + 60 * (vanished.Count + changed + delivered.Count), $"resync {resync}");
    }

    private static string RandomBase64(int seed, int bytes)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        return Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks);
    }

    private static IEnumerable<int> Every(int step, int offset, int count) =>
        Enumerable.Range(0, count / step).Select(k => k * step + offset).Where(i => i < count);

    private static string MessageIdOf(Account account, int i) => $"{i}.{account.Id}@sync.example";

    /// <summary>Stores <paramref name="count"/> messages in the INBOX through the store, many at a time (the writer commits them in groups).</summary>
    private async Task StoreManyAsync(Account account, int count, Func<int, byte[]>? message = null)
    {
        // A line of random bytes in base64 in each body, so that COMPRESS shrinks a message about as much as real mail.
        message ??= i => TestMessages.Simple(to: account.Address, subject: $"message {i:D5}", body: $"Body of message {i}.\r\n{RandomBase64(i, 200)}", messageId: MessageIdOf(account, i));
        await fixture.ImportAsync(account, count, message);
    }

    private async Task<IReadOnlyList<MessageSummary>> ListInboxAsync(Account account)
    {
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        var all = new List<MessageSummary>();
        for (var page = 0; ; page++)
        {
            // The store hands out at most 500 a page.
            var items = (await fixture.Server.Messages.ListAsync(account.Id, inbox.Id, page, 500, MessageSort.DateAscending, default)).Items;
            all.AddRange(items);
            if (items.Count < 500)
                return all;
        }
    }

    private static Dictionary<string, string> FlagsOf(Dictionary<string, (UniqueId Uid, string Flags)> local) =>
        local.ToDictionary(m => m.Key, m => m.Value.Flags);

    /// <summary>The INBOX as the store has it: Message-ID → flags and keywords.</summary>
    private async Task<Dictionary<string, string>> ServerInboxAsync(Account account) =>
        (await ListInboxAsync(account)).ToDictionary(m => m.MessageId, m => CanonicalFlags.From(m.Flags, m.Keywords));

    private static async Task<ImapClient> ConnectAsync(ByteCountingProxy proxy, Account account, bool compress)
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", proxy.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(account.Address, ImapServerFixture.Password);
        if (compress)
            await client.CompressAsync();
        return client;
    }

    private static void RequireProgram(string name) =>
        Assert.True(File.Exists($"/usr/bin/{name}"), $"{name} is missing: tests/run.sh installs it (apt-get install {(name == "mbsync" ? "isync" : name)}).");

    /// <summary>interimap between the local Dovecot and our server through the proxy: plain IMAP on loopback, COMPRESS as by default for a remote.</summary>
    private static async Task<string> InterimapConfigAsync(TempDirectory temp, LocalDovecot dovecot, int port, Account account)
    {
        var config = temp.File("interimap.conf");
        await File.WriteAllTextAsync(config, $"""
            database = {temp.File("interimap.db")}

            [local]
            type = tunnel
            command = {dovecot.TunnelCommand}

            [remote]
            type = imap
            host = 127.0.0.1
            port = {port}
            STARTTLS = NO
            username = {account.Address}
            password = {ImapServerFixture.Password}
            compress = YES

            """);
        return config;
    }

    private static async Task<ProgramResult> InterimapAsync(string config, TempDirectory temp)
    {
        var run = await ExternalProgram.RunAsync("interimap", [$"--config={config}"], Bound,
            environment: new Dictionary<string, string> { ["HOME"] = temp.Path, ["XDG_DATA_HOME"] = temp.Path, ["XDG_CONFIG_HOME"] = temp.Path });
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }


    private static List<string> MaildirFiles(string maildir) =>
        new[] { "new", "cur" }.SelectMany(sub => Directory.GetFiles(Path.Combine(maildir, "INBOX", sub))).ToList();

    private static string MessageIdOfFile(string file)
    {
        foreach (var line in File.ReadLines(file))
        {
            if (line.Length == 0)
                break;
            if (line.StartsWith("Message-ID: <", StringComparison.Ordinal))
                return line["Message-ID: <".Length..^1];
        }
        throw new InvalidDataException($"{file} has no Message-ID.");
    }
}
