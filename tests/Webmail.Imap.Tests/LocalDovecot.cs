using System.Diagnostics;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Webmail.Testing;

namespace Webmail.Imap.Tests;

/// <summary>
/// A throwaway Dovecot mail store in a temp folder, reached as interimap reaches its "local" server:
/// Dovecot's <c>imap</c> binary run as a pre-authenticated tunnel on standard input and output, with a
/// configuration of its own (no master process, no system configuration, nothing listening).
/// </summary>
/// <remarks>
/// Under root (CI) Dovecot refuses both mail access as root and, when its standard input is a socket
/// (interimap's tunnel is a socket pair), running as root at all ("imap binary must not be started from
/// inetd"). There the tunnel runs as nobody (65534) through <c>setpriv</c>, and the store belongs to nobody.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LocalDovecot
{
    public const string ImapBinary = "/usr/lib/dovecot/imap";
    private const int Nobody = 65534;

    private LocalDovecot(string configFile) => ConfigFile = configFile;

    public string ConfigFile { get; }

    /// <summary>The tunnel command (for <c>/bin/sh -c</c>): a pre-authenticated IMAP session on stdin/stdout.</summary>
    public string TunnelCommand =>
        (Environment.IsPrivilegedProcess ? $"exec setpriv --reuid={Nobody} --regid={Nobody} --clear-groups " : "exec ")
        + $"env USER=webmail-test HOME=/nonexistent {ImapBinary} -c {ConfigFile}";

    /// <summary>Writes the configuration and an empty Maildir under <paramref name="directory"/>.</summary>
    public static async Task<LocalDovecot> CreateAsync(TempDirectory directory)
    {
        Assert.True(File.Exists(ImapBinary), $"{ImapBinary} is missing: install Debian's dovecot-imapd (tests/run.sh does).");
        var mail = Directory.CreateDirectory(directory.File("dovecot-mail")).FullName;
        if (Environment.IsPrivilegedProcess)
        {
            var chown = await ExternalProgram.RunAsync("chown", [$"{Nobody}:{Nobody}", mail], TimeSpan.FromSeconds(10));
            Assert.True(chown.ExitCode == 0, chown.ToString());
        }
        var config = directory.File("dovecot.conf");
        await File.WriteAllTextAsync(config, $"""
            ssl = no
            mail_location = maildir:{mail}
            first_valid_uid = 1
            namespace {'{'}
              inbox = yes
              separator = /
            {'}'}

            """);
        return new LocalDovecot(config);
    }

    /// <summary>A MailKit client in a fresh tunnel session (pre-authenticated), for changes and reads beside interimap.</summary>
    public async Task<ImapClient> ConnectAsync()
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", TunnelCommand },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Dovecot's imap did not start.");
        // Dovecot logs the session's end on standard error; drain it so it never blocks.
        _ = process.StandardError.ReadToEndAsync();
        var stream = new ProcessStream(process);
        var client = new ImapClient();
        try
        {
            await client.ConnectAsync(stream, "localhost", 143, SecureSocketOptions.None);
        }
        catch (Exception)
        {
            client.Dispose();
            await stream.DisposeAsync();
            throw;
        }
        Assert.True(client.IsAuthenticated, "Dovecot's tunnel greets with PREAUTH.");
        return client;
    }

    /// <summary>The INBOX as Dovecot has it: Message-ID → UID and <see cref="CanonicalFlags"/>.</summary>
    public async Task<Dictionary<string, (UniqueId Uid, string Flags)>> ReadInboxAsync()
    {
        using var client = await ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.Envelope);
        await client.DisconnectAsync(true);
        return summaries.ToDictionary(
            s => s.Envelope!.MessageId ?? throw new InvalidDataException($"Local UID {s.UniqueId} has no Message-ID."),
            s => (s.UniqueId, CanonicalFlags.From(s.Flags!.Value, s.Keywords)));
    }

    /// <summary>A process's standard output and input as one stream; disposing it closes the input (Dovecot ends) and waits for the exit.</summary>
    private sealed class ProcessStream(Process process) : Stream
    {
        private readonly Stream _output = process.StandardOutput.BaseStream;
        private readonly Stream _input = process.StandardInput.BaseStream;

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _output.Read(buffer, offset, count);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _output.ReadAsync(buffer, offset, count, cancellationToken);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _output.ReadAsync(buffer, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => _input.Write(buffer, offset, count);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _input.WriteAsync(buffer, offset, count, cancellationToken);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _input.WriteAsync(buffer, cancellationToken);
        public override void Flush() => _input.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => _input.FlushAsync(cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _input.Dispose();
                if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
                    process.Kill(entireProcessTree: true);
                process.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
