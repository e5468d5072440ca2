using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Imap.Net;
using Webmail.Imap.Protocol;

namespace Webmail.Imap.Session;

/// <summary>
/// One IMAP session (RFC 9051, and RFC 3501 behaviour until a client enables IMAP4rev2): reads
/// commands, runs them against the store and answers. A command that hits a bug answers
/// <c>NO [SERVERBUG]</c> and the session goes on; the listener serves others either way.
/// </summary>
public sealed partial class ImapSession : IUntaggedSink, IAsyncDisposable
{
    /// <summary>Bad commands in a row after which the session is dropped.</summary>
    public const int MaxBadCommands = 20;

    private readonly ImapConnection _connection;
    private readonly ImapServerContext _server;
    private readonly ILogger _logger;
    private readonly CancellationToken _shutdown;
    private readonly bool _implicitTls;
    private int _badInARow;
    private IDisposable? _subscription;
    private int _changed;

    /// <summary>The folder whose changes wake this session: the selected one, or the one being selected (0: none).</summary>
    private long _watchedFolderId;
    private readonly SemaphoreSlim _changeSignal = new(0, 1);

    public ImapSession(ImapConnection connection, ImapServerContext server, bool implicitTls, long id, CancellationToken shutdown)
    {
        _connection = connection;
        _server = server;
        _implicitTls = implicitTls;
        _shutdown = shutdown;
        Id = id;
        _logger = server.Loggers.CreateLogger<ImapSession>();
        connection.Writer.WriteTimeout = server.WriteTimeout;
    }

    public long Id { get; }
    public ImapState State { get; private set; } = ImapState.NotAuthenticated;
    public long AccountId { get; private set; }
    public string AccountAddress { get; private set; } = "";

    /// <summary>True once the client sent ENABLE IMAP4rev2 (RFC 9051 §6.3.1).</summary>
    public bool Rev2 { get; private set; }

    /// <summary>True once the client sent ENABLE UTF8=ACCEPT (RFC 6855).</summary>
    public bool Utf8 { get; private set; }

    /// <summary>
    /// CONDSTORE is on (RFC 7162 §3.1): enabled by ENABLE, SELECT (CONDSTORE), or the first command that
    /// uses a modification sequence. From then on every FETCH that reports a flag change carries MODSEQ.
    /// </summary>
    public bool Condstore { get; private set; }

    /// <summary>Turns CONDSTORE on for the rest of the session (a CONDSTORE-enabling command, RFC 7162 §3.1).</summary>
    private void EnableCondstore() => Condstore = true;

    /// <summary>
    /// QRESYNC is on (RFC 7162 §3.2, by ENABLE QRESYNC, which turns CONDSTORE on too): SELECT may name what
    /// the client knows, and expunges are told as VANISHED with UIDs instead of EXPUNGE.
    /// </summary>
    public bool Qresync { get; private set; }

    internal SelectedMailbox? Selected { get; private set; }

    private IPAddress RemoteAddress => _connection.RemoteAddress;
    private ResponseWriter Out => _connection.Writer;
    private TimeSpan IdleTimeout => _server.Options.Limits.ImapIdleTimeout;

    private bool PlaintextAuthAllowed =>
        _connection.IsSecure || (_server.Options.Security.AllowPlaintextAuthOnLoopback && IPAddress.IsLoopback(RemoteAddress.IsIPv4MappedToIPv6 ? RemoteAddress.MapToIPv4() : RemoteAddress));

    /// <summary>Runs the session until LOGOUT, a dropped connection, the autologout timer or shutdown.</summary>
    public async Task RunAsync()
    {
        try
        {
            if (_implicitTls)
                await _connection.UpgradeToTlsAsync(_server.Certificates.Certificate, _server.TlsHandshakeTimeout, _shutdown).ConfigureAwait(false);
            Untagged($"OK [CAPABILITY {Capabilities()}] {_server.Options.Hostname} IMAP ready");
            await Out.FlushAsync(_shutdown).ConfigureAwait(false);
            while (State != ImapState.Logout)
            {
                var read = await ReadCommandAsync().ConfigureAwait(false);
                if (read is null)
                    break;
                await HandleAsync(read.Value).ConfigureAwait(false);
                // The next command already here (a pipelining client, such as mbsync's one FETCH per
                // message): this answer goes out with the next one's, in fewer writes.
                if (State != ImapState.Logout && _connection.Reader.HasBufferedLine)
                    await Out.MaybeFlushAsync(_shutdown).ConfigureAwait(false);
                else
                    await Out.FlushAsync(_shutdown).ConfigureAwait(false);
                if (_badInARow >= MaxBadCommands)
                {
                    Untagged("BYE Too many bad commands");
                    await Out.FlushAsync(_shutdown).ConfigureAwait(false);
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            await TrySayAsync("BYE Server shutting down").ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            _logger.LogDebug(e, "IMAP session {Session} from {RemoteIp}: connection ended", Id, RemoteAddress);
        }
    }

    /// <summary>Reads the next command under the autologout timer; null when the session should end.</summary>
    private async Task<CommandRead?> ReadCommandAsync()
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
        timer.CancelAfter(IdleTimeout);
        try
        {
            var read = await _connection.Reader.ReadAsync(LiteralLimit, ContinueLiteralAsync, timer.Token).ConfigureAwait(false);
            return read.Outcome == ReadOutcome.Closed ? null : read;
        }
        catch (OperationCanceledException) when (!_shutdown.IsCancellationRequested)
        {
            // RFC 9051 §5.4: the autologout timer.
            await TrySayAsync("BYE Autologout; idle for too long").ConfigureAwait(false);
            return null;
        }

        async ValueTask ContinueLiteralAsync()
        {
            Out.Text("+ Ready for literal data").Line();
            await Out.FlushAsync(timer.Token).ConfigureAwait(false);
        }
    }

    /// <summary>An APPEND may carry a message up to the size limit; any other literal before login 8 KB, after it 64 KB.</summary>
    private long LiteralLimit(string command) => command switch
    {
        "APPEND" when State >= ImapState.Authenticated => _server.Options.Limits.MaxMessageSize,
        _ when State >= ImapState.Authenticated => 64 * 1024,
        _ => 8 * 1024,
    };

    private async Task TrySayAsync(string untagged)
    {
        try
        {
            Untagged(untagged);
            await Out.FlushAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            // Going away anyway.
        }
    }

    private async Task HandleAsync(CommandRead read)
    {
        var tag = read.Tag;
        switch (read.Outcome)
        {
            case ReadOutcome.LineTooLong:
                _badInARow++;
                Tagged(tag, "BAD", "[TOOBIG] Command line too long");
                return;
            case ReadOutcome.LiteralRefused:
                _badInARow++;
                if (read.Name == "APPEND" && State >= ImapState.Authenticated)
                    Tagged(tag, "NO", $"[TOOBIG] The message is larger than the limit of {_server.Options.Limits.MaxMessageSize} octets");
                else
                    Tagged(tag, "BAD", "[TOOBIG] Literal too large");
                return;
            case ReadOutcome.NonSyncLiteralTooBig:
                // RFC 7888 §4: its bytes are already coming and cannot be told apart from commands.
                Tagged(tag, "BAD", "[TOOBIG] Literal too large");
                Untagged("BYE Literal too large");
                State = ImapState.Logout;
                return;
        }

        if (!CommandReader.IsTag(Encoding.ASCII.GetBytes(tag)) || read.Name.Length == 0)
        {
            _badInARow++;
            Untagged("BAD Expected a tag and a command");
            return;
        }
        var args = new ImapArguments(read.Bytes, ArgumentsStart(read.Bytes, read.Name));
        try
        {
            var ok = await DispatchAsync(tag, read.Name, args).ConfigureAwait(false);
            _badInARow = ok ? 0 : _badInARow + 1;
        }
        catch (ImapSyntaxException e)
        {
            _badInARow++;
            Tagged(tag, "BAD", e.Message);
        }
        catch (QuotaExceededException)
        {
            Tagged(tag, "NO", "[OVERQUOTA] The mailbox is over its quota");
        }
        catch (StoreException e)
        {
            Tagged(tag, "NO", e.Message);
        }
        catch (StoreUnavailableException e)
        {
            // RFC 5530 §3: UNAVAILABLE, a subsystem is down; the client may try the same command again later.
            _logger.LogWarning(e, "IMAP session {Session} from {RemoteIp}: {Command} failed, the store is unavailable", Id, RemoteAddress, read.Name);
            Tagged(tag, "NO", "[UNAVAILABLE] The mail store is unavailable; try again later");
        }
        catch (Exception e) when (e is not (OperationCanceledException or IOException or ObjectDisposedException))
        {
            _logger.LogError(e, "IMAP session {Session} from {RemoteIp}: {Command} failed", Id, RemoteAddress, read.Name);
            Tagged(tag, "NO", "[SERVERBUG] Internal error; the command was not completed");
        }
    }

    /// <summary>Where the arguments begin: after the tag, the command name (and UID's sub-command) and one space.</summary>
    private static int ArgumentsStart(byte[] bytes, string name)
    {
        var at = Array.IndexOf(bytes, (byte)' ') + 1 + (name.StartsWith("UID ", StringComparison.Ordinal) ? name.Length : name.Length);
        return Math.Min(at, bytes.Length);
    }

    /// <summary>Runs one command; false when it was refused as bad (for the bad-command count).</summary>
    private async Task<bool> DispatchAsync(string tag, string name, ImapArguments args)
    {
        WebmailMeter.Command("imap", name);
        // Arguments follow a space; a command without any must end right after its name.
        var hasArguments = args.TryConsume(' ');
        switch (name)
        {
            case "CAPABILITY":
                args.End();
                Untagged("CAPABILITY " + Capabilities());
                return Ok(tag, "CAPABILITY completed");
            case "NOOP":
            case "CHECK":
                args.End();
                await PollAsync(expungesAllowed: true).ConfigureAwait(false);
                return Ok(tag, name + " completed");
            case "LOGOUT":
                args.End();
                Untagged("BYE Logging out");
                State = ImapState.Logout;
                return Ok(tag, "LOGOUT completed");
            case "ID":
                return Id_(tag, args);
        }

        if (State == ImapState.NotAuthenticated)
        {
            return name switch
            {
                "STARTTLS" => await StartTlsAsync(tag, args).ConfigureAwait(false),
                "LOGIN" => await LoginAsync(tag, args).ConfigureAwait(false),
                "AUTHENTICATE" => await AuthenticateAsync(tag, args).ConfigureAwait(false),
                _ => Bad(tag, IsKnown(name) ? "Log in first" : "Unknown command"),
            };
        }

        if (!hasArguments && name is not ("CLOSE" or "UNSELECT" or "EXPUNGE" or "IDLE" or "NAMESPACE"))
            throw new ImapSyntaxException("Missing arguments");

        switch (name)
        {
            case "ENABLE": return Enable(tag, args);
            case "NAMESPACE":
                args.End();
                Untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
                return Ok(tag, "NAMESPACE completed");
            case "SELECT": return await SelectAsync(tag, args, readOnly: false).ConfigureAwait(false);
            case "EXAMINE": return await SelectAsync(tag, args, readOnly: true).ConfigureAwait(false);
            case "CREATE": return await CreateAsync(tag, args).ConfigureAwait(false);
            case "DELETE": return await DeleteAsync(tag, args).ConfigureAwait(false);
            case "RENAME": return await RenameAsync(tag, args).ConfigureAwait(false);
            case "SUBSCRIBE": return await SubscribeAsync(tag, args, true).ConfigureAwait(false);
            case "UNSUBSCRIBE": return await SubscribeAsync(tag, args, false).ConfigureAwait(false);
            case "LIST": return await ListAsync(tag, args, lsub: false).ConfigureAwait(false);
            case "LSUB": return await ListAsync(tag, args, lsub: true).ConfigureAwait(false);
            case "STATUS": return await StatusAsync(tag, args).ConfigureAwait(false);
            case "APPEND": return await AppendAsync(tag, args).ConfigureAwait(false);
            case "IDLE":
                args.End();
                return await IdleAsync(tag).ConfigureAwait(false);
            case "GETQUOTAROOT": return await GetQuotaRootAsync(tag, args).ConfigureAwait(false);
            case "GETQUOTA": return await GetQuotaAsync(tag, args).ConfigureAwait(false);
            case "SETQUOTA": return No(tag, "[NOPERM] Quotas are set by the administrator");
            case "STARTTLS": return Bad(tag, "Already authenticated");
            case "COMPRESS": return await CompressAsync(tag, args).ConfigureAwait(false);
            case "LOGIN" or "AUTHENTICATE": return Bad(tag, "Already authenticated");
        }

        if (Selected is null)
            return Bad(tag, IsKnown(name) ? "No mailbox selected" : "Unknown command");

        switch (name)
        {
            case "CLOSE":
            case "UNSELECT":
                args.End();
                return await CloseAsync(tag, expunge: name == "CLOSE").ConfigureAwait(false);
            case "EXPUNGE":
                args.End();
                return await ExpungeAsync(tag, null).ConfigureAwait(false);
            case "UID EXPUNGE":
                var set = args.SequenceSet();
                args.End();
                return await ExpungeAsync(tag, set).ConfigureAwait(false);
            case "FETCH": return await FetchAsync(tag, args, byUid: false).ConfigureAwait(false);
            case "UID FETCH": return await FetchAsync(tag, args, byUid: true).ConfigureAwait(false);
            case "STORE": return await StoreAsync(tag, args, byUid: false).ConfigureAwait(false);
            case "UID STORE": return await StoreAsync(tag, args, byUid: true).ConfigureAwait(false);
            case "SEARCH": return await SearchAsync(tag, args, byUid: false).ConfigureAwait(false);
            case "UID SEARCH": return await SearchAsync(tag, args, byUid: true).ConfigureAwait(false);
            case "COPY": return await CopyAsync(tag, args, byUid: false, move: false).ConfigureAwait(false);
            case "UID COPY": return await CopyAsync(tag, args, byUid: true, move: false).ConfigureAwait(false);
            case "MOVE": return await CopyAsync(tag, args, byUid: false, move: true).ConfigureAwait(false);
            case "UID MOVE": return await CopyAsync(tag, args, byUid: true, move: true).ConfigureAwait(false);
        }
        return Bad(tag, "Unknown command");
    }

    private static bool IsKnown(string name) => name is "ENABLE" or "NAMESPACE" or "SELECT" or "EXAMINE" or "CREATE" or "DELETE" or "RENAME"
        or "SUBSCRIBE" or "UNSUBSCRIBE" or "LIST" or "LSUB" or "STATUS" or "APPEND" or "IDLE" or "CLOSE" or "UNSELECT" or "EXPUNGE"
        or "FETCH" or "STORE" or "SEARCH" or "COPY" or "MOVE" or "GETQUOTA" or "GETQUOTAROOT" or "SETQUOTA" or "COMPRESS"
        || name.StartsWith("UID ", StringComparison.Ordinal);

    /// <summary>What this session may use now (RFC 9051 §7.2.2); nothing is advertised that is not implemented.</summary>
    internal string Capabilities()
    {
        var caps = new StringBuilder("IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID ENABLE IDLE");
        if (State == ImapState.NotAuthenticated)
        {
            if (!_connection.IsSecure)
                caps.Append(" STARTTLS");
            caps.Append(PlaintextAuthAllowed ? " AUTH=PLAIN" : " LOGINDISABLED");
            return caps.ToString();
        }
        caps.Append(" NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN SPECIAL-USE LIST-EXTENDED LIST-STATUS ESEARCH SEARCHRES QUOTA QUOTA=RES-STORAGE UTF8=ACCEPT CONDSTORE QRESYNC PREVIEW OBJECTID");
        if (!_connection.IsCompressed)
            caps.Append(" COMPRESS=DEFLATE");
        caps.Append(" APPENDLIMIT=").Append(_server.Options.Limits.MaxMessageSize);
        return caps.ToString();
    }

    private bool Id_(string tag, ImapArguments args)
    {
        // RFC 2971: the client's parameters are read (and bounded by the line limit), not kept.
        if (!args.TryKeyword("NIL"))
        {
            args.Expect('(');
            while (!args.TryConsume(')'))
            {
                args.NString();
                args.TryConsume(' ');
            }
        }
        args.End();
        Untagged("ID (\"name\" \"Webmail\")");
        return Ok(tag, "ID completed");
    }

    /// <summary>COMPRESS DEFLATE (RFC 4978): the tagged OK is the last uncompressed line.</summary>
    private async Task<bool> CompressAsync(string tag, ImapArguments args)
    {
        var mechanism = args.Atom();
        args.End();
        if (!mechanism.Equals("DEFLATE", StringComparison.OrdinalIgnoreCase))
            return Bad(tag, "Unknown compression mechanism");
        if (_connection.IsCompressed)
            return No(tag, "[COMPRESSIONACTIVE] DEFLATE is already active");
        // As after STARTTLS: anything sent before the OK would be read as if compressed.
        if (_connection.Reader.HasBufferedInput)
            return Bad(tag, "Commands were sent after COMPRESS before its answer");
        Tagged(tag, "OK", "DEFLATE active");
        await Out.FlushAsync(_shutdown).ConfigureAwait(false);
        _connection.StartCompression();
        return true;
    }

    private async Task<bool> StartTlsAsync(string tag, ImapArguments args)
    {
        args.End();
        if (_connection.IsSecure)
            return Bad(tag, "TLS is already active");
        // RFC 9051 §6.2.1: anything pipelined after STARTTLS would be read as if sent over TLS.
        if (_connection.Reader.HasBufferedInput)
        {
            Untagged("BYE Commands were sent after STARTTLS before the TLS negotiation");
            State = ImapState.Logout;
            return false;
        }
        Tagged(tag, "OK", "Begin TLS negotiation now");
        await Out.FlushAsync(_shutdown).ConfigureAwait(false);
        await _connection.UpgradeToTlsAsync(_server.Certificates.Certificate, _server.TlsHandshakeTimeout, _shutdown).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> LoginAsync(string tag, ImapArguments args)
    {
        var user = args.AString();
        args.Space();
        var password = args.AString();
        args.End();
        if (!PlaintextAuthAllowed)
            return No(tag, "[PRIVACYREQUIRED] LOGIN is disabled until TLS is negotiated (STARTTLS)");
        return await CompleteLoginAsync(tag, user, password).ConfigureAwait(false);
    }

    private async Task<bool> AuthenticateAsync(string tag, ImapArguments args)
    {
        var mechanism = args.Atom();
        string? response = null;
        if (args.TryConsume(' '))
            response = args.Atom(); // SASL-IR (RFC 4959): base64 or "="
        args.End();
        if (!mechanism.Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
            return No(tag, "Unsupported authentication mechanism");
        if (!PlaintextAuthAllowed)
            return No(tag, "[PRIVACYREQUIRED] Plaintext authentication is disabled until TLS is negotiated (STARTTLS)");
        if (response is null)
        {
            Out.Text("+ ").Line();
            await Out.FlushAsync(_shutdown).ConfigureAwait(false);
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
            timer.CancelAfter(IdleTimeout);
            var line = await _connection.Reader.ReadLineAsync(timer.Token).ConfigureAwait(false);
            if (line is null)
            {
                State = ImapState.Logout;
                return true;
            }
            response = Encoding.ASCII.GetString(line);
            if (response == "*")
                return Bad(tag, "Authentication cancelled");
        }
        if (response == "=")
            response = "";
        if (!SaslPlain.TryDecode(response, out var user, out var password))
            return Bad(tag, "Invalid SASL PLAIN response");
        return await CompleteLoginAsync(tag, user, password).ConfigureAwait(false);
    }

    private async Task<bool> CompleteLoginAsync(string tag, string user, string password)
    {
        // The verifier bounds what it logs and audits, delays failures and applies the shared limiter.
        var result = await _server.Credentials.VerifyAsync(user, password, RemoteAddress, "imap", _shutdown).ConfigureAwait(false);
        if (result.Status == LoginStatus.Throttled)
            return No(tag, "[UNAVAILABLE] Too many failed logins, try again later");
        if (result.Status == LoginStatus.AppPasswordRequired)
            return No(tag, "[AUTHENTICATIONFAILED] Two-factor sign-in is on for this account: use an app password (web Settings, App passwords)");
        if (!result.Succeeded)
            return No(tag, "[AUTHENTICATIONFAILED] Authentication failed");
        if (!_server.Authenticated.TryOpen(result.AccountId, RemoteAddress, _server.Options.Limits.MaxImapSessionsPerAccountAndIp))
            return No(tag, "[LIMIT] Too many sessions for this account from this address");
        _server.Unauthenticated.Close(RemoteAddress);
        AccountId = result.AccountId;
        AccountAddress = result.Address;
        State = ImapState.Authenticated;
        _subscription = _server.Notifier.Subscribe(AccountId, change =>
        {
            // A resync (this node may have missed another node's changes) wakes any selected folder.
            var watched = Volatile.Read(ref _watchedFolderId);
            if (watched != 0 && (change.FolderId == watched || change.Kind == MailboxChangeKind.Resync))
            {
                Volatile.Write(ref _changed, 1);
                if (_changeSignal.CurrentCount == 0)
                {
                    try
                    {
                        _changeSignal.Release();
                    }
                    catch (SemaphoreFullException)
                    {
                        // Already signalled.
                    }
                }
            }
            return Task.CompletedTask;
        });
        _logger.LogInformation("IMAP session {Session} from {RemoteIp} logged in as {Account}", Id, RemoteAddress, AccountAddress);
        return Ok(tag, $"[CAPABILITY {Capabilities()}] Logged in");
    }

    /// <summary>True after login: the listener then counts this session per account, not as unauthenticated.</summary>
    public bool LoggedIn => AccountId != 0;

    private bool Enable(string tag, ImapArguments args)
    {
        var enabled = new List<string>();
        do
        {
            var capability = args.Atom();
            if (capability.Equals("IMAP4rev2", StringComparison.OrdinalIgnoreCase) && !Rev2)
            {
                Rev2 = true;
                enabled.Add("IMAP4rev2");
            }
            else if (capability.Equals("UTF8=ACCEPT", StringComparison.OrdinalIgnoreCase) && !Utf8)
            {
                Utf8 = true;
                Out.Utf8 = true;
                enabled.Add("UTF8=ACCEPT");
            }
            else if (capability.Equals("CONDSTORE", StringComparison.OrdinalIgnoreCase) && !Condstore)
            {
                EnableCondstore();
                enabled.Add("CONDSTORE");
            }
            else if (capability.Equals("QRESYNC", StringComparison.OrdinalIgnoreCase) && !Qresync)
            {
                Qresync = true;
                EnableCondstore();
                enabled.Add("QRESYNC");
            }
        }
        while (args.TryConsume(' '));
        args.End();
        Untagged("ENABLED" + string.Concat(enabled.Select(e => " " + e)));
        return Ok(tag, "ENABLE completed");
    }

    /// <summary>From now on a change to <paramref name="folderId"/> wakes the next poll; anything noted before is forgotten.</summary>
    private void Watch(long folderId)
    {
        Volatile.Write(ref _watchedFolderId, folderId);
        Volatile.Write(ref _changed, 0);
    }

    /// <summary>No mailbox selected, none watched.</summary>
    private void Unselect()
    {
        Selected = null;
        State = ImapState.Authenticated;
        Volatile.Write(ref _watchedFolderId, 0);
    }

    /// <summary>Brings the selected view up to date with the store if anything changed since the last look.</summary>
    internal async Task PollAsync(bool expungesAllowed)
    {
        if (Selected is not { } selected)
            return;
        if (Interlocked.Exchange(ref _changed, 0) == 0 && !(expungesAllowed && selected.HasPendingExpunges))
            return;
        var changes = await _server.Store.ChangesSinceAsync(AccountId, selected.FolderId, selected.Modseq, _shutdown).ConfigureAwait(false);
        if (!selected.Apply(changes, expungesAllowed, s => FlagText(s.Flags, s.Keywords), Condstore, Qresync, this))
        {
            Untagged("BYE The selected mailbox was deleted");
            State = ImapState.Logout;
        }
    }

    /// <summary>The flag lists of messages without keywords, by their system flags (most FETCH lines use one of these).</summary>
    private static readonly string[] SystemFlagTexts = [.. Enumerable.Range(0, 32).Select(f => FlagList((MessageFlags)f, ""))];

    /// <summary>A message's flags as IMAP writes them: system flags, then keywords.</summary>
    internal static string FlagText(MessageFlags flags, string keywords) =>
        keywords.Length == 0 && (int)flags is >= 0 and < 32 ? SystemFlagTexts[(int)flags] : FlagList(flags, keywords);

    private static string FlagList(MessageFlags flags, string keywords)
    {
        var parts = new List<string>(6);
        if (flags.HasFlag(MessageFlags.Seen)) parts.Add("\\Seen");
        if (flags.HasFlag(MessageFlags.Answered)) parts.Add("\\Answered");
        if (flags.HasFlag(MessageFlags.Flagged)) parts.Add("\\Flagged");
        if (flags.HasFlag(MessageFlags.Deleted)) parts.Add("\\Deleted");
        if (flags.HasFlag(MessageFlags.Draft)) parts.Add("\\Draft");
        parts.AddRange(Keywords.Parse(keywords));
        return string.Join(' ', parts);
    }

    public void Untagged(string text) => Out.Text("* ").Text(text).Line();

    private void Tagged(string tag, string status, string text) => Out.Text(tag).Text(" ").Text(status).Text(" ").Text(text).Line();

    private bool Ok(string tag, string text)
    {
        Tagged(tag, "OK", text);
        return true;
    }

    private bool No(string tag, string text)
    {
        Tagged(tag, "NO", text);
        return true;
    }

    private bool Bad(string tag, string text)
    {
        Tagged(tag, "BAD", text);
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        if (LoggedIn)
            _server.Authenticated.Close(AccountId, RemoteAddress);
        _changeSignal.Dispose();
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
