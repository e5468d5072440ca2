using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Webmail.Core.Filters;
using Webmail.Core.Hosting;
using Webmail.ManageSieve.Net;
using Webmail.ManageSieve.Protocol;

namespace Webmail.ManageSieve.Session;

/// <summary>
/// One ManageSieve session (RFC 5804): the capabilities as greeting, then the non-authenticated
/// state (CAPABILITY, STARTTLS, AUTHENTICATE, NOOP, LOGOUT) and, once logged in, the script
/// commands — each carried out by <see cref="SieveScriptService"/>, which validates, bounds and
/// stores. A command that hits a bug or a store failure answers <c>NO (TRYLATER)</c> and the
/// session goes on. Logs one line when it ends.
/// </summary>
public sealed partial class ManageSieveSession
{
    /// <summary>Commands a client may send before it logs in; then the connection is closed.</summary>
    public const int MaxUnauthenticatedCommands = 20;

    /// <summary>Failed AUTHENTICATEs in one session before it is closed (the shared limiter counts across sessions).</summary>
    public const int MaxFailedLogins = 3;

    /// <summary>Bad commands in a row before the connection is closed.</summary>
    public const int MaxBadCommands = 10;

    /// <summary>
    /// The most of a refused literal (a script over the size limit) read and dropped so the session
    /// can go on; past it the connection is closed instead. Only after login: before it, any refused literal closes.
    /// </summary>
    public const long MaxDiscardedLiteral = 1024 * 1024;

    /// <summary>A literal where a name, a SASL response or a tag belongs: no account has a longer name or password.</summary>
    private const int MaxShortLiteral = 4096;

    private readonly ManageSieveConnection _connection;
    private readonly ManageSieveServerContext _server;
    private readonly ILogger _logger;
    private readonly CancellationToken _shutdown;
    private readonly string _id;

    private int _unauthenticatedCommands;
    private int _failedLogins;
    private int _badInARow;
    private long _lastAccountCheck;
    private string _outcome = "connection closed";
    private bool _over;

    public ManageSieveSession(ManageSieveConnection connection, ManageSieveServerContext server, string id, CancellationToken shutdown)
    {
        _connection = connection;
        _server = server;
        _id = id;
        _shutdown = shutdown;
        _logger = server.Loggers.CreateLogger<ManageSieveSession>();
        connection.Writer.WriteTimeout = server.WriteTimeout;
    }

    /// <summary>The logged-in account, or 0.</summary>
    public long AccountId { get; private set; }

    public string AccountAddress { get; private set; } = "";

    private bool Authenticated => AccountId != 0;
    private ResponseWriter Out => _connection.Writer;
    private IPAddress RemoteAddress => _connection.RemoteAddress;

    /// <summary>The same rule as POP3 and IMAP: plaintext credentials only under TLS, or from loopback when allowed.</summary>
    private bool PlaintextAuthAllowed =>
        _connection.IsSecure || (_server.Options.Security.AllowPlaintextAuthOnLoopback && IPAddress.IsLoopback(RemoteAddress));

    /// <summary>Runs the session until LOGOUT, a dropped connection, the autologout timer, a limit or shutdown.</summary>
    public async Task RunAsync()
    {
        var started = Stopwatch.GetTimestamp();
        var commands = 0;
        try
        {
            // RFC 5804 §1.7: the server greets with its capabilities and OK.
            WriteCapabilities();
            Out.Ok($"{_server.Options.Hostname} ManageSieve ready");
            await Out.FlushAsync(_shutdown).ConfigureAwait(false);
            while (!_over)
            {
                var command = await ReadCommandAsync().ConfigureAwait(false);
                if (command is null)
                    break;
                commands++;
                // A client that never logs in (a scanner, a password sprayer between attempts) is not kept.
                if (!Authenticated && ++_unauthenticatedCommands > MaxUnauthenticatedCommands)
                    Close("Too many commands without logging in", "too many commands before login");
                else
                    await HandleAsync(command).ConfigureAwait(false);
                if (!_over && _badInARow >= MaxBadCommands)
                    Close("Too many bad commands", "too many bad commands");
                await Out.FlushAsync(_shutdown).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            _outcome = "server shutting down";
            await TrySayByeAsync("Server shutting down", "TRYLATER").ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The autologout timer: no command, or not the rest of one (a stalled literal, a literal
            // being dropped, a SASL response), within Webmail:Limits:ManageSieveIdleTimeout.
            _outcome = "idle timeout";
            await TrySayByeAsync("Disconnected for inactivity", null).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException)
        {
            _outcome = _outcome == "connection closed" ? "connection lost" : _outcome;
            _logger.LogDebug(e, "ManageSieve session {Session} from {RemoteIp}: connection ended", _id, RemoteAddress);
        }
        finally
        {
            _logger.LogInformation(
                "ManageSieve session {Session} from {RemoteIp} as {Account}: {Outcome}; {Commands} commands, TLS {Tls}, {DurationMs} ms",
                _id, RemoteAddress, AccountAddress.Length == 0 ? "-" : AccountAddress, _outcome, commands, _connection.TlsProtocol,
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>Reads the next command under the autologout timer; null when the session is over.</summary>
    private async Task<SieveCommand?> ReadCommandAsync()
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
        timer.CancelAfter(_server.Options.Limits.ManageSieveIdleTimeout);
        // The timer firing throws OperationCanceledException, which RunAsync answers with BYE.
        var command = await _connection.Reader.ReadAsync(LiteralLimit, timer.Token).ConfigureAwait(false);
        switch (command.Outcome)
        {
            case ReadOutcome.Closed:
                _outcome = Authenticated ? "connection dropped without LOGOUT" : "connection closed";
                return null;
            case ReadOutcome.LineTooLong:
                _outcome = "line too long";
                await TrySayByeAsync("Line too long", null).ConfigureAwait(false);
                return null;
            case ReadOutcome.LiteralTooLarge:
                return await RefuseLiteralAsync(command, timer.Token).ConfigureAwait(false);
            default:
                return command;
        }
    }

    /// <summary>
    /// A literal over the command's limit, refused before its octets are read: PUTSCRIPT and CHECKSCRIPT
    /// answer <c>NO (QUOTA/MAXSIZE)</c> (RFC 5804 §2.6) as soon as the size is seen. The octets are on
    /// their way (ManageSieve literals do not wait for the server), so after login up to
    /// <see cref="MaxDiscardedLiteral"/> are read and dropped and the session goes on; more, or any
    /// before login, closes the connection.
    /// </summary>
    private async Task<SieveCommand?> RefuseLiteralAsync(SieveCommand command, CancellationToken timer)
    {
        if (command.Name is "PUTSCRIPT" or "CHECKSCRIPT" && Authenticated)
            Out.No($"The script is larger than the limit of {SieveScriptService.MaxScriptBytes / 1024} KB", "QUOTA/MAXSIZE");
        else
            Out.No("Argument too long");
        await Out.FlushAsync(_shutdown).ConfigureAwait(false);
        _badInARow++;
        if (Authenticated && await _connection.Reader.DiscardAsync(command.LiteralLength, MaxDiscardedLiteral, timer).ConfigureAwait(false))
            return new SieveCommand(ReadOutcome.SyntaxError, command.Name, [], "");
        _outcome = "literal too large";
        await TrySayByeAsync("Too much data", null).ConfigureAwait(false);
        return null;
    }

    /// <summary>The largest literal a command may carry: a script for PUTSCRIPT and CHECKSCRIPT once logged in, a short string otherwise.</summary>
    private long LiteralLimit(string name) =>
        Authenticated && name is "PUTSCRIPT" or "CHECKSCRIPT" ? SieveScriptService.MaxScriptBytes : MaxShortLiteral;

    private async Task HandleAsync(SieveCommand command)
    {
        if (command.Outcome == ReadOutcome.SyntaxError)
        {
            // A refused literal was answered already (an empty error).
            if (command.Error.Length > 0)
            {
                Out.No(command.Error);
                _badInARow++;
            }
            return;
        }
        WebmailMeter.Command("managesieve", command.Name);
        if (Authenticated && !await AccountActiveAsync().ConfigureAwait(false))
        {
            Close("Account disabled", "account disabled");
            return;
        }
        var ok = true;
        try
        {
            ok = command.Name switch
            {
                "CAPABILITY" => Capability(command),
                "NOOP" => Noop(command),
                "LOGOUT" => Logout(command),
                "STARTTLS" => await StartTlsAsync(command).ConfigureAwait(false),
                "AUTHENTICATE" => await AuthenticateAsync(command).ConfigureAwait(false),
                "UNAUTHENTICATE" => Unauthenticate(command),
                "LISTSCRIPTS" or "GETSCRIPT" or "PUTSCRIPT" or "SETACTIVE" or "DELETESCRIPT" or "RENAMESCRIPT" or "CHECKSCRIPT" or "HAVESPACE"
                    when !Authenticated => No("Authenticate first"),
                "LISTSCRIPTS" => await ListScriptsAsync(command).ConfigureAwait(false),
                "GETSCRIPT" => await GetScriptAsync(command).ConfigureAwait(false),
                "PUTSCRIPT" => await PutScriptAsync(command).ConfigureAwait(false),
                "SETACTIVE" => await SetActiveAsync(command).ConfigureAwait(false),
                "DELETESCRIPT" => await DeleteScriptAsync(command).ConfigureAwait(false),
                "RENAMESCRIPT" => await RenameScriptAsync(command).ConfigureAwait(false),
                "CHECKSCRIPT" => CheckScript(command),
                "HAVESPACE" => await HaveSpaceAsync(command).ConfigureAwait(false),
                _ => No("Unknown command"),
            };
        }
        catch (Exception e) when (e is not (OperationCanceledException or IOException or AuthenticationException or ObjectDisposedException))
        {
            // A bug or a store failure: a temporary failure for this command, nothing half done (every
            // change is one store transaction), and the session and the listener go on.
            _logger.LogError(e, "ManageSieve session {Session}: {Command} failed", _id, command.Name);
            Out.No("Internal error, try again later", "TRYLATER");
        }
        _badInARow = ok ? 0 : _badInARow + 1;
    }

    /// <summary>Answers NO; false counts the command as a bad one.</summary>
    private bool No(string text, string? code = null)
    {
        Out.No(text, code);
        return false;
    }

    /// <summary>
    /// The capability lines (RFC 5804 §1.7), in the greeting, for CAPABILITY and after STARTTLS.
    /// SASL lists PLAIN only where plaintext credentials may be sent (the POP3/IMAP rule), and is
    /// empty otherwise; STARTTLS only before TLS and login.
    /// </summary>
    private void WriteCapabilities()
    {
        Capability("IMPLEMENTATION", "Webmail");
        Capability("SASL", !Authenticated && PlaintextAuthAllowed ? "PLAIN" : "");
        Capability("SIEVE", string.Join(' ', _server.Scripts.Options.Extensions.Order(StringComparer.Ordinal)));
        if (!_connection.IsSecure && !Authenticated)
            Out.String("STARTTLS").Line();
        Capability("MAXREDIRECTS", _server.Scripts.Options.Limits.MaxRedirects.ToString(CultureInfo.InvariantCulture));
        if (Authenticated)
            Capability("OWNER", AccountAddress);
        Out.String("UNAUTHENTICATE").Line();
        Capability("VERSION", "1.0");
    }

    private void Capability(string name, string value) => Out.String(name).Text(" ").String(value).Line();

    private bool Capability(SieveCommand command)
    {
        if (command.Arguments.Count != 0)
            return No("CAPABILITY takes no arguments");
        WriteCapabilities();
        Out.Ok("Capability completed");
        return true;
    }

    /// <summary>NOOP (RFC 5804 §2.13): an optional string comes back as the TAG response code.</summary>
    private bool Noop(SieveCommand command)
    {
        if (command.Arguments.Count == 0)
        {
            Out.Ok("Done");
            return true;
        }
        if (command.Arguments is not [{ Kind: SieveTokenKind.String } tag])
            return No("NOOP takes one optional string");
        Out.Ok("Done", ResponseWriter.CodeWithString("TAG", tag.Text));
        return true;
    }

    /// <summary>LOGOUT (RFC 5804 §2.3): OK, then the server closes the connection.</summary>
    private bool Logout(SieveCommand command)
    {
        if (command.Arguments.Count != 0)
            return No("LOGOUT takes no arguments");
        Out.Ok("Logout completed");
        _outcome = "logout";
        _over = true;
        return true;
    }

    /// <summary>Says BYE and ends the session after this command.</summary>
    private void Close(string text, string outcome, string? code = null)
    {
        Out.Bye(text, code);
        _outcome = outcome;
        _over = true;
    }

    private async Task TrySayByeAsync(string text, string? code)
    {
        try
        {
            Out.Bye(text, code);
            await Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or AuthenticationException)
        {
            _logger.LogDebug(e, "ManageSieve session {Session}: the client went away before the BYE", _id);
        }
    }
}
