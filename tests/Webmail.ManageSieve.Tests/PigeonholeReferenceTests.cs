using System.Text;
using Webmail.Testing;

namespace Webmail.ManageSieve.Tests;

/// <summary>
/// The same commands through our server and Pigeonhole's (Debian's <c>dovecot-managesieved</c>, run
/// pre-authenticated on standard input with a configuration of its own and the same limits: 64 KB,
/// 20 scripts): each reply must have the same status, the same response code, and — for GETSCRIPT,
/// LISTSCRIPTS and NOOP — the same lines. Human-readable texts differ and are not compared.
/// <c>tests/run.sh</c> installs the package when missing.
/// </summary>
public sealed class PigeonholeReferenceTests
{
    private const string ManageSieveBinary = "/usr/lib/dovecot/managesieve";
    private const int Nobody = 65534;

    /// <summary>Covers every command and every response code both servers give for the same situation.</summary>
    private static readonly string[] Commands =
    [
        "PUTSCRIPT \"rules\" {74+}\r\nrequire \"fileinto\";\r\nif header :contains \"subject\" \"x\" { fileinto \"X\"; }\r\n",
        "PUTSCRIPT \"spare\" \"keep;\"",
        "PUTSCRIPT \"bad\" \"filein \\\"x\\\";\"",
        "CHECKSCRIPT \"keep;\"",
        "CHECKSCRIPT \"filein \\\"x\\\";\"",
        "LISTSCRIPTS",
        "SETACTIVE \"rules\"",
        "SETACTIVE \"nothing\"",
        "LISTSCRIPTS",
        "GETSCRIPT \"rules\"",
        "GETSCRIPT \"nothing\"",
        "DELETESCRIPT \"rules\"",
        "DELETESCRIPT \"nothing\"",
        "RENAMESCRIPT \"rules\" \"spare\"",
        "RENAMESCRIPT \"nothing\" \"other\"",
        "RENAMESCRIPT \"spare\" \"spare\"",
        "RENAMESCRIPT \"rules\" \"main\"",
        "LISTSCRIPTS",
        "HAVESPACE \"new\" 1000",
        "HAVESPACE \"new\" 65537",
        "NOOP",
        "NOOP \"STARTTLS-SYNC-42\"",
        "SETACTIVE \"\"",
        "LISTSCRIPTS",
        "DELETESCRIPT \"main\"",
        "LISTSCRIPTS",
    ];

    [Fact]
    public async Task RepliesMatchPigeonholesStatusesCodesAndListings()
    {
        Assert.True(File.Exists(ManageSieveBinary), $"{ManageSieveBinary} is missing: install Debian's dovecot-managesieved (tests/run.sh does).");
        await using var host = await ManageSieveTestHost.StartAsync();
        using var directory = new TempDirectory("pigeonhole-managesieve");

        var ours = new List<string>();
        await using (var client = await host.LoginAsync())
        {
            foreach (var command in Commands)
                ours.Add(Normalize(command, await client.CommandAsync(command)));
        }
        var theirs = (await RunPigeonholeAsync(directory)).Select((reply, i) => Normalize(Commands[i], reply)).ToList();

        Assert.Equal(theirs, ours);
    }

    /// <summary>The status word and response code; the whole reply where its lines are the point.</summary>
    private static string Normalize(string command, SieveReply reply)
    {
        var status = reply.Status;
        var statusAndCode = status.StartsWith("NO (", StringComparison.Ordinal) || status.StartsWith("OK (", StringComparison.Ordinal)
            ? status[..(status.IndexOf(')', StringComparison.Ordinal) + 1)]
            : status[..Math.Max(0, status.IndexOf(' ', StringComparison.Ordinal))] is { Length: > 0 } word ? word : status;
        var name = command.Split(' ')[0];
        if (name is "GETSCRIPT" or "LISTSCRIPTS" || name == "NOOP" && command.Contains('"', StringComparison.Ordinal))
            statusAndCode += " | " + string.Join(" | ", reply.Lines.Order(StringComparer.Ordinal)) + (name == "NOOP" ? " | " + status : "");
        return $"{command.Split("\r\n")[0]} -> {statusAndCode}";
    }

    /// <summary>Pigeonhole's managesieve, pre-authenticated, the commands on standard input; its replies.</summary>
    private static async Task<IReadOnlyList<SieveReply>> RunPigeonholeAsync(TempDirectory directory)
    {
        var mail = Directory.CreateDirectory(directory.File("mail")).FullName;
        var scripts = Directory.CreateDirectory(directory.File("sieve")).FullName;
        var config = directory.File("dovecot.conf");
        await File.WriteAllTextAsync(config, $$"""
            ssl = no
            mail_location = maildir:{{mail}}
            first_valid_uid = 1
            protocols = sieve
            plugin {
              sieve = file:{{scripts}};active={{directory.File("active.sieve")}}
              sieve_max_script_size = 64K
              sieve_quota_max_scripts = 20
            }

            """);
        // Dovecot refuses to run mail code as root: as root it runs as nobody, in a directory open to it.
        var prefix = new List<string>();
        if (Environment.IsPrivilegedProcess)
        {
            var chown = await ExternalProgram.RunAsync("chown", ["-R", $"{Nobody}:{Nobody}", directory.Path], TimeSpan.FromSeconds(10));
            Assert.True(chown.ExitCode == 0, chown.ToString());
            prefix.AddRange(["setpriv", $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups"]);
        }
        var input = string.Concat(Commands.Select(c => c + "\r\n")) + "LOGOUT\r\n";
        var result = await ExternalProgram.RunAsync(prefix.Count > 0 ? prefix[0] : "env",
            [.. prefix.Skip(1), .. prefix.Count > 0 ? new[] { "env" } : [], "USER=webmail-test", "HOME=/nonexistent", ManageSieveBinary, "-c", config],
            TimeSpan.FromSeconds(30), standardInput: input);
        Assert.True(result.ExitCode == 0, result.ToString());
        var replies = Parse(result.Output);
        Assert.True(replies.Count == Commands.Length + 1, result.ToString());
        return replies.Take(Commands.Length).ToList();
    }

    /// <summary>Splits a transcript into replies as <see cref="SieveTranscript"/> reads them: lines (literals inline) up to OK, NO or BYE.</summary>
    private static List<SieveReply> Parse(string output)
    {
        var replies = new List<SieveReply>();
        var lines = new List<string>();
        var at = 0;
        while (at < output.Length)
        {
            var end = output.IndexOf('\n', at);
            if (end < 0)
                break;
            var line = output[at..end].TrimEnd('\r');
            at = end + 1;
            while (line.EndsWith('}') && line.LastIndexOf('{') is var open and >= 0 && int.TryParse(line.AsSpan(open + 1, line.Length - open - 2), out var length))
            {
                // Octets, not characters: the scripts here are ASCII.
                var literal = output.Substring(at, length);
                at += length;
                end = output.IndexOf('\n', at);
                line += "\r\n" + literal + output[at..end].TrimEnd('\r');
                at = end + 1;
            }
            if (line is "OK" or "NO" or "BYE" || line.StartsWith("OK ", StringComparison.Ordinal) || line.StartsWith("NO ", StringComparison.Ordinal) || line.StartsWith("BYE ", StringComparison.Ordinal))
            {
                replies.Add(new SieveReply(lines, line));
                lines = [];
            }
            else
            {
                lines.Add(line);
            }
        }
        return replies;
    }
}
