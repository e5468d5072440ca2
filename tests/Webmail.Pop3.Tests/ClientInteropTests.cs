using System.Diagnostics;
using MailKit.Net.Pop3;
using MailKit.Security;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Pop3.Tests;

/// <summary>Real clients nobody here wrote: MailKit's Pop3Client and Python's poplib.</summary>
public sealed class ClientInteropTests : IAsyncLifetime
{
    private Pop3TestHost _host = null!;

    public async Task InitializeAsync() => _host = await Pop3TestHost.StartAsync(implicitTls: true);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static Pop3Client NewClient() => new() { ServerCertificateValidationCallback = (_, _, _, _) => true };

    [Fact]
    public async Task MailKitDownloadsWithUserPassOnLoopback()
    {
        var raw = TransactionTests.Tricky();
        await _host.AppendAsync(raw);
        await _host.AppendAsync(TestMessages.Simple(subject: "second"));
        using var client = NewClient();

        await client.ConnectAsync("127.0.0.1", _host.Port, SecureSocketOptions.None);
        client.AuthenticationMechanisms.Clear();
        await client.AuthenticateAsync(Pop3TestHost.Address, Pop3TestHost.Password);

        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.UIDL | Pop3Capabilities.Top | Pop3Capabilities.Pipelining | Pop3Capabilities.User));
        Assert.Equal(2, client.Count);
        var uids = await client.GetMessageUidsAsync();
        Assert.Equal(2, uids.Distinct().Count());
        using var stream = await client.GetStreamAsync(0);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(raw, copy.ToArray());
        var messages = await client.GetMessagesAsync([0, 1]);
        Assert.Equal(["dots", "second"], messages.Select(m => m.Subject));
        var sizes = await client.GetMessageSizesAsync();
        Assert.Equal(raw.Length, sizes[0]);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task MailKitUsesStlsAndAuthPlainAndDeletes()
    {
        await _host.AppendAsync(TestMessages.Simple(subject: "to delete"));
        using var client = NewClient();

        await client.ConnectAsync("127.0.0.1", _host.Port, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        await client.AuthenticateAsync(Pop3TestHost.Address, Pop3TestHost.Password);
        await client.DeleteMessageAsync(0);
        await client.DisconnectAsync(quit: true);

        Assert.Empty(await _host.ListAsync(SpecialFolder.Inbox));
    }

    [Fact]
    public async Task MailKitLogsInOverImplicitTls()
    {
        await _host.AppendAsync(TestMessages.Simple(subject: "secure"));
        using var client = NewClient();

        await client.ConnectAsync("127.0.0.1", _host.TlsPort, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync(Pop3TestHost.Address, Pop3TestHost.Password);

        Assert.Equal("secure", (await client.GetMessageAsync(0)).Subject);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task MailKitSeesWrongPasswordAsAuthenticationFailure()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", _host.Port, SecureSocketOptions.None);

        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(Pop3TestHost.Address, "wrong"));
    }

    [Fact]
    public async Task PythonPoplibRetrievesAndDeletes()
    {
        var raw = TransactionTests.Tricky();
        await _host.AppendAsync(raw);
        await _host.AppendAsync(TestMessages.Simple(subject: "second"));
        const string script = """
            import poplib, sys, json
            p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=20)
            out = {"welcome": p.getwelcome().decode()}
            out["capa"] = sorted(p.capa().keys())
            p.user(sys.argv[2]); p.pass_(sys.argv[3])
            out["stat"] = list(p.stat())
            out["list"] = [l.decode() for l in p.list()[1]]
            out["uidl"] = len(p.uidl()[1])
            resp, lines, octets = p.retr(1)
            out["retr"] = (b"\r\n".join(lines) + b"\r\n").hex()
            out["top"] = [l.decode() for l in p.top(2, 0)[1]][-1:]
            out["dele"] = p.dele(2).decode()
            out["quit"] = p.quit().decode()
            print(json.dumps(out))
            """;
        var output = await RunPythonAsync(script, _host.Port.ToString(), Pop3TestHost.Address, Pop3TestHost.Password);

        var result = System.Text.Json.JsonDocument.Parse(output).RootElement;
        Assert.Equal("+OK localhost POP3 ready", result.GetProperty("welcome").GetString());
        Assert.Contains("STLS", result.GetProperty("capa").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, result.GetProperty("stat")[0].GetInt32());
        Assert.Equal($"1 {raw.Length}", result.GetProperty("list")[0].GetString());
        Assert.Equal(2, result.GetProperty("uidl").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(raw), result.GetProperty("retr").GetString());
        Assert.Equal("+OK Message 2 deleted", result.GetProperty("dele").GetString());
        Assert.Equal("+OK Bye", result.GetProperty("quit").GetString());
        Assert.Equal(["dots"], (await _host.ListAsync(SpecialFolder.Inbox)).Select(m => m.Subject));
    }

    private static async Task<string> RunPythonAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        return await stdout;
    }
}
