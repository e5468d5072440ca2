using System.Diagnostics;
using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Pop3.Net;

namespace Webmail.Pop3.Protocol;

/// <summary>
/// One POP3 session, read top to bottom against RFC 1939: the greeting, then the AUTHORIZATION
/// state (CAPA, USER/PASS, AUTH PLAIN, STLS, QUIT), the TRANSACTION state once the maildrop is
/// locked and snapshotted, and the UPDATE state after QUIT. Anything else (a dropped connection,
/// the autologout timer, too many bad commands, a disabled account) ends the session without
/// the UPDATE state, so nothing is deleted (RFC 1939 §6). A session runs on a thread of its own
/// with blocking I/O (see <see cref="Pop3Listener"/>); the few store calls it makes are waited for
/// on that thread.
/// </summary>
public sealed class Pop3Session
{
    private readonly Pop3Connection _connection;
    private readonly Pop3ServerContext _server;
    private readonly ReplyWriter _reply;
    private readonly ILogger _logger;
    private readonly CancellationToken _shutdown;
    private readonly string _id;

    /// <summary>The answer to any command the store could not serve (RFC 2449 §8.1.2: a temporary failure).</summary>
    internal const string StoreUnavailableReply = "-ERR [SYS/TEMP] The mail store is unavailable, try again later";

    private Pop3State _state = Pop3State.Authorization;
    private string? _pendingUser;
    private long _accountId;
    private string _address = "";

    private IDisposable? _lock;
    private TransactionCommands? _transaction;
    private IRawMessageReader? _messages;
    private long _lastAccountCheck;
    private string _outcome = "connection closed";

    public Pop3Session(Pop3Connection connection, Pop3ServerContext server, string id, CancellationToken shutdown)
    {
        _connection = connection;
        _server = server;
        _reply = new ReplyWriter(connection);
        _logger = server.Loggers.CreateLogger<Pop3Session>();
        _id = id;
        _shutdown = shutdown;
    }

    public Pop3State State => _state;

    private IPAddress RemoteAddress => _connection.RemoteEndPoint.Address;

    /// <summary>RFC 2595 §2 / the security defaults: plaintext credentials only under TLS, or from loopback when allowed.</summary>
    private bool PlaintextAuthAllowed =>
        _connection.IsSecure || (_server.Options.Security.AllowPlaintextAuthOnLoopback && IPAddress.IsLoopback(RemoteAddress.IsIPv4MappedToIPv6 ? RemoteAddress.MapToIPv4() : RemoteAddress));

    /// <summary>Runs the session until QUIT, disconnect, timeout or shutdown; logs one line with the outcome.</summary>
    public void Run()
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            _reply.Ok($"{_server.Options.Hostname} POP3 ready");
            CommandLoop();
            _connection.Flush();
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            _outcome = "server shutting down";
        }
        catch (IOException)
        {
            _outcome = _shutdown.IsCancellationRequested ? "server shutting down" : "connection lost";
        }
        finally
        {
            _messages?.Dispose();
            _lock?.Dispose();
            var maildrop = _transaction?.Maildrop;
            _logger.LogInformation(
                "POP3 session {Session} from {RemoteIp} as {Account}: {Outcome}; {Messages} messages, {Deleted} marked deleted, TLS {Tls}, {DurationMs} ms",
                _id, RemoteAddress, _address.Length == 0 ? "-" : _address, _outcome, maildrop?.Count ?? 0, maildrop?.DeletedCount ?? 0,
                _connection.TlsProtocol, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private void CommandLoop()
    {
        while (true)
        {
            var line = ReadLine();
            if (line is not { } received)
                return;
            bool goOn;
            try
            {
                goOn = Execute(received);
            }
            catch (StoreUnavailableException ex) when (_state == Pop3State.Authorization)
            {
                // The store is down (a database restart, a full disk): RFC 2449 §8.1.2's SYS/TEMP says the same
                // command may work later. Nothing was taken (Login gives the maildrop lock back), so the session
                // stays in AUTHORIZATION and the client may try again on this connection.
                _logger.LogWarning("POP3 session {Session}: the store is unavailable ({Reason})", _id, ex.Message);
                _connection.WriteLine(StoreUnavailableReply);
                continue;
            }
            catch (StoreUnavailableException ex)
            {
                // In TRANSACTION a reply may have been under way (a RETR's lines): the session ends, without the
                // UPDATE state, so nothing is deleted (RFC 1939 §6), and the client signs in again later.
                _logger.LogWarning("POP3 session {Session} of {Account}: the store is unavailable ({Reason}); closing", _id, _address, ex.Message);
                _connection.WriteLine(StoreUnavailableReply);
                _outcome = "store unavailable";
                return;
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or IOException))
            {
                // A bug or a store failure: a temporary failure for this client, nothing applied,
                // and the listener keeps serving everyone else.
                _logger.LogError(ex, "POP3 session {Session} failed in state {State}", _id, _state);
                _connection.WriteLine("-ERR [SYS/TEMP] Internal error, try again later");
                _outcome = "internal error";
                return;
            }
            if (!goOn)
                return;
            if (_reply.TooManyErrors)
            {
                _outcome = "too many bad commands";
                return;
            }
        }
    }

    /// <summary>Reads a command line under the autologout timer (RFC 1939 §3); null when the session is over.</summary>
    private string? ReadLine()
    {
        while (true)
        {
            var line = _connection.ReadLine(_server.Options.Limits.Pop3IdleTimeout);
            switch (line.Status)
            {
                case Pop3LineStatus.Line:
                    return line.Text;
                case Pop3LineStatus.TooLong:
                    _reply.Err("Line too long");
                    if (_reply.TooManyErrors)
                    {
                        _outcome = "too many bad commands";
                        return null;
                    }
                    continue;
                case Pop3LineStatus.Runaway:
                    _connection.WriteLine("-ERR Line too long, closing connection");
                    _outcome = "runaway line";
                    return null;
                case Pop3LineStatus.TimedOut:
                    _connection.WriteLine("-ERR Autologout; idle for too long");
                    _outcome = "idle timeout";
                    return null;
                default:
                    _outcome = _shutdown.IsCancellationRequested ? "server shutting down"
                        : _state == Pop3State.Transaction ? "connection dropped without QUIT" : "connection closed";
                    return null;
            }
        }
    }

    /// <returns>False when the session ends after this command.</returns>
    private bool Execute(string line)
    {
        var command = Pop3Command.Parse(line);
        WebmailMeter.Command("pop3", command.Keyword);
        return _state == Pop3State.Authorization ? Authorization(command) : Transaction(command);
    }

    private bool Authorization(Pop3Command command)
    {
        switch (command.Keyword)
        {
            case "CAPA":
                WriteCapabilities();
                return true;
            case "USER":
                if (!PlaintextAuthAllowed)
                    _reply.Err("[AUTH] Plaintext authentication disallowed on non-secure connections");
                else if (command.Arguments.Count != 1)
                    _reply.Err("Syntax error");
                else
                {
                    _pendingUser = command.Arguments[0];
                    _reply.Ok();
                }
                return true;
            case "PASS":
                if (!PlaintextAuthAllowed)
                    _reply.Err("[AUTH] Plaintext authentication disallowed on non-secure connections");
                else if (_pendingUser is not { } user)
                    _reply.Err("USER first");
                else
                {
                    _pendingUser = null;
                    // RFC 1939 §7: PASS has one argument, which may contain spaces.
                    Login(user, command.Rest);
                }
                return true;
            case "AUTH":
                return Authenticate(command);
            case "STLS":
                return StartTls(command);
            case "QUIT":
                _reply.Ok("Bye");
                _outcome = "quit before login";
                return false;
            case "STAT" or "LIST" or "UIDL" or "RETR" or "TOP" or "DELE" or "NOOP" or "RSET":
                _reply.Err("Log in first");
                return true;
            default:
                _reply.Err("Unknown command");
                return true;
        }
    }

    /// <summary>CAPA (RFC 2449 §5). Login mechanisms are listed only where they may be used.</summary>
    private void WriteCapabilities()
    {
        _reply.Ok("Capability list follows");
        _reply.Line("TOP");
        _reply.Line("UIDL");
        _reply.Line("RESP-CODES");
        _reply.Line("AUTH-RESP-CODE");
        _reply.Line("PIPELINING");
        if (_state == Pop3State.Authorization)
        {
            if (PlaintextAuthAllowed)
            {
                _reply.Line("USER");
                _reply.Line("SASL PLAIN");
            }
            if (!_connection.IsSecure)
                _reply.Line("STLS");
        }
        _reply.Line("IMPLEMENTATION Webmail");
        _reply.End();
    }

    /// <summary>STLS (RFC 2595 §4): only in AUTHORIZATION, only once; the client starts over after the handshake.</summary>
    /// <returns>False when the handshake failed: the session ends (there is no channel left to answer on).</returns>
    private bool StartTls(Pop3Command command)
    {
        if (_connection.IsSecure)
        {
            _reply.Err("Already using TLS");
            return true;
        }
        if (command.Arguments.Count != 0)
        {
            _reply.Err("Syntax error");
            return true;
        }
        var certificate = _server.Certificates.Certificate;
        _reply.Ok("Begin TLS negotiation");
        try
        {
            _connection.StartTls(certificate, _server.TlsHandshakeTimeout);
        }
        catch (AuthenticationException)
        {
            _outcome = "TLS handshake failed";
            return false;
        }
        // Nothing said before the handshake counts afterwards.
        _pendingUser = null;
        return true;
    }

    /// <summary>AUTH PLAIN (RFC 5034), with or without an initial response; <c>*</c> cancels.</summary>
    private bool Authenticate(Pop3Command command)
    {
        var args = command.Arguments;
        if (args.Count == 0)
        {
            // Pre-RFC 5034 clients (Outlook) send a bare AUTH to learn the mechanisms.
            _reply.Ok("Mechanisms follow");
            if (PlaintextAuthAllowed)
                _reply.Line("PLAIN");
            _reply.End();
            return true;
        }
        if (!string.Equals(args[0], "PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            _reply.Err("Unsupported authentication mechanism");
            return true;
        }
        if (!PlaintextAuthAllowed)
        {
            _reply.Err("[AUTH] Plaintext authentication disallowed on non-secure connections");
            return true;
        }
        if (args.Count > 2)
        {
            _reply.Err("Syntax error");
            return true;
        }

        string response;
        if (args.Count == 2)
        {
            // RFC 5034 §4: "=" is an empty initial response.
            response = args[1] == "=" ? "" : args[1];
        }
        else
        {
            _connection.WriteLine("+ ");
            if (ReadLine() is not { } line)
                return false;
            if (line == "*")
            {
                _reply.Err("Authentication cancelled");
                return true;
            }
            response = line;
        }

        if (!SaslPlain.TryDecode(response, out var user, out var password))
            _reply.Err("Invalid SASL PLAIN response");
        else
            Login(user, password);
        return true;
    }

    /// <summary>
    /// The end of AUTHORIZATION (RFC 1939 §4): check the credentials through the shared limiter,
    /// take the maildrop lock, snapshot the INBOX and enter TRANSACTION.
    /// </summary>
    private void Login(string user, string password)
    {
        // The verifier bounds what it logs and audits (LogText), whatever the client sent.
        var result = Wait(_server.Credentials.VerifyAsync(user, password, RemoteAddress, "pop3", _shutdown));
        if (result.Status == LoginStatus.Throttled)
        {
            _reply.Err("[SYS/TEMP] Too many failed logins, try again later");
            return;
        }
        if (result.Status == LoginStatus.AppPasswordRequired)
        {
            _reply.Err("[AUTH] Two-factor sign-in is on for this account: use an app password (web Settings, App passwords)");
            return;
        }
        if (!result.Succeeded)
        {
            // Unknown user and wrong password answer alike (and after the same delay: the verifier's).
            _reply.Err("[AUTH] Authentication failed");
            return;
        }

        // RFC 2449 §8.1.1: the maildrop is in use by another session.
        var maildropLock = _server.Locks.TryAcquire(result.AccountId, _shutdown);
        if (maildropLock is null)
        {
            _reply.Err("[IN-USE] Maildrop is locked by another session");
            return;
        }
        Maildrop maildrop;
        try
        {
            maildrop = new Maildrop(Wait(_server.Maildrop.GetMaildropAsync(result.AccountId, _shutdown)));
        }
        catch
        {
            // Not signed in after all: the maildrop is free again for this client's next try, or another's.
            maildropLock.Dispose();
            throw;
        }
        _lock = maildropLock;
        _accountId = result.AccountId;
        _address = result.Address;
        // One store connection for the session's RETRs and TOPs, given back when the session ends.
        _messages = _server.Maildrop.OpenRawReader(_accountId);
        _transaction = new TransactionCommands(maildrop, _messages, _reply);
        _lastAccountCheck = _server.Time.GetTimestamp();
        _state = Pop3State.Transaction;
        _reply.Ok(TransactionCommands.Summary(maildrop));
    }

    private bool Transaction(Pop3Command command)
    {
        if (!AccountActive())
        {
            _connection.WriteLine("-ERR [AUTH] Account disabled");
            _outcome = "account disabled";
            return false;
        }
        switch (command.Keyword)
        {
            case "QUIT":
                return !Update();
            case "CAPA":
                WriteCapabilities();
                return true;
            case "USER" or "PASS" or "AUTH" or "STLS":
                _reply.Err("Already logged in");
                return true;
        }
        if (!_transaction!.TryExecute(command))
            _reply.Err("Unknown command");
        return true;
    }

    /// <summary>Re-reads the account now and then, so that a disabled account loses an open session too.</summary>
    private bool AccountActive()
    {
        if (_server.Time.GetElapsedTime(_lastAccountCheck) < _server.AccountCheckInterval)
            return true;
        var account = Wait(_server.Directory.GetAccountAsync(_accountId, _shutdown));
        _lastAccountCheck = _server.Time.GetTimestamp();
        return account is { IsDisabled: false };
    }

    /// <summary>
    /// The UPDATE state (RFC 1939 §6): retrieved messages become \Seen and the deleted ones are
    /// removed, moved to Trash or kept, per the account's POP3 delete policy, all in one store
    /// transaction. Either every change is applied or none.
    /// </summary>
    /// <returns>True: the session is over.</returns>
    private bool Update()
    {
        _state = Pop3State.Update;
        var maildrop = _transaction!.Maildrop;
        var account = Wait(_server.Directory.GetAccountAsync(_accountId, _shutdown));
        if (account is not { IsDisabled: false })
        {
            _connection.WriteLine("-ERR [AUTH] Account disabled");
            _outcome = "account disabled";
            return true;
        }
        try
        {
            Wait(_server.Maildrop.CommitPop3UpdateAsync(_accountId, maildrop.DeletedIds(), maildrop.RetrievedIds(), account.Pop3DeletePolicy, _shutdown));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "POP3 session {Session}: the UPDATE state failed for {Account}", _id, _address);
            _connection.WriteLine("-ERR [SYS/TEMP] Deleted messages not removed, try again later");
            _outcome = "update failed";
            return true;
        }
        // RFC 1939 §6: the UPDATE state is over, so the maildrop is released before +OK goes out; a
        // client that reconnects the moment it reads it must not find its maildrop still in use.
        _lock?.Dispose();
        _lock = null;
        _reply.Ok("Bye");
        _outcome = $"quit, policy {account.Pop3DeletePolicy}";
        return true;
    }

    /// <summary>
    /// Waits for a store call on the session's own thread. Nothing else runs on that thread, so
    /// blocking it holds up no other work, and there is no synchronization context to deadlock on.
    /// </summary>
    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Wait(Task task) => task.GetAwaiter().GetResult();
}
