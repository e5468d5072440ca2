using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webmail.Core.Accounts;
using Webmail.Core.Configuration;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Api;

/// <summary>The admin API called with curl, as an operator's script would, against the real server and store.</summary>
public sealed class AdminApiTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private TestServer Server => fixture.Server;

    private static void AssertProblem(CurlResponse response, int status)
    {
        Assert.True(status == response.Status, response.ToString());
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        Assert.Equal(status, response.Json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(response.Json.GetProperty("detail").GetString()), response.Body);
    }

    [Fact]
    public async Task AReadWriteTokenManagesDomainsAccountsAndAliasesAuditedAsItsAdmin()
    {
        var token = await fixture.TokenAsync(ApiTokenScope.ReadWrite, "provisioning");

        var domain = await fixture.CallAsync("POST", "/domains", token, """{"name":"Crud.Example"}""");
        Assert.True(domain.Status == 201, domain.ToString());
        Assert.Equal("/api/v1/domains/crud.example", domain.Headers["location"]);
        Assert.Equal("crud.example", domain.Json.GetProperty("name").GetString());

        var created = await fixture.CallAsync("POST", "/accounts", token, """{"address":"lucy@crud.example","password":"lucy password 1","displayName":"Lucy","quotaBytes":1048576}""");
        Assert.True(created.Status == 201, created.ToString());
        Assert.Equal(1048576, created.Json.GetProperty("quotaBytes").GetInt64());
        Assert.False(created.Json.GetProperty("isAdmin").GetBoolean());

        var updated = await fixture.CallAsync("PATCH", "/accounts/lucy@crud.example", token, """{"quotaBytes":0,"pop3DeletePolicy":"trash"}""");
        Assert.True(updated.Status == 200, updated.ToString());
        Assert.Equal(0, updated.Json.GetProperty("quotaBytes").GetInt64());
        Assert.Equal("trash", updated.Json.GetProperty("pop3DeletePolicy").GetString());
        Assert.Equal("Lucy", updated.Json.GetProperty("displayName").GetString()); // not given: unchanged

        Assert.Equal(204, (await fixture.CallAsync("PUT", "/accounts/lucy@crud.example/password", token, """{"password":"a new password 2"}""")).Status);
        var verifier = Server.Services.GetRequiredService<CredentialVerifier>();
        Assert.True((await verifier.VerifyAsync("lucy@crud.example", "a new password 2", null, "web", default)).Succeeded);

        Assert.Equal(204, (await fixture.CallAsync("POST", "/accounts/lucy@crud.example/disable", token)).Status);
        Assert.True((await fixture.CallAsync("GET", "/accounts/lucy@crud.example", token)).Json.GetProperty("isDisabled").GetBoolean());
        Assert.Equal(204, (await fixture.CallAsync("POST", "/accounts/lucy@crud.example/enable", token)).Status);

        var alias = await fixture.CallAsync("PUT", "/aliases/sales@crud.example", token, """{"targets":["lucy@crud.example"]}""");
        Assert.True(alias.Status == 200, alias.ToString());
        Assert.Equal(["lucy@crud.example"], alias.Json.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        var aliases = await fixture.CallAsync("GET", "/aliases", token);
        Assert.Contains(aliases.Json.EnumerateArray(), a => a.GetProperty("address").GetString() == "sales@crud.example");

        var list = await fixture.CallAsync("GET", "/accounts?search=crud.example", token);
        Assert.Equal(1, list.Json.GetProperty("total").GetInt64());
        Assert.Equal("lucy@crud.example", list.Json.GetProperty("items")[0].GetProperty("address").GetString());

        Assert.Equal(204, (await fixture.CallAsync("DELETE", "/aliases/sales@crud.example", token)).Status);
        Assert.Equal(204, (await fixture.CallAsync("DELETE", "/accounts/lucy@crud.example", token)).Status);
        Assert.Equal(204, (await fixture.CallAsync("DELETE", "/domains/crud.example", token)).Status);
        Assert.Null(await Server.Directory.FindDomainAsync("crud.example", default));

        // Every change is in the audit log under the token's admin, naming the token.
        var audit = await Server.Services.GetRequiredService<IAuditLog>().QueryAsync("crud.example", 0, 50, default);
        var actions = audit.Items.Where(e => e.Actor == "ops@api.example (API token provisioning)").Select(e => e.Action).ToHashSet();
        Assert.Superset(new HashSet<string> { "domain.add", "account.add", "account.update", "account.passwd", "account.disable", "account.enable", "alias.set", "alias.remove", "account.remove", "domain.remove" }, actions);
    }

    [Fact]
    public async Task RefusalsAreProblemDetailsWithErrorsPerField()
    {
        var token = await fixture.TokenAsync(ApiTokenScope.ReadWrite);
        Assert.Equal(201, (await fixture.CallAsync("POST", "/domains", token, """{"name":"errors.example"}""")).Status);

        var invalid = await fixture.CallAsync("POST", "/accounts", token, """{"address":"not an address","password":"long enough password"}""");
        AssertProblem(invalid, 400);
        Assert.Equal("'not an address' is not a valid address.", invalid.Errors["address"]);

        var missing = await fixture.CallAsync("POST", "/accounts", token, """{"address":"ann@errors.example"}""");
        AssertProblem(missing, 400);
        Assert.Equal("The field password is required.", missing.Errors["password"]);

        var shortPassword = await fixture.CallAsync("POST", "/accounts", token, """{"address":"ann@errors.example","password":"short"}""");
        Assert.Equal("The password must be at least 8 characters long.", shortPassword.Errors["password"]);

        var unknownDomain = await fixture.CallAsync("POST", "/accounts", token, """{"address":"ann@elsewhere.example","password":"long enough password"}""");
        Assert.Equal("The domain elsewhere.example is not served here; add it first.", unknownDomain.Errors["address"]);

        var longName = await fixture.CallAsync("POST", "/accounts", token, $$"""{"address":"ann@errors.example","password":"long enough password","displayName":"{{new string('x', 101)}}"}""");
        Assert.Equal("The display name can be at most 100 characters long.", longName.Errors["displayName"]);

        var badPolicy = await fixture.CallAsync("PATCH", "/accounts/ops@api.example", token, """{"pop3DeletePolicy":"shred"}""");
        Assert.Equal("The POP3 delete policy must be delete, trash or keep.", badPolicy.Errors["pop3DeletePolicy"]);

        var badTarget = await fixture.CallAsync("PUT", "/aliases/info@errors.example", token, """{"targets":["nobody@errors.example"]}""");
        Assert.Equal("The target nobody@errors.example is not a local account.", badTarget.Errors["targets"]);

        var notFound = await fixture.CallAsync("GET", "/accounts/nobody@errors.example", token);
        AssertProblem(notFound, 404);
        Assert.Equal("There is no account nobody@errors.example.", notFound.Json.GetProperty("detail").GetString());
        AssertProblem(await fixture.CallAsync("DELETE", "/aliases/nobody@errors.example", token), 404);

        var duplicate = await fixture.CallAsync("POST", "/domains", token, """{"name":"errors.example"}""");
        AssertProblem(duplicate, 409);
        Assert.Equal("The domain errors.example already exists.", duplicate.Json.GetProperty("detail").GetString());

        AssertProblem(await fixture.CallAsync("POST", "/domains", token, """{"name": """), 400);
        AssertProblem(await fixture.CallAsync("POST", "/domains", token, """{"name":42}"""), 400);
        AssertProblem(await Curl.SendAsync("POST", fixture.Api + "/domains", token, "name=x", contentType: "text/plain"), 415);
        AssertProblem(await fixture.CallAsync("GET", "/no-such-thing", token), 404);
        AssertProblem(await fixture.CallAsync("PATCH", "/domains", token, "{}"), 405);
        AssertProblem(await fixture.CallAsync("GET", "/accounts?pageSize=100000", token), 400);

        // Nothing of the refused requests was stored.
        Assert.Null(await Server.Directory.FindAccountAsync("ann@errors.example", default));
        Assert.Null(await Server.Directory.FindDomainAsync("name=x", default));
    }

    [Fact]
    public async Task ABodyOverTheLimitIsRefusedWith413WhetherDeclaredOrChunked()
    {
        var token = await fixture.TokenAsync(ApiTokenScope.ReadWrite);
        var huge = $$"""{"targets":[{{string.Join(",", Enumerable.Repeat("\"someone@big.example\"", 4000))}}]}""";
        Assert.True(huge.Length > 64 * 1024);

        var declared = await fixture.CallAsync("PUT", "/aliases/big@big.example", token, huge);
        AssertProblem(declared, 413);
        Assert.Equal("The request body is larger than 64 KB.", declared.Json.GetProperty("detail").GetString());
        AssertProblem(await Curl.SendAsync("PUT", fixture.Api + "/aliases/big@big.example", token, huge, chunked: true), 413);

        // A body under the limit sent in chunks is read as usual.
        var small = await Curl.SendAsync("POST", fixture.Api + "/domains", token, """{"name":"chunked.example"}""", chunked: true);
        Assert.True(small.Status == 201, small.ToString());
    }

    [Fact]
    public async Task AReadOnlyTokenReadsButGets403OnEveryChange()
    {
        var token = await fixture.TokenAsync(ApiTokenScope.ReadOnly, "monitoring");

        var domains = await fixture.CallAsync("GET", "/domains", token);
        Assert.True(domains.Status == 200, domains.ToString());
        Assert.Contains(domains.Json.EnumerateArray(), d => d.GetProperty("name").GetString() == "api.example");

        var refused = await fixture.CallAsync("POST", "/domains", token, """{"name":"readonly.example"}""");
        AssertProblem(refused, 403);
        Assert.Equal("This token is read-only; a change needs a read-write token.", refused.Json.GetProperty("detail").GetString());
        AssertProblem(await fixture.CallAsync("PUT", "/settings/limits.maxMessageSize", token, """{"value":2048}"""), 403);
        AssertProblem(await fixture.CallAsync("DELETE", "/accounts/ops@api.example", token), 403);
        Assert.Null(await Server.Directory.FindDomainAsync("readonly.example", default));
        Assert.NotNull(await Server.Directory.FindAccountAsync("ops@api.example", default));
    }

    [Fact]
    public async Task NoTokenAWrongOneARevokedOneAndADisabledAdminsOneGet401()
    {
        var missing = await fixture.CallAsync("GET", "/domains", null);
        AssertProblem(missing, 401);
        Assert.Equal("Bearer realm=\"webmail\"", missing.Headers["www-authenticate"]);

        var wrong = await fixture.CallAsync("GET", "/domains", "wm_" + new string('a', 40));
        AssertProblem(wrong, 401);
        Assert.Equal("Bearer realm=\"webmail\", error=\"invalid_token\"", wrong.Headers["www-authenticate"]);

        // A web sign-in cookie is no key to the API.
        var cookieOnly = await Curl.SendAsync("GET", fixture.Api + "/domains");
        AssertProblem(cookieOnly, 401);

        var directory = Server.Services.GetRequiredService<DirectoryService>();
        var second = await directory.CreateAccountAsync("second@api.example", "correct horse", null, isAdmin: true, null, "test", default);
        var token = await fixture.TokenAsync(ApiTokenScope.ReadWrite, "second's", second);
        Assert.Equal(200, (await fixture.CallAsync("GET", "/domains", token)).Status);

        await directory.SetDisabledAsync(second.Address, true, "test", default);
        AssertProblem(await fixture.CallAsync("GET", "/domains", token), 401);
        await directory.SetDisabledAsync(second.Address, false, "test", default);
        Assert.Equal(200, (await fixture.CallAsync("GET", "/domains", token)).Status);
        await directory.UpdateAccountAsync(second.Address, "", isAdmin: false, 0, Pop3DeletePolicy.Delete, "test", default);
        AssertProblem(await fixture.CallAsync("GET", "/domains", token), 401);
        await directory.UpdateAccountAsync(second.Address, "", isAdmin: true, 0, Pop3DeletePolicy.Delete, "test", default);

        var tokens = Server.Services.GetRequiredService<ApiTokenService>();
        var made = (await tokens.ListAsync(default)).Single(t => t.Owner == second.Address);
        Assert.NotNull(made.LastUsedAt);
        Assert.Equal("127.0.0.1", made.LastIp);
        await tokens.RevokeAsync(made, "test", default);
        AssertProblem(await fixture.CallAsync("GET", "/domains", token), 401);
    }

    [Fact]
    public async Task ATokenIsStoredOnlyAsItsHash()
    {
        var token = await fixture.TokenAsync(ApiTokenScope.ReadOnly, "hashed");
        Assert.Matches("^wm_[a-z2-7]{40}$", token);
        Assert.Equal(200, (await fixture.CallAsync("GET", "/domains", token)).Status);

        foreach (var file in Directory.GetFiles(Server.DataDirectory, "webmail.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, System.Text.Encoding.Latin1);
            Assert.DoesNotContain(token, await reader.ReadToEndAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task QueueEntriesAreListedRetriedBouncedAndDeleted()
    {
        var token = await fixture.TokenAsync(ApiTokenScope.ReadWrite, "queue");
        var queue = Server.Services.GetRequiredService<IOutboundQueueStore>();
        var ids = new List<long>();
        foreach (var subject in new[] { "Retry me", "Bounce me", "Delete me" })
            ids.AddRange(await queue.EnqueueAsync(TestMessages.Simple(from: fixture.Admin.Address, to: "betty@remote.example", subject: subject), new OutboundEnvelope(fixture.Admin.Address, ["betty@remote.example"], null), default));

        var listed = await fixture.CallAsync("GET", "/queue?pageSize=500", token);
        Assert.True(listed.Status == 200, listed.ToString());
        var listedIds = listed.Json.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Superset(ids.ToHashSet(), listedIds.ToHashSet());
        Assert.Equal(["betty@remote.example"], listed.Json.GetProperty("items").EnumerateArray().First(e => e.GetProperty("id").GetInt64() == ids[0]).GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));

        Assert.Equal(204, (await fixture.CallAsync("POST", $"/queue/{ids[0]}/retry", token)).Status);
        Assert.Equal(204, (await fixture.CallAsync("POST", $"/queue/{ids[1]}/bounce", token)).Status);
        Assert.Equal(204, (await fixture.CallAsync("DELETE", $"/queue/{ids[2]}", token)).Status);
        Assert.Null(await queue.GetAsync(ids[1], default));
        Assert.Null(await queue.GetAsync(ids[2], default));

        var gone = await fixture.CallAsync("DELETE", $"/queue/{ids[2]}", token);
        AssertProblem(gone, 404);
        Assert.Equal($"Queue entry #{ids[2]} is no longer queued (delivered or removed meanwhile).", gone.Json.GetProperty("detail").GetString());
        AssertProblem(await fixture.CallAsync("POST", "/queue/abc/retry", token), 404);

        // The bounce reached the sender, and each action is audited as the token's admin.
        var inbox = await Server.Messages.GetSpecialFolderAsync(fixture.Admin.Id, SpecialFolder.Inbox, default);
        var messages = await Server.Messages.ListAsync(fixture.Admin.Id, inbox.Id, 0, 50, MessageSort.DateDescending, default);
        var bounce = Assert.Single(messages.Items, m => m.Subject == "Undelivered Mail Returned to Sender");
        Assert.Contains("Bounce me", System.Text.Encoding.UTF8.GetString((await Server.Messages.GetRawAsync(fixture.Admin.Id, bounce.Id, default))!), StringComparison.Ordinal);
        var audit = await Server.Services.GetRequiredService<IAuditLog>().QueryAsync("API token queue", 0, 50, default);
        Assert.Equal(["queue.bounce", "queue.delete", "queue.retry"], audit.Items.Select(e => e.Action).Order());
    }

    [Fact]
    public async Task SettingsAreReadSetCheckedAndReturnedToTheConfiguredValue()
    {
        var token = await fixture.TokenAsync(ApiTokenScope.ReadWrite, "settings");
        var options = Server.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>();
        var configured = options.CurrentValue.Security.MaxFailedLogins;

        var list = await fixture.CallAsync("GET", "/settings", token);
        var entry = list.Json.EnumerateArray().Single(s => s.GetProperty("key").GetString() == "security.maxFailedLogins");
        Assert.Equal(configured, entry.GetProperty("value").GetInt64());
        Assert.False(entry.GetProperty("overridden").GetBoolean());

        var set = await fixture.CallAsync("PUT", "/settings/security.maxFailedLogins", token, """{"value":77}""");
        Assert.True(set.Status == 200, set.ToString());
        Assert.Equal(77, set.Json.GetProperty("value").GetInt64());
        Assert.True(set.Json.GetProperty("overridden").GetBoolean());
        Assert.Equal(77, options.CurrentValue.Security.MaxFailedLogins);

        var outOfRange = await fixture.CallAsync("PUT", "/settings/security.maxFailedLogins", token, """{"value":0}""");
        AssertProblem(outOfRange, 400);
        Assert.Equal("Failed logins before a temporary ban must be from 1 to 10000 attempts.", outOfRange.Errors["value"]);
        AssertProblem(await fixture.CallAsync("PUT", "/settings/no.such.setting", token, """{"value":1}"""), 404);

        var reset = await fixture.CallAsync("PUT", "/settings/security.maxFailedLogins", token, """{"value":null}""");
        Assert.Equal(configured, reset.Json.GetProperty("value").GetInt64());
        Assert.Equal(configured, options.CurrentValue.Security.MaxFailedLogins);
    }

    [Fact]
    public async Task ADkimKeyIsGeneratedAndItsRecordRead()
    {
        var token = await fixture.TokenAsync(ApiTokenScope.ReadWrite, "dkim");
        Assert.Equal(201, (await fixture.CallAsync("POST", "/domains", token, """{"name":"dkim-api.example"}""")).Status);
        AssertProblem(await fixture.CallAsync("GET", "/domains/dkim-api.example/dkim", token), 404);

        var made = await fixture.CallAsync("POST", "/domains/dkim-api.example/dkim", token);
        Assert.True(made.Status == 201, made.ToString());
        var selector = made.Json.GetProperty("selector").GetString()!;
        Assert.StartsWith("v=DKIM1; k=rsa; p=", made.Json.GetProperty("value").GetString(), StringComparison.Ordinal);
        Assert.Equal($"{selector}._domainkey.dkim-api.example", made.Json.GetProperty("name").GetString());

        var read = await fixture.CallAsync("GET", "/domains/dkim-api.example/dkim", token);
        Assert.Equal(made.Json.GetProperty("value").GetString(), read.Json.GetProperty("value").GetString());
        AssertProblem(await fixture.CallAsync("POST", "/domains/nowhere.example/dkim", token), 404);
    }

    [Fact]
    public async Task TheMtaStsModeIsSetAndAChangeGivesANewPolicyId()
    {
        var token = await fixture.TokenAsync(ApiTokenScope.ReadWrite, "mta-sts");
        Assert.Equal(201, (await fixture.CallAsync("POST", "/domains", token, """{"name":"sts-api.example"}""")).Status);

        var set = await fixture.CallAsync("PUT", "/domains/sts-api.example/mta-sts", token, """{"mode":"enforce"}""");
        Assert.True(set.Status == 200, set.ToString());
        Assert.Equal("enforce", set.Json.GetProperty("mode").GetString());
        var policies = fixture.Server.Services.GetRequiredService<Webmail.Admin.MtaStsPolicies>();
        var stored = await policies.GetAsync("sts-api.example", default);
        Assert.Equal(Webmail.Core.Storage.MtaStsMode.Enforce, stored!.Mode);
        Assert.Equal(stored.PolicyId, set.Json.GetProperty("policyId").GetString());

        var bad = await fixture.CallAsync("PUT", "/domains/sts-api.example/mta-sts", token, """{"mode":"1"}""");
        AssertProblem(bad, 400);
        Assert.Equal("The mode is none, testing or enforce.", bad.Errors["mode"]);
        AssertProblem(await fixture.CallAsync("PUT", "/domains/nowhere.example/mta-sts", token, """{"mode":"testing"}"""), 404);
        Assert.Equal(Webmail.Core.Storage.MtaStsMode.Enforce, (await policies.GetAsync("sts-api.example", default))!.Mode);
    }

    [Fact]
    public async Task TwoFactorResetAndSignOutEverywhereAreThere()
    {
        var token = await fixture.TokenAsync(ApiTokenScope.ReadWrite, "security");
        await Server.CreateAccountAsync("kim@api.example");

        var ended = await fixture.CallAsync("POST", "/accounts/kim@api.example/sessions/end", token);
        Assert.True(ended.Status == 200, ended.ToString());
        Assert.Equal(0, ended.Json.GetProperty("ended").GetInt32());
        var reset = await fixture.CallAsync("POST", "/accounts/kim@api.example/second-factor/reset", token);
        Assert.Equal(0, reset.Json.GetProperty("passkeysRemoved").GetInt32());
        AssertProblem(await fixture.CallAsync("POST", "/accounts/nobody@api.example/sessions/end", token), 404);
    }
}
