using System.Collections.Concurrent;
using System.Net;
using Webmail.Testing;

namespace Webmail.Web.Tests.Images;

/// <summary>
/// A "remote" image host for tests: an <see cref="HttpListener"/> on 127.0.0.1 that answers every GET
/// with one PNG and records the paths it was asked for.
/// </summary>
public sealed class LoopbackImageServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _png;
    private readonly Task _serving;

    public LoopbackImageServer(byte[] png)
    {
        _png = png;
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port { get; }

    /// <summary>The paths requested so far, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public string UrlOf(string path) => $"http://127.0.0.1:{Port}/{path.TrimStart('/')}";

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return; // stopped
            }
            Requests.Enqueue(context.Request.Url?.AbsolutePath ?? "");
            context.Response.ContentType = "image/png";
            context.Response.Headers["Cache-Control"] = "no-store";
            context.Response.ContentLength64 = _png.Length;
            await context.Response.OutputStream.WriteAsync(_png);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone: on Linux, Stop and then Close unregisters the prefix twice, and the second time binds the port
        // again to find its listener, failing with "Address already in use" once another test has taken the port.
        _listener.Close();
        await _serving;
    }
}
