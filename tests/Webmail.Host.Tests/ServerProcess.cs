using System.Diagnostics;
using System.Net;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary>
/// <c>Webmail serve</c> as a real child process on a free loopback port, over a given data
/// directory. SMTP and POP3 are turned off (empty endpoints) so only the web listener binds.
/// Killed and awaited on dispose. Unless the settings name their own <c>Webmail:Dns:Servers</c>, it asks an empty
/// <see cref="LoopbackDnsServer"/> that lives as long as it does, never the machine's resolver.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;
    private readonly LoopbackDnsServer? _dns;

    private ServerProcess(Process process, LoopbackDnsServer? dns, int port)
    {
        _process = process;
        _dns = dns;
        Port = port;
        _stderr = process.StandardError.ReadToEndAsync();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                Output.Enqueue(e.Data);
        };
        process.BeginOutputReadLine();
    }

    /// <summary>The lines the server wrote to standard output so far (its log).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Output { get; } = new();

    public int Port { get; }
    public int ProcessId => _process.Id;
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <param name="settings">More command-line settings (<c>--Key=value</c>), after the defaults, which they override.</param>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, params string[] settings)
    {
        var port = FreePort.Next();
        var dns = LoopbackDnsServer.UnlessConfigured(settings.Select(s => s.Split('=')[0]));
        var info = WebmailExecutable.StartInfo(
        [
            "serve", "--urls", $"http://127.0.0.1:{port}", $"--Webmail:DataDirectory={dataDirectory}",
            "--Webmail:Smtp:Inbound:Endpoint=", "--Webmail:Smtp:Submission:Endpoint=", "--Webmail:Pop3:Endpoint=", "--Webmail:Imap:Endpoint=", "--Webmail:ManageSieve:Endpoint=",
            "--Logging:LogLevel:Default=Warning",
            .. dns is null ? [] : new[] { $"--Webmail:Dns:Servers:0={dns.Endpoint}" },
            .. settings,
        ], dataDirectory);
        var server = new ServerProcess(Process.Start(info)!, dns, port);
        var healthy = false;
        try
        {
            await server.WaitUntilHealthyAsync();
            healthy = true;
        }
        finally
        {
            if (!healthy)
                await server.DisposeAsync();
        }
        return server;
    }

    /// <summary>Polls /healthz until it answers 200 (the listeners accept) or 30 s pass.</summary>
    private async Task WaitUntilHealthyAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"server exited with {_process.ExitCode}: {await _stderr}");
            try
            {
                using var response = await client.GetAsync(BaseUrl + "/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("server did not become healthy in 30 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _dns?.Dispose();
    }
}
