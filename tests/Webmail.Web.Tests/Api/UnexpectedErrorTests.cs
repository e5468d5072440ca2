using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webmail.Core.Accounts;
using Webmail.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Api;

/// <summary>
/// An endpoint that fails in a way nobody planned for (here: the store's writer is gone) answers an RFC 9457
/// problem with a trace id, logged once under that id, and never shows the exception; pages keep their error page.
/// </summary>
public sealed class UnexpectedErrorTests : IAsyncLifetime
{
    private TestServer _server = default!;

    // Its own server: the test breaks its store.
    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task AnEndpointThatThrowsAnswers500AsAProblemWithATraceIdLoggedOnce()
    {
        var admin = await _server.CreateAccountAsync("ops@broken.example", admin: true);
        var (_, token) = await _server.Services.GetRequiredService<ApiTokenService>().CreateAsync(admin.Id, admin.Address, admin.Address, "script", ApiTokenScope.ReadWrite, default);
        var api = _server.BaseUrl + "/api/v1";
        // A first call records the token's use, so the next ones write nothing before the endpoint runs.
        Assert.Equal(200, (await Curl.SendAsync("GET", api + "/domains", token)).Status);
        var log = CapturedLog.AttachTo(_server.Services);

        // The single writer stopped: every write now throws ObjectDisposedException, which no endpoint expects.
        await _server.Services.GetRequiredService<SqliteDatabase>().Writer.DisposeAsync();
        var failed = await Curl.SendAsync("POST", api + "/domains", token, """{"name":"new.example"}""");

        Assert.True(failed.Status == 500, failed.ToString());
        Assert.StartsWith("application/problem+json", failed.ContentType, StringComparison.Ordinal);
        var problem = failed.Json;
        Assert.Equal(500, problem.GetProperty("status").GetInt32());
        Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.6.1", problem.GetProperty("type").GetString());
        Assert.Equal("An error occurred while processing your request.", problem.GetProperty("title").GetString());
        var traceId = problem.GetProperty("traceId").GetString();
        Assert.False(string.IsNullOrEmpty(traceId));
        Assert.DoesNotContain("ObjectDisposed", failed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("GroupCommitWriter", failed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", failed.Body, StringComparison.Ordinal);

        // Logged once, as an error naming the trace id, with the exception for the operator.
        var errors = log.Lines.Where(l => l.StartsWith(nameof(LogLevel.Error), StringComparison.Ordinal)).ToList();
        var entry = Assert.Single(errors);
        Assert.Contains($"POST /api/v1/domains failed unexpectedly (trace {traceId})", entry, StringComparison.Ordinal);
        Assert.Contains("System.ObjectDisposedException", entry, StringComparison.Ordinal);

        // Reads still work, unknown paths and methods are problems too.
        var unknown = await Curl.SendAsync("GET", api + "/nothing/here", token);
        Assert.Equal(404, unknown.Status);
        Assert.StartsWith("application/problem+json", unknown.ContentType, StringComparison.Ordinal);
        var method = await Curl.SendAsync("PATCH", api + "/domains", token, "{}");
        Assert.Equal(405, method.Status);
        Assert.StartsWith("application/problem+json", method.ContentType, StringComparison.Ordinal);
    }
}
