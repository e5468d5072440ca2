using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Hosting;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Imap.Tests;

/// <summary>
/// Real IMAP clients nobody here wrote, from Debian's packages (tests/run.sh installs them):
/// curl, Python's imaplib, fetchmail and mbsync, each against a whole server with its own account.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClientInteropTests(ImapServerFixture fixture) : IClassFixture<ImapServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private int Port => fixture.Server.ImapPort;

    [Fact]
    public async Task CurlListsFoldersFetchesByUidAndSearches()
    {
        var account = await fixture.NewAccountAsync();
        var raw = Tricky("Quarterly report");
        var first = await AppendAsync(account, raw);
        await AppendAsync(account, TestMessages.Simple(to: account.Address, subject: "Lunch?"));
        await AppendAsync(account, TestMessages.Simple(to: account.Address, subject: "Re: Quarterly report"));
        using var temp = new TempDirectory("imap-curl");
        var body = temp.File("message.eml");

        var list = await CurlAsync(account, $"imap://127.0.0.1:{Port}/");
        var fetch = await CurlAsync(account, $"imap://127.0.0.1:{Port}/INBOX;UID={first.Uid}", "-o", body);
        var search = await CurlAsync(account, $"imap://127.0.0.1:{Port}/INBOX", "-X", "SEARCH SUBJECT \"quarterly\"");
        var upload = Tricky("uploaded by curl");
        await File.WriteAllBytesAsync(temp.File("upload.eml"), upload);
        await CurlAsync(account, $"imap://127.0.0.1:{Port}/Drafts", "--upload-file", temp.File("upload.eml"));

        Assert.Contains("* LIST (", list.Output);
        foreach (var folder in new[] { "INBOX", "Sent", "Drafts", "Trash" })
            Assert.Contains(list.Output.Split('\n'), line => line.TrimEnd('\r').EndsWith(" " + folder, StringComparison.Ordinal) || line.TrimEnd('\r').EndsWith($" \"{folder}\"", StringComparison.Ordinal));
        Assert.Equal(0, fetch.ExitCode);
        Assert.Equal(raw, await File.ReadAllBytesAsync(body));
        Assert.Equal("* SEARCH 1 3", search.Output.Trim());
        var drafts = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Drafts, default);
        var appended = Assert.Single((await fixture.Server.Messages.ListAsync(account.Id, drafts.Id, 0, 10, MessageSort.DateAscending, default)).Items);
        Assert.Equal(upload, await fixture.Server.Messages.GetRawAsync(account.Id, appended.Id, default));
    }

    [Fact]
    public async Task PythonImaplibSearchesFetchesStoresAndExpunges()
    {
        var account = await fixture.NewAccountAsync();
        var raw = Tricky("keep me");
        var kept = await AppendAsync(account, raw);
        var doomed = await AppendAsync(account, TestMessages.Simple(to: account.Address, subject: "delete me"));
        const string script = """
            import imaplib, sys, json
            m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=20)
            out = {"capabilities": sorted(m.capabilities)}
            out["login"] = m.login(sys.argv[2], sys.argv[3])[0]
            out["append"] = m.append("Drafts", "(\\Draft \\Seen)", imaplib.Time2Internaldate(1796400000), bytes.fromhex(sys.argv[4]))[0]
            out["status"] = m.status("INBOX", "(MESSAGES UNSEEN)")[1][0].decode()
            typ, data = m.select("INBOX")
            out["select"] = [typ, data[0].decode()]
            out["search"] = m.search(None, "SUBJECT", '"delete me"')[1][0].decode()
            typ, data = m.fetch("1", "(RFC822)")
            out["fetch"] = data[0][1].hex()
            out["uid"] = m.uid("SEARCH", None, "ALL")[1][0].decode()
            out["flag"] = m.store("1", "+FLAGS", "(\\Flagged)")[1][0].decode()
            out["delete"] = m.store("2", "+FLAGS.SILENT", "(\\Deleted)")[0]
            out["expunge"] = [x.decode() for x in m.expunge()[1] if x]
            out["close"] = m.close()[0]
            out["logout"] = m.logout()[0]
            print(json.dumps(out))
            """;

        var draft = TestMessages.Simple(from: account.Address, subject: "a draft", body: "Sent through imaplib.");
        var run = await ExternalProgram.RunAsync("python3", ["-c", script, Port.ToString(), account.Address, ImapServerFixture.Password, Convert.ToHexStringLower(draft)], Bound);

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = JsonDocument.Parse(run.Output).RootElement;
        Assert.Contains("IMAP4REV1", result.GetProperty("capabilities").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("OK", result.GetProperty("login").GetString());
        Assert.Equal("OK", result.GetProperty("append").GetString());
        Assert.Equal("\"INBOX\" (MESSAGES 2 UNSEEN 2)", result.GetProperty("status").GetString());
        Assert.Equal("2", result.GetProperty("select")[1].GetString());
        Assert.Equal("2", result.GetProperty("search").GetString());
        Assert.Equal(Convert.ToHexStringLower(raw), result.GetProperty("fetch").GetString());
        Assert.Equal($"{kept.Uid} {doomed.Uid}", result.GetProperty("uid").GetString());
        // FETCH RFC822 set \Seen (RFC 9051 §6.4.5: it is BODY[], not BODY.PEEK[]).
        Assert.Equal("1 (FLAGS (\\Seen \\Flagged))", result.GetProperty("flag").GetString());
        Assert.Equal(["2"], result.GetProperty("expunge").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("OK", result.GetProperty("close").GetString());
        Assert.Equal("BYE", result.GetProperty("logout").GetString());
        var left = Assert.Single(await ListInboxAsync(account));
        Assert.Equal(kept.Id, left.Id);
        Assert.True(left.Flags.HasFlag(MessageFlags.Flagged));
        var drafts = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Drafts, default);
        var appended = Assert.Single((await fixture.Server.Messages.ListAsync(account.Id, drafts.Id, 0, 10, MessageSort.DateAscending, default)).Items);
        Assert.Equal(MessageFlags.Draft | MessageFlags.Seen, appended.Flags);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1796400000), appended.InternalDate);
        Assert.Equal(draft, await fixture.Server.Messages.GetRawAsync(account.Id, appended.Id, default));
    }

    [Fact]
    public async Task PythonImaplibManagesFoldersAndCopiesMovesAndSearchesInUtf8()
    {
        var account = await fixture.NewAccountAsync();
        await AppendAsync(account, Tricky("Grüße aus Köln"));
        await AppendAsync(account, TestMessages.Simple(to: account.Address, subject: "plain"));
        const string script = """
            import imaplib, sys, json
            m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=20)
            m.login(sys.argv[2], sys.argv[3])
            out = {}
            out["create"] = [m.create('"Projects/2026 Plans"')[0], m.create("&AMk-migr&AOk-")[0]]
            out["list"] = sorted(x.decode() for x in m.list('""', "Projects*")[1])
            out["rename"] = m.rename('"Projects/2026 Plans"', "Projects/Done")[0]
            out["subscribe"] = m.subscribe("Projects/Done")[0]
            out["lsub"] = [x.decode() for x in m.lsub('""', "Projects/*")[1]]
            m.select("INBOX")
            m.literal = "Köln".encode("utf-8")
            out["search"] = m.uid("SEARCH", "CHARSET", "UTF-8", "SUBJECT")[1][0].decode()
            out["header"] = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")[1][0][1].decode()
            out["copy"] = m.copy("1", "Projects/Done")[0]
            out["move"] = m.uid("MOVE", "2", "Projects/Done")[0]
            out["count"] = m.select("Projects/Done")[1][0].decode()
            m.close()
            out["delete"] = m.delete("Projects/Done")[0]
            out["after"] = sorted(x.decode() for x in m.list()[1])
            m.logout()
            print(json.dumps(out))
            """;

        var run = await ExternalProgram.RunAsync("python3", ["-c", script, Port.ToString(), account.Address, ImapServerFixture.Password], Bound);

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = JsonDocument.Parse(run.Output).RootElement;
        string[] Strings(string name) => result.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(["OK", "OK"], Strings("create"));
        Assert.Equal(["(\\HasChildren) \"/\" \"Projects\"", "(\\HasNoChildren) \"/\" \"Projects/2026 Plans\""], Strings("list"));
        Assert.Equal("OK", result.GetProperty("rename").GetString());
        // RFC 3348 §4: \HasNoChildren may come with LSUB too.
        Assert.Equal(["(\\HasNoChildren) \"/\" \"Projects/Done\""], Strings("lsub"));
        Assert.Equal("1", result.GetProperty("search").GetString());
        Assert.Equal("Subject: Grüße aus Köln\r\n\r\n", result.GetProperty("header").GetString());
        Assert.Equal("OK", result.GetProperty("copy").GetString());
        Assert.Equal("OK", result.GetProperty("move").GetString());
        Assert.Equal("2", result.GetProperty("count").GetString());
        Assert.Equal("OK", result.GetProperty("delete").GetString());
        Assert.Contains(Strings("after"), line => line.EndsWith("\"&AMk-migr&AOk-\"", StringComparison.Ordinal));
        Assert.Contains(await fixture.Server.Messages.GetFoldersAsync(account.Id, default), f => f.Name == "Émigré");
        Assert.DoesNotContain(Strings("after"), line => line.Contains("Projects/Done", StringComparison.Ordinal));
        Assert.Equal(["Grüße aus Köln"], (await ListInboxAsync(account)).Select(m => m.Subject));
    }

    [Fact]
    public async Task FetchmailDownloadsEveryMessageAndDeletesThem()
    {
        var account = await fixture.NewAccountAsync();
        var stored = new List<byte[]> { Tricky("one") };
        for (var i = 2; i <= 5; i++)
            stored.Add(TestMessages.Simple(to: account.Address, subject: $"message {i}", body: $"Body {i}."));
        for (var i = 0; i < stored.Count; i++)
            await AppendAsync(account, stored[i], i % 2 == 0 ? MessageFlags.Seen : MessageFlags.None);

        var downloaded = await FetchmailAsync(account, "fetchall");

        // An MDA gets the message with Unix line ends (fetchmail's documented behaviour); the rest is byte for byte.
        Assert.Equal(stored.Select(Unix).Order(StringComparer.Ordinal), downloaded.Select(Convert.ToHexStringLower).Order(StringComparer.Ordinal), StringComparer.Ordinal);
        Assert.Empty(await ListInboxAsync(account));
    }

    [Fact]
    public async Task FetchmailKeepTakesOnlyUnseenMessagesAndLeavesThemSeen()
    {
        var account = await fixture.NewAccountAsync();
        var read = TestMessages.Simple(to: account.Address, subject: "already read");
        var unread = new[] { Tricky("unread one"), TestMessages.Simple(to: account.Address, subject: "unread two") };
        await AppendAsync(account, unread[0]);
        await AppendAsync(account, read, MessageFlags.Seen);
        await AppendAsync(account, unread[1]);

        var downloaded = await FetchmailAsync(account, "keep");

        Assert.Equal(unread.Select(Unix).Order(StringComparer.Ordinal), downloaded.Select(Convert.ToHexStringLower).Order(StringComparer.Ordinal), StringComparer.Ordinal);
        var left = await ListInboxAsync(account);
        Assert.Equal(3, left.Count);
        Assert.All(left, m => Assert.True(m.Flags.HasFlag(MessageFlags.Seen), m.Subject));
        Assert.Empty(await FetchmailAsync(account, "keep"));
    }

    [Fact]
    public async Task MbsyncSyncsAThousandMessagesBothWays()
    {
        var account = await fixture.NewAccountAsync();
        const int count = 1000;
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        var stored = new Dictionary<string, byte[]>();
        for (var i = 1; i <= count; i++)
        {
            var subject = $"message {i:D4}";
            var raw = TestMessages.Simple(to: account.Address, subject: subject, body: $"Body of {i}.\r\n. a dot line\r\nFrom a line");
            stored[subject] = raw;
            await fixture.Server.Messages.AppendAsync(account.Id, inbox.Id, raw, MessageFlags.None, enforceQuota: false);
        }
        using var temp = new TempDirectory("imap-mbsync");
        var maildir = Directory.CreateDirectory(temp.File("mail")).FullName;
        var config = await MbsyncConfigAsync(temp, account, maildir, "SSLType None");

        // Initial pull: every message arrives, byte for byte, with Unix line ends as Maildir keeps
        // them and the X-TUID header mbsync adds to the header of every message it copies.
        await SyncAsync(config);
        var files = MaildirFiles(maildir);
        Assert.Equal(count, files.Count);
        foreach (var file in files)
        {
            var text = await File.ReadAllTextAsync(file);
            var pulled = Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, "^X-TUID: [^\n]*\n", "", System.Text.RegularExpressions.RegexOptions.Multiline));
            Assert.Equal(Unix(stored[SubjectOf(pulled)]), Convert.ToHexStringLower(pulled));
        }

        // Server → local: a flag set through the store shows in the Maildir file name.
        var onServer = await ListInboxAsync(account);
        var flaggedOnServer = onServer.Single(m => m.Subject == "message 0010");
        await fixture.Server.Messages.SetFlagsAsync(account.Id, [flaggedOnServer.Id], MessageFlags.Flagged | MessageFlags.Seen, true, default);
        // … a message removed there is removed here, a new one arrives.
        await fixture.Server.Messages.DeleteAsync(account.Id, [onServer.Single(m => m.Subject == "message 0040").Id], default);
        await AppendAsync(account, TestMessages.Simple(to: account.Address, subject: "delivered later"));
        // Local → server: one message flagged, one deleted, one new.
        var toFlag = await FindBySubjectAsync(maildir, "message 0020");
        var toDelete = await FindBySubjectAsync(maildir, "message 0030");
        File.Move(toFlag, WithFlags(toFlag, "F"));
        File.Move(toDelete, WithFlags(toDelete, "T"));
        var added = TestMessages.Simple(from: account.Address, subject: "written locally", body: "Uploaded by mbsync.");
        await File.WriteAllBytesAsync(Path.Combine(maildir, "INBOX", "new", $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.local1.test"), Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(added).Replace("\r\n", "\n")));
        // A folder made locally (a Maildir with one message) is created on the server.
        foreach (var sub in new[] { "cur", "new", "tmp" })
            Directory.CreateDirectory(Path.Combine(maildir, "Projects", sub));
        await File.WriteAllTextAsync(Path.Combine(maildir, "Projects", "new", $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.local2.test"), "From: me@local.example\nSubject: plans\n\nA plan.\n");

        await SyncAsync(config);

        Assert.Equal("FS", FlagsOf(await FindBySubjectAsync(maildir, "message 0010")));
        await Assert.ThrowsAsync<FileNotFoundException>(() => FindBySubjectAsync(maildir, "message 0040"));
        await FindBySubjectAsync(maildir, "delivered later");
        var after = await ListInboxAsync(account);
        Assert.Equal(count, after.Count);
        Assert.True(after.Single(m => m.Subject == "message 0020").Flags.HasFlag(MessageFlags.Flagged));
        Assert.DoesNotContain(after, m => m.Subject == "message 0030");
        var uploaded = after.Single(m => m.Subject == "written locally");
        var uploadedRaw = Encoding.UTF8.GetString((await fixture.Server.Messages.GetRawAsync(account.Id, uploaded.Id, default))!);
        Assert.Contains("Uploaded by mbsync.\r\n", uploadedRaw);
        Assert.Equal(count, MaildirFiles(maildir).Count);
        var projects = Assert.Single(await fixture.Server.Messages.GetFoldersAsync(account.Id, default), f => f.Name == "Projects");
        Assert.Equal(1, projects.MessageCount);
        Assert.All(new[] { "Sent", "Drafts", "Trash", "Junk", "Archive" }, name => Assert.True(Directory.Exists(Path.Combine(maildir, name, "cur")), name));
    }

    [Fact]
    public async Task MbsyncAndFetchmailVerifyTheServerCertificateAfterStartTls()
    {
        var account = await fixture.NewAccountAsync();
        var stored = new[] { Tricky("over TLS"), TestMessages.Simple(to: account.Address, subject: "second", body: "Private.") };
        foreach (var raw in stored)
            await AppendAsync(account, raw);
        using var temp = new TempDirectory("imap-tls-clients");
        // The server's own certificate (self-signed, for 127.0.0.1 among others) as the one trusted: each client checks it.
        var pem = temp.File("server.pem");
        await File.WriteAllTextAsync(pem, fixture.Server.Services.GetRequiredService<CertificateProvider>().Certificate.ExportCertificatePem());

        var maildir = Directory.CreateDirectory(temp.File("mail")).FullName;
        await SyncAsync(await MbsyncConfigAsync(temp, account, maildir, $"SSLType STARTTLS\nCertificateFile {pem}"));
        Assert.Equal(stored.Select(Unix).Order(StringComparer.Ordinal),
            MaildirFiles(maildir).Select(f => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(f), "^X-TUID: [^\n]*\n", "", System.Text.RegularExpressions.RegexOptions.Multiline)))).Order(StringComparer.Ordinal),
            StringComparer.Ordinal);

        // fetchmail matches the certificate's names, not its IP addresses: it is told the name, as a client that connects by name knows it.
        var downloaded = await FetchmailAsync(account, "fetchall", $"sslproto 'tls1.2+' sslcertck sslcertfile \"{pem}\" sslcommonname \"imap.local.example\"");
        Assert.Equal(stored.Select(Unix).Order(StringComparer.Ordinal), downloaded.Select(Convert.ToHexStringLower).Order(StringComparer.Ordinal), StringComparer.Ordinal);

        // A certificate the client does not trust ends the session before the password is sent.
        var other = temp.File("other.pem");
        using (var key = System.Security.Cryptography.RSA.Create(2048))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var stranger = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(other, stranger.ExportCertificatePem());
        }
        var refused = await ExternalProgram.RunAsync("mbsync", ["-c", await MbsyncConfigAsync(temp, account, maildir, $"SSLType STARTTLS\nCertificateFile {other}"), "webmail"], Bound);
        Assert.NotEqual(0, refused.ExitCode);
    }

    private Task<string> MbsyncConfigAsync(TempDirectory temp, Account account, string maildir, string tls) => MbsyncConfigAsync(temp, account, Port, maildir, tls);

    /// <summary>An mbsync configuration syncing every folder both ways between the account at <paramref name="port"/> and <paramref name="maildir"/>; <paramref name="tls"/> is its SSLType (and CertificateFile) lines.</summary>
    internal static async Task<string> MbsyncConfigAsync(TempDirectory temp, Account account, int port, string maildir, string tls)
    {
        var config = temp.File($"mbsyncrc-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(config, $"""
            IMAPAccount webmail
            Host 127.0.0.1
            Port {port}
            User {account.Address}
            Pass "{ImapServerFixture.Password}"
            {tls}
            AuthMechs PLAIN
            Timeout 60

            IMAPStore remote
            Account webmail

            MaildirStore local
            Path {maildir}/
            Inbox {maildir}/INBOX
            SubFolders Verbatim

            Channel webmail
            Far :remote:
            Near :local:
            Patterns *
            Create Both
            Expunge Both
            Sync All
            SyncState *

            """);
        return config;
    }

    /// <summary>One fetchmail poll over IMAP (no daemon, an MDA writing one file per message); the messages it delivered.</summary>
    private async Task<List<byte[]>> FetchmailAsync(Account account, string options, string tls = "sslproto ''")
    {
        using var temp = new TempDirectory("imap-fetchmail");
        var delivered = Directory.CreateDirectory(temp.File("delivered")).FullName;
        var mda = temp.File("mda.sh");
        await File.WriteAllTextAsync(mda, $"#!/bin/sh\nexec cat > \"{delivered}/$(date +%s%N)-$$.eml\"\n");
        File.SetUnixFileMode(mda, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var rc = temp.File("fetchmailrc");
        await File.WriteAllTextAsync(rc, $"""
            set no bouncemail
            set no syslog
            poll 127.0.0.1 service {Port} protocol IMAP auth password timeout 20
                user "{account.Address}" there with password "{ImapServerFixture.Password}" is "local" here
                {tls} {options} no rewrite
                mda "{mda}"

            """);
        // fetchmail refuses an rcfile others can read.
        File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var run = await ExternalProgram.RunAsync("fetchmail",
            ["-f", rc, "-i", temp.File("fetchids"), "--invisible", "--nodetach", "-v"], Bound,
            environment: new Dictionary<string, string> { ["FETCHMAILHOME"] = temp.Path, ["HOME"] = temp.Path });

        // Exit 1 is "no mail" (fetchmail(1), EXIT CODES).
        Assert.True(run.ExitCode is 0 or 1, run.ToString());
        return Directory.GetFiles(delivered).Select(File.ReadAllBytes).ToList();
    }

    private async Task<ProgramResult> CurlAsync(Account account, string url, params string[] more)
    {
        var run = await ExternalProgram.RunAsync("curl",
            ["--silent", "--show-error", "--verbose", "--max-time", "20", "--user", $"{account.Address}:{ImapServerFixture.Password}", url, .. more], Bound);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    /// <summary>One mbsync run of the channel <see cref="MbsyncConfigAsync(TempDirectory, Account, int, string, string)"/> writes; it must succeed.</summary>
    internal static async Task SyncAsync(string config)
    {
        var run = await ExternalProgram.RunAsync("mbsync", ["-c", config, "webmail"], Bound);
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    private async Task<StoredMessage> AppendAsync(Account account, byte[] raw, MessageFlags flags = MessageFlags.None)
    {
        var inbox = await fixture.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        return await fixture.Server.Messages.AppendAsync(account.Id, inbox.Id, raw, flags, enforceQuota: false);
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

    /// <summary>A message with what trips transports: a leading dot, a "From " line, 8-bit UTF-8, an empty last line.</summary>
    private static byte[] Tricky(string subject) =>
        TestMessages.Simple(subject: subject, body: ".leading dot\r\n..two dots\r\nFrom the start of a line\r\nGrüße, naïve café\r\n\r\n");

    private static string Unix(byte[] raw) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(raw).Replace("\r\n", "\n")));

    private static List<string> MaildirFiles(string maildir) =>
        new[] { "new", "cur" }.SelectMany(sub => Directory.GetFiles(Path.Combine(maildir, "INBOX", sub))).ToList();

    private static string SubjectOf(byte[] message)
    {
        using var reader = new StringReader(Encoding.UTF8.GetString(message));
        for (var line = reader.ReadLine(); !string.IsNullOrEmpty(line); line = reader.ReadLine())
        {
            if (line.StartsWith("Subject: ", StringComparison.Ordinal))
                return line["Subject: ".Length..];
        }
        return "";
    }

    private static async Task<string> FindBySubjectAsync(string maildir, string subject)
    {
        foreach (var file in MaildirFiles(maildir))
        {
            if (SubjectOf(await File.ReadAllBytesAsync(file)) == subject)
                return file;
        }
        throw new FileNotFoundException($"No Maildir file has the subject '{subject}'.");
    }

    /// <summary>The Maildir info flags of a file ("…:2,FS"), letters in order.</summary>
    private static string FlagsOf(string file)
    {
        var name = Path.GetFileName(file);
        var info = name.IndexOf(":2,", StringComparison.Ordinal);
        return info < 0 ? "" : name[(info + 3)..];
    }

    /// <summary>The path the file takes in cur/ with <paramref name="flag"/> added (Maildir flags stay in ASCII order).</summary>
    private static string WithFlags(string file, string flag)
    {
        var name = Path.GetFileName(file);
        var info = name.IndexOf(":2,", StringComparison.Ordinal);
        var bare = info < 0 ? name : name[..info];
        var flags = string.Concat((FlagsOf(file) + flag).Distinct().Order());
        return Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(file))!, "cur", $"{bare}:2,{flags}");
    }
}
