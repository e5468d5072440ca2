using System.Text;
using Webmail.Core.Filters;
using Webmail.Testing;

namespace Webmail.ManageSieve.Tests;

/// <summary>Each RFC 5804 command over a raw socket, with the exact replies and response codes (§1.3).</summary>
public sealed class CommandTests : IAsyncLifetime
{
    private const string Valid = "require \"fileinto\";\r\nif header :contains \"subject\" \"invoice\" { fileinto \"Bills\"; }\r\n";

    private static readonly string[] Capabilities =
    [
        "\"IMPLEMENTATION\" \"Webmail\"",
        "\"SASL\" \"PLAIN\"",
        "\"SIEVE\" \"body comparator-i;ascii-casemap comparator-i;ascii-numeric comparator-i;octet copy date encoded-character envelope ereject fileinto imap4flags index mailbox regex reject relational subaddress vacation vacation-seconds variables\"",
        "\"STARTTLS\"",
        "\"MAXREDIRECTS\" \"4\"",
        "\"UNAUTHENTICATE\"",
        "\"VERSION\" \"1.0\"",
    ];

    private ManageSieveTestHost _host = null!;

    public async Task InitializeAsync() => _host = await ManageSieveTestHost.StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task GreetingListsTheCapabilitiesThenOk()
    {
        await using var client = await _host.ConnectAsync();

        Assert.Equal(Capabilities, client.Greeting.Lines);
        Assert.Equal("OK \"localhost ManageSieve ready\"", client.Greeting.Status);
        var capability = await client.CommandAsync("CAPABILITY");
        Assert.Equal(Capabilities, capability.Lines);
        Assert.Equal("OK \"Capability completed\"", capability.Status);
    }

    [Fact]
    public async Task AfterLoginCapabilityNamesTheOwnerAndOffersNeitherSaslNorStartTls()
    {
        await using var client = await _host.LoginAsync();

        var capability = await client.CommandAsync("capability");

        Assert.Equal(
        [
            "\"IMPLEMENTATION\" \"Webmail\"",
            "\"SASL\" \"\"",
            Capabilities[2],
            "\"MAXREDIRECTS\" \"4\"",
            "\"OWNER\" \"lucy@local.example\"",
            "\"UNAUTHENTICATE\"",
            "\"VERSION\" \"1.0\"",
        ], capability.Lines);
    }

    [Fact]
    public async Task PutListGetActivateRenameAndDeleteAnswerExactly()
    {
        await using var client = await _host.LoginAsync();

        Assert.Equal("OK \"Listscripts completed\"", (await client.CommandAsync("LISTSCRIPTS")).Status);
        // A non-synchronizing literal, a synchronizing one and a quoted string all carry a script.
        var bytes = Encoding.UTF8.GetByteCount(Valid);
        Assert.Equal("OK \"Putscript completed\"", (await client.CommandAsync($"PUTSCRIPT \"rules\" {{{bytes}+}}\r\n{Valid}")).Status);
        Assert.Equal("OK \"Putscript completed\"", (await client.CommandAsync($"PutScript {{5}}\r\nspare {{5+}}\r\nkeep;")).Status);
        Assert.Equal("OK \"Putscript completed\"", (await client.CommandAsync("PUTSCRIPT \"quoted \\\"one\\\"\" \"discard;\"")).Status);

        var list = await client.CommandAsync("LISTSCRIPTS");
        Assert.Equal(["\"quoted \\\"one\\\"\"", "\"rules\"", "\"spare\""], list.Lines.Order(StringComparer.Ordinal));

        Assert.Equal("OK \"Setactive completed\"", (await client.CommandAsync("SETACTIVE \"rules\"")).Status);
        Assert.Contains("\"rules\" ACTIVE", (await client.CommandAsync("LISTSCRIPTS")).Lines);

        var get = await client.CommandAsync("GETSCRIPT \"rules\"");
        Assert.Equal([$"{{{bytes}}}\r\n{Valid}"], get.Lines);
        Assert.Equal("OK \"Getscript completed\"", get.Status);

        // RFC 5804 §2.10: the active script cannot be deleted.
        Assert.Equal("NO (ACTIVE) \"\\\"rules\\\" is the active script; make another active or turn filtering off first.\"", (await client.CommandAsync("DELETESCRIPT \"rules\"")).Status);
        Assert.Equal("NO (NONEXISTENT) \"There is no script named \\\"nothing\\\".\"", (await client.CommandAsync("DELETESCRIPT \"nothing\"")).Status);
        Assert.Equal("NO (NONEXISTENT) \"There is no script named \\\"nothing\\\".\"", (await client.CommandAsync("GETSCRIPT \"nothing\"")).Status);
        Assert.Equal("NO (NONEXISTENT) \"There is no script named \\\"nothing\\\".\"", (await client.CommandAsync("SETACTIVE \"nothing\"")).Status);

        // RFC 5804 §2.11.1: the active mark moves with the name; an existing new name is refused.
        Assert.Equal("NO (ALREADYEXISTS) \"There is already a script named \\\"spare\\\".\"", (await client.CommandAsync("RENAMESCRIPT \"rules\" \"spare\"")).Status);
        Assert.Equal("NO (NONEXISTENT) \"There is no script named \\\"nothing\\\".\"", (await client.CommandAsync("RENAMESCRIPT \"nothing\" \"else\"")).Status);
        Assert.Equal("OK \"Renamescript completed\"", (await client.CommandAsync("RENAMESCRIPT \"rules\" \"main\"")).Status);
        Assert.Equal("main", (await _host.Scripts.GetActiveAsync(_host.Account.Id, default))?.Name);

        // RFC 5804 §2.8: SETACTIVE "" turns filtering off; then the script may go.
        Assert.Equal("OK \"Setactive completed\"", (await client.CommandAsync("SETACTIVE \"\"")).Status);
        Assert.Null(await _host.Scripts.GetActiveAsync(_host.Account.Id, default));
        Assert.Equal("OK \"Deletescript completed\"", (await client.CommandAsync("DELETESCRIPT \"main\"")).Status);
        Assert.Equal(["quoted \"one\"", "spare"], (await _host.Scripts.ListAsync(_host.Account.Id, default)).Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AnInvalidScriptIsRefusedWithItsErrorsAndTheirLines()
    {
        await using var client = await _host.LoginAsync();
        const string script = "require \"fileinto\";\r\nfileinto \"x\";\r\nfilein \"y\";\r\n";

        var put = await client.CommandAsync($"PUTSCRIPT \"bad\" {{{script.Length}+}}\r\n{script}");
        var check = await client.CommandAsync($"CHECKSCRIPT {{{script.Length}+}}\r\n{script}");

        Assert.Equal("NO \"line 3: unknown command 'filein'\"", put.Status);
        Assert.Equal(put.Status, check.Status);
        Assert.Null(await _host.Scripts.GetAsync(_host.Account.Id, "bad", default));
        // Several errors: one per line, so the reply is a literal.
        var several = await client.CommandAsync("CHECKSCRIPT \"filein \\\"y\\\";\r\nstop stop;\"".Replace("\r\n", " ", StringComparison.Ordinal));
        Assert.StartsWith("NO ", several.Status);
        var expected = string.Join("\r\n", _host.Scripts.Check("filein \"y\"; stop stop;").Errors.Select(e => e.ToString()));
        Assert.Contains("\r\n", expected);
        Assert.Equal($"NO {{{Encoding.UTF8.GetByteCount(expected)}}}\r\n{expected}", several.Status);
        Assert.Equal("OK \"Script is valid\"", (await client.CommandAsync("CHECKSCRIPT \"keep;\"")).Status);
    }

    [Fact]
    public async Task HaveSpaceAnswersWithTheQuotaCodes()
    {
        await using var client = await _host.LoginAsync();

        Assert.Equal("OK \"Putscript would succeed\"", (await client.CommandAsync("HAVESPACE \"rules\" 1000")).Status);
        Assert.Equal("NO (QUOTA/MAXSIZE) \"A script may be at most 64 KB.\"", (await client.CommandAsync($"HAVESPACE \"rules\" {SieveScriptService.MaxScriptBytes + 1}")).Status);
        for (var i = 0; i < SieveScriptService.MaxScriptsPerAccount; i++)
            Assert.True((await _host.Scripts.PutAsync(_host.Account.Id, "test", $"s{i}", "keep;", default)).Succeeded);
        Assert.Equal($"NO (QUOTA/MAXSCRIPTS) \"An account can have at most {SieveScriptService.MaxScriptsPerAccount} scripts; delete one you no longer use.\"", (await client.CommandAsync("HAVESPACE \"one more\" 10")).Status);
        Assert.Equal($"NO (QUOTA/MAXSCRIPTS) \"An account can have at most {SieveScriptService.MaxScriptsPerAccount} scripts; delete one you no longer use.\"", (await client.CommandAsync("PUTSCRIPT \"one more\" \"keep;\"")).Status);
        // Replacing one that exists still fits.
        Assert.Equal("OK \"Putscript would succeed\"", (await client.CommandAsync("HAVESPACE \"s1\" 10")).Status);
        Assert.Equal("NO \"Syntax: HAVESPACE name size\"", (await client.CommandAsync("HAVESPACE \"s1\" \"10\"")).Status);
    }

    [Fact]
    public async Task NoopEchoesItsTagAndLogoutEndsTheSession()
    {
        await using var client = await _host.ConnectAsync();

        Assert.Equal("OK \"Done\"", (await client.CommandAsync("NOOP")).Status);
        Assert.Equal("OK (TAG \"STARTTLS-SYNC-42\") \"Done\"", (await client.CommandAsync("NOOP \"STARTTLS-SYNC-42\"")).Status);
        Assert.Equal("OK \"Logout completed\"", (await client.CommandAsync("LOGOUT")).Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task UnauthenticateReturnsToTheStateBeforeLogin()
    {
        await using var client = await _host.LoginAsync();

        Assert.Equal("OK \"Unauthenticate completed\"", (await client.CommandAsync("UNAUTHENTICATE")).Status);
        Assert.Equal("NO \"Authenticate first\"", (await client.CommandAsync("LISTSCRIPTS")).Status);
        Assert.Equal("NO \"Not authenticated\"", (await client.CommandAsync("UNAUTHENTICATE")).Status);
        Assert.Equal("OK \"Logged in\"", (await client.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{SieveTranscript.Plain(ManageSieveTestHost.OtherAddress, ManageSieveTestHost.Password)}\"")).Status);
        Assert.Equal("OK \"Listscripts completed\"", (await client.CommandAsync("LISTSCRIPTS")).Status);
    }

    [Fact]
    public async Task ScriptsOfAnotherAccountAreNeverVisible()
    {
        Assert.True((await _host.Scripts.PutAsync(_host.Other.Id, "test", "hers", "keep;", default)).Succeeded);
        Assert.True((await _host.Scripts.ActivateAsync(_host.Other.Id, "test", "hers", default)).Succeeded);
        await using var client = await _host.LoginAsync();

        Assert.Empty((await client.CommandAsync("LISTSCRIPTS")).Lines);
        Assert.StartsWith("NO (NONEXISTENT)", (await client.CommandAsync("GETSCRIPT \"hers\"")).Status);
        Assert.StartsWith("NO (NONEXISTENT)", (await client.CommandAsync("DELETESCRIPT \"hers\"")).Status);
        Assert.StartsWith("NO (NONEXISTENT)", (await client.CommandAsync("SETACTIVE \"hers\"")).Status);
        Assert.StartsWith("NO (NONEXISTENT)", (await client.CommandAsync("RENAMESCRIPT \"hers\" \"mine\"")).Status);
        // Her name is free in this account: a script of the same name is this account's own.
        Assert.Equal("OK \"Putscript completed\"", (await client.CommandAsync("PUTSCRIPT \"hers\" \"discard;\"")).Status);
        Assert.Equal("keep;", await _host.Scripts.GetAsync(_host.Other.Id, "hers", default));
        Assert.Equal("hers", (await _host.Scripts.GetActiveAsync(_host.Other.Id, default))?.Name);
        Assert.Null(await _host.Scripts.GetActiveAsync(_host.Account.Id, default));
    }

    [Fact]
    public async Task BadScriptNamesAreRefusedWithoutACode()
    {
        await using var client = await _host.LoginAsync();

        Assert.Equal("NO \"Give the script a name.\"", (await client.CommandAsync("PUTSCRIPT \"\" \"keep;\"")).Status);
        Assert.Equal("NO \"A script name must not contain control characters.\"", (await client.CommandAsync("PUTSCRIPT {3+}\r\na\tb \"keep;\"")).Status);
    }

    [Fact]
    public async Task ScriptsAndNamesAreUtf8AndLiteralsCountOctets()
    {
        await using var client = await _host.LoginAsync();
        const string script = "# Grüße, 日本\r\nkeep;\r\n";
        var octets = Encoding.UTF8.GetByteCount(script);
        Assert.NotEqual(script.Length, octets);

        Assert.Equal("OK \"Putscript completed\"", (await client.CommandAsync($"PUTSCRIPT \"Grüße\" {{{octets}+}}\r\n{script}")).Status);

        Assert.Equal(["\"Grüße\""], (await client.CommandAsync("LISTSCRIPTS")).Lines);
        Assert.Equal([$"{{{octets}}}\r\n{script}"], (await client.CommandAsync("GETSCRIPT \"Grüße\"")).Lines);
        Assert.Equal(script, await _host.Scripts.GetAsync(_host.Account.Id, "Grüße", default));
    }

    [Fact]
    public async Task AStoreFailureAnswersTryLaterAndTheSessionGoesOn()
    {
        await using var client = await _host.LoginAsync();
        using (RefusingTrigger.On(_host.Store.Database, "INSERT", "sieve_scripts", $"NEW.account_id = {_host.Account.Id}"))
        {
            // RFC 5804 §1.3: TRYLATER, a temporary failure; nothing was stored.
            Assert.Equal("NO (TRYLATER) \"Internal error, try again later\"", (await client.CommandAsync("PUTSCRIPT \"rules\" \"keep;\"")).Status);
        }

        Assert.Equal("OK \"Listscripts completed\"", (await client.CommandAsync("LISTSCRIPTS")).Status);
        Assert.Equal("OK \"Putscript completed\"", (await client.CommandAsync("PUTSCRIPT \"rules\" \"keep;\"")).Status);
    }
}
