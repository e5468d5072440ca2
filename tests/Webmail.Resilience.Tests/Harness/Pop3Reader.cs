using System.Net.Sockets;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>
/// A POP3 client that works one account's maildrop while the SMTP senders run and the server is
/// killed: it logs in, reads a few messages' Message-IDs with TOP, RETRs some, DELEs some and QUITs,
/// over and over. It keeps what it needs to judge the file afterwards (RFC 1939 §6):
/// <list type="bullet">
/// <item><see cref="ConfirmedDeleted"/>: marked with DELE in a session whose QUIT was answered +OK — must be gone for good;</item>
/// <item><see cref="UnconfirmedDeleted"/>: marked in a session whose QUIT was sent but never answered +OK — may be
/// gone (the UPDATE state committed before the kill) or still there;</item>
/// <item>marks of a session that broke before QUIT was sent are forgotten: those messages must still be there.</item>
/// </list>
/// The reader lives across kill rounds, so the sets cover the whole run.
/// </summary>
public sealed class Pop3Reader(string user, string password = "correct horse")
{
    private readonly HashSet<string> _confirmed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unconfirmed = new(StringComparer.Ordinal);
    private readonly List<string> _reappeared = [];
    private readonly List<string> _protocolErrors = [];
    private TaskCompletionSource _quitSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _confirmedSessions;

    public string User { get; } = user;

    /// <summary>Message-IDs deleted by a session whose QUIT got +OK (read after <see cref="RunAsync"/> has finished).</summary>
    public IReadOnlySet<string> ConfirmedDeleted => _confirmed;

    /// <summary>Message-IDs marked in a session whose QUIT was sent but not answered +OK (not in <see cref="ConfirmedDeleted"/>).</summary>
    public IReadOnlySet<string> UnconfirmedDeleted => _unconfirmed;

    /// <summary>Message-IDs a later session saw again although an earlier QUIT had confirmed their deletion.</summary>
    public IReadOnlyList<string> Reappeared => _reappeared;

    /// <summary>Replies that broke the protocol (a -ERR to a valid command on a live connection, a RETR without its Message-ID).</summary>
    public IReadOnlyList<string> ProtocolErrors => _protocolErrors;

    /// <summary>Sessions whose QUIT was answered +OK, over the whole run.</summary>
    public int ConfirmedSessions => Volatile.Read(ref _confirmedSessions);

    public int Sessions { get; private set; }
    public int Retrieved { get; private set; }
    public int BrokenSessions { get; private set; }

    /// <summary>Completes when the reader is about to send its next QUIT (so a test can aim a kill at the UPDATE state).</summary>
    public Task NextQuit => Volatile.Read(ref _quitSignal).Task;

    /// <summary>Runs sessions against <paramref name="port"/> until <paramref name="stop"/> fires or the server goes away for good.</summary>
    public async Task RunAsync(int port, CancellationToken stop)
    {
        var random = new Random();
        while (!stop.IsCancellationRequested)
        {
            await SessionAsync(port, random, stop);
            try
            {
                await Task.Delay(random.Next(10, 60), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SessionAsync(int port, Random random, CancellationToken stop)
    {
        var marked = new HashSet<string>(StringComparer.Ordinal);
        var quitSent = false;
        try
        {
            var (client, greeting) = await RawPop3.ConnectAsync(port);
            using var _ = client;
            if (!RawPop3.IsOk(greeting))
                return;
            Sessions++;
            if (!await client.LoginAsync(User, password))
                return; // [IN-USE] or the server dying; try again.

            var stat = await client.CommandAsync("STAT");
            if (!RawPop3.IsOk(stat))
            {
                NoteUnexpected("STAT", stat);
                return;
            }
            var count = int.Parse(stat.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            var numbers = Enumerable.Range(1, count).OrderBy(_ => random.Next()).Take(6).ToList();
            var known = new Dictionary<int, string>();
            foreach (var number in numbers)
            {
                if (stop.IsCancellationRequested)
                    return;
                var top = await client.CommandAsync($"TOP {number} 0");
                if (!RawPop3.IsOk(top))
                {
                    NoteUnexpected($"TOP {number} 0", top);
                    return;
                }
                if (MessageIdOf(await client.ReadMultilineAsync()) is not { } id)
                    continue;
                known[number] = id;
                lock (_confirmed)
                {
                    if (_confirmed.Contains(id))
                        _reappeared.Add(id);
                }
                if (random.Next(2) == 0)
                {
                    var retr = await client.CommandAsync($"RETR {number}");
                    if (!RawPop3.IsOk(retr))
                    {
                        NoteUnexpected($"RETR {number}", retr);
                        return;
                    }
                    var lines = await client.ReadMultilineAsync();
                    if (MessageIdOf(lines) != id)
                        NoteUnexpected($"RETR {number}", "message does not carry " + id);
                    Retrieved++;
                }
            }
            foreach (var (number, id) in known)
            {
                if (random.Next(3) == 0)
                    continue;
                var dele = await client.CommandAsync($"DELE {number}");
                if (!RawPop3.IsOk(dele))
                {
                    NoteUnexpected($"DELE {number}", dele);
                    return;
                }
                marked.Add(id);
            }
            if (random.Next(10) == 0)
            {
                // RFC 1939 §5: RSET unmarks everything.
                if (!RawPop3.IsOk(await client.CommandAsync("RSET")))
                    return;
                marked.Clear();
            }

            Interlocked.Exchange(ref _quitSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            quitSent = true;
            var quit = await client.CommandAsync("QUIT");
            lock (_confirmed)
            {
                if (RawPop3.IsOk(quit))
                {
                    _confirmed.UnionWith(marked);
                    _unconfirmed.ExceptWith(marked);
                    Interlocked.Increment(ref _confirmedSessions);
                }
                else
                {
                    _unconfirmed.UnionWith(marked.Except(_confirmed));
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or TimeoutException or ObjectDisposedException)
        {
            BrokenSessions++;
            if (quitSent)
            {
                lock (_confirmed)
                    _unconfirmed.UnionWith(marked.Except(_confirmed));
            }
        }
    }

    /// <summary>A -ERR or an empty reply ("" = the connection closed, expected at a kill) to a valid command.</summary>
    private void NoteUnexpected(string command, string reply)
    {
        if (reply.Length > 0)
            _protocolErrors.Add($"{command} -> {reply}");
    }

    /// <summary>The Message-ID (without angle brackets) from the header lines of a TOP or RETR response.</summary>
    private static string? MessageIdOf(List<string> lines)
    {
        for (var i = 0; i < lines.Count && lines[i].Length > 0; i++)
        {
            if (!lines[i].StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))
                continue;
            var value = lines[i]["Message-ID:".Length..];
            // A folded header continues on lines starting with white space (RFC 5322 §2.2.3).
            for (var j = i + 1; j < lines.Count && lines[j].Length > 0 && lines[j][0] is ' ' or '\t'; j++)
                value += lines[j];
            return value.Trim().Trim('<', '>');
        }
        return null;
    }
}
