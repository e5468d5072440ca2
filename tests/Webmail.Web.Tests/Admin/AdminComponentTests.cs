using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Webmail.Admin;
using Webmail.Components.Admin;
using Webmail.Core;
using Webmail.Core.Model;

namespace Webmail.Web.Tests.Admin;

/// <summary>bUnit: the admin table and form components on their own.</summary>
public sealed class AdminComponentTests : IAsyncLifetime
{
    private readonly BunitContext _context = new();

    public Task InitializeAsync()
    {
        _context.Services.AddMudServices();
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Render<MudPopoverProvider>();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    private static Account AccountOf(string address, long used = 0, long quota = 0, bool admin = false, bool disabled = false) =>
        new(1, address, 1, address.Split('@')[0], admin, disabled, quota, used, Pop3DeletePolicy.Delete, DateTimeOffset.UnixEpoch, null, 3, "stamp");

    [Fact]
    public void QuotaBarWarnsFromNinetyPercent()
    {
        var below = _context.Render<QuotaBar>(p => p.Add(q => q.UsedBytes, 89).Add(q => q.QuotaBytes, 100));
        Assert.Empty(below.FindAll("[role=status]"));
        Assert.Contains("89%", below.Find("[aria-label]").GetAttribute("aria-label"));

        var at = _context.Render<QuotaBar>(p => p.Add(q => q.UsedBytes, 90 * 1024 * 1024).Add(q => q.QuotaBytes, 100 * 1024 * 1024));
        Assert.Contains("almost full", at.Find("[role=status]").TextContent);
        Assert.Contains("90 MB of 100 MB used", at.Markup);

        var full = _context.Render<QuotaBar>(p => p.Add(q => q.UsedBytes, 120).Add(q => q.QuotaBytes, 100));
        Assert.Contains("mailbox full", full.Find("[role=status]").TextContent);
    }

    [Fact]
    public void QuotaBarWithoutLimitShowsUsageOnly()
    {
        var bar = _context.Render<QuotaBar>(p => p.Add(q => q.UsedBytes, 2048).Add(q => q.QuotaBytes, 0));
        Assert.Contains("2 KB used, no limit", bar.Markup);
        Assert.Empty(bar.FindAll(".mud-progress-linear"));
    }

    [Fact]
    public async Task AccountEditorSubmitsTheFormAndShowsTheRefusal()
    {
        AccountForm? submitted = null;
        var editor = _context.Render<AccountEditor>(p => p
            .Add(e => e.Value, new AccountForm())
            .Add(e => e.IsNew, true)
            .Add(e => e.OnSubmit, form => { submitted = form; return Task.FromResult<string?>("The domain example.org is not served here; add it first."); }));

        await editor.Find("#account-address").InputAsync("ann@example.org");
        await editor.Find("#account-password").InputAsync("long enough password");
        await editor.Find("#account-quota").InputAsync("500 MB");
        await editor.Find("form").SubmitAsync();

        Assert.NotNull(submitted);
        Assert.Equal(("ann@example.org", "long enough password"), (submitted.Address, submitted.Password));
        Assert.Equal(500L * 1024 * 1024, AccountEditor.ParseQuota(submitted.Quota).Bytes);
        editor.WaitForAssertion(() => Assert.Contains("not served here", editor.Find("[role=alert]").TextContent));
    }

    [Fact]
    public async Task AccountEditorRejectsAnUnreadableQuotaWithoutSubmitting()
    {
        var calls = 0;
        var editor = _context.Render<AccountEditor>(p => p
            .Add(e => e.Value, new AccountForm { Address = "ann@example.org", Password = "long enough password" })
            .Add(e => e.IsNew, true)
            .Add(e => e.OnSubmit, _ => { calls++; return Task.FromResult<string?>(null); }));

        await editor.Find("#account-quota").InputAsync("lots");
        await editor.Find("form").SubmitAsync();

        Assert.Equal(0, calls);
        Assert.Contains("'lots' is not a size", editor.Find("[role=alert]").TextContent);
    }

    [Fact]
    public void AccountEditorInEditModeHidesAddressAndPassword()
    {
        var editor = _context.Render<AccountEditor>(p => p
            .Add(e => e.Value, AccountForm.From(AccountOf("bob@example.org", quota: 1024 * 1024)))
            .Add(e => e.OnSubmit, _ => Task.FromResult<string?>(null)));
        Assert.Empty(editor.FindAll("#account-address"));
        Assert.Empty(editor.FindAll("#account-password"));
        Assert.Equal("1 MB", editor.Find("#account-quota").GetAttribute("value"));
        Assert.NotNull(editor.Find("button[aria-label='Save changes']"));
    }

    [Fact]
    public async Task AccountTableShowsThePageFromTheStoreAndSearches()
    {
        var requests = new List<(string? Search, int Page, int Size)>();
        var all = new[] { AccountOf("ann@example.org", used: 95, quota: 100, admin: true), AccountOf("bob@example.org", disabled: true) };
        var table = _context.Render<AccountTable>(p => p.Add(t => t.Load, (search, page, size, _) =>
        {
            requests.Add((search, page, size));
            var items = all.Where(a => search is null || a.Address.Contains(search, StringComparison.Ordinal)).ToList();
            return Task.FromResult(new Page<Account>(items, items.Count, page, size));
        }));

        table.WaitForAssertion(() => Assert.Equal(2, table.FindAll("tbody tr.mud-table-row").Count));
        Assert.Equal((null, 0, 25), requests[0]);
        Assert.Contains("2 accounts", table.Find("[role=status]").TextContent);
        Assert.Contains("disabled", table.FindAll("tbody tr.mud-table-row")[1].TextContent);
        Assert.Contains("almost full", table.FindAll("tbody tr.mud-table-row")[0].TextContent);

        await table.Find("#account-search").InputAsync("bob");
        table.WaitForAssertion(() => Assert.Single(table.FindAll("tbody tr.mud-table-row")), TimeSpan.FromSeconds(3));
        Assert.Equal("bob", requests[^1].Search);
    }

    [Theory]
    [InlineData("500 MB", 500L * 1024 * 1024)]
    [InlineData("2G", 2L * 1024 * 1024 * 1024)]
    [InlineData("1.5 kb", 1536)]
    [InlineData("1048576", 1048576)]
    [InlineData("", 0)]
    public void ByteSizeParsesWhatAdminsType(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("-5 MB")]
    [InlineData("5 XB")]
    public void ByteSizeRefusesNonsense(string text) => Assert.False(ByteSize.TryParse(text, out _));
}
