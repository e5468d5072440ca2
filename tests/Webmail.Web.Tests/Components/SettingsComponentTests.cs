using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Webmail.Components.Settings;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Settings;
using Webmail.Testing;

namespace Webmail.Web.Tests.Components;

/// <summary>The settings forms over a real SQLite store and the real directory service and credential check.</summary>
public sealed class SettingsComponentTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly BunitContext _context = new();
    private readonly TestStore _store = new();
    private Account _account = default!;

    public async Task InitializeAsync()
    {
        _account = await _store.CreateAccountAsync("settings@local.example");
        _context.Services.AddMudServices();
        _context.Services.AddLogging();
        _context.Services.AddSingleton(_store.Directory);
        _context.Services.AddSingleton(_store.DirectoryService);
        _context.Services.AddSingleton(_store.Services.GetRequiredService<CredentialVerifier>());
        _context.Services.AddScoped<UserPreferences>();
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private IRenderedComponent<PreferencesForm> RenderPreferences(AccountSettings? settings = null) =>
        _context.Render<PreferencesForm>(p => p.Add(c => c.Account, _account).Add(c => c.Settings, settings ?? new AccountSettings()));

    /// <summary>Picks the radio button whose label reads <paramref name="label"/>, as a click on it does.</summary>
    private static async Task ChooseAsync(IRenderedComponent<PreferencesForm> form, string label)
    {
        var radio = form.FindAll("label.mud-radio").Single(l => l.TextContent.Trim() == label);
        await radio.QuerySelector("input")!.ClickAsync(new());
    }

    [Fact]
    public async Task SavingStoresProfileAndPreferencesAndAnnouncesThem()
    {
        var preferences = _context.Services.GetRequiredService<UserPreferences>();
        var announced = 0;
        preferences.Changed += () => announced++;
        var form = RenderPreferences(new AccountSettings { TrustedSenders = ["friend@remote.example"] });
        await _store.Directory.SaveSettingsAsync(_account.Id, new AccountSettings { TrustedSenders = ["friend@remote.example"] }, default);

        await form.Find("#settings-display-name").InputAsync("Sam Settings");
        await form.Find("#settings-signature").ChangeAsync("Sam\n-- typed here");
        await ChooseAsync(form, "Dark");
        await ChooseAsync(form, "Compact");
        await ChooseAsync(form, "Move it to Trash");
        await ChooseAsync(form, "Always show");
        await form.Find("form").SubmitAsync();

        form.WaitForAssertion(() => Assert.Equal(1, announced), Wait);
        var account = await _store.Directory.GetAccountAsync(_account.Id, default);
        Assert.Equal("Sam Settings", account!.DisplayName);
        Assert.Equal(Pop3DeletePolicy.Trash, account.Pop3DeletePolicy);
        var stored = await _store.Directory.GetSettingsAsync(_account.Id, default);
        Assert.Equal(("dark", "compact", "always"), (stored.Theme, stored.Density, stored.RemoteContent));
        Assert.Equal("Sam\n-- typed here", stored.Signature);
        Assert.Equal(["friend@remote.example"], stored.TrustedSenders);
        Assert.Equal("dark", preferences.Current.Theme);
        Assert.Contains(_context.Services.GetRequiredService<ISnackbar>().ShownSnackbars, s => s.Message == "Settings saved.");
    }

    [Fact]
    public void EveryChoiceGroupIsNamedByItsHeading()
    {
        var form = RenderPreferences();

        foreach (var (label, options) in new[] { ("theme-label", 3), ("density-label", 2), ("remote-label", 3), ("pop3-label", 3) })
        {
            var group = Assert.Single(form.FindAll($"[role=radiogroup][aria-labelledby={label}]"));
            Assert.Equal(options, group.QuerySelectorAll("input[type=radio]").Length);
            Assert.NotEmpty(form.Find($"#{label}").TextContent.Trim());
        }
        Assert.Empty(form.FindAll("[role=radiogroup] [role=radiogroup]"));
    }

    [Fact]
    public async Task ARefusedValueIsExplainedAndNothingIsSaved()
    {
        var form = RenderPreferences();

        await form.Find("#settings-signature").ChangeAsync("bell \u0007 inside");
        await ChooseAsync(form, "Dark");
        await form.Find("form").SubmitAsync();

        form.WaitForAssertion(() => Assert.Contains("cannot contain control characters", form.Find("[role=alert]").TextContent, StringComparison.Ordinal), Wait);
        Assert.Equal("system", (await _store.Directory.GetSettingsAsync(_account.Id, default)).Theme);
        Assert.Empty(_context.Services.GetRequiredService<ISnackbar>().ShownSnackbars);
    }

    private IRenderedComponent<PasswordForm> RenderPassword() => _context.Render<PasswordForm>(p => p.Add(c => c.Address, _account.Address));

    private static async Task SubmitPasswordAsync(IRenderedComponent<PasswordForm> form, string current, string next, string repeat)
    {
        await form.Find("#settings-current-password").InputAsync(current);
        await form.Find("#settings-new-password").InputAsync(next);
        await form.Find("#settings-confirm-password").InputAsync(repeat);
        await form.Find("form").SubmitAsync();
    }

    [Theory]
    [InlineData("correct horse", "one new secret", "another secret", "do not match")]
    [InlineData("correct horse", "short", "short", "at least 8 characters")]
    [InlineData("", "one new secret", "one new secret", "Enter your current password")]
    [InlineData("wrong horse", "one new secret", "one new secret", "current password is not correct")]
    public async Task RefusedPasswordChangesSayWhyAndKeepTheOldPassword(string current, string next, string repeat, string reason)
    {
        var form = RenderPassword();

        await SubmitPasswordAsync(form, current, next, repeat);

        form.WaitForAssertion(() => Assert.Contains(reason, form.Find("[role=alert]").TextContent, StringComparison.Ordinal), Wait);
        var verifier = _store.Services.GetRequiredService<CredentialVerifier>();
        Assert.True((await verifier.VerifyAsync(_account.Address, "correct horse", null, "test", default)).Succeeded);
        Assert.DoesNotContain("/signin", _context.Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptedPasswordChangeRotatesTheStampAndSendsToSignIn()
    {
        var form = RenderPassword();

        await SubmitPasswordAsync(form, "correct horse", "one new secret", "one new secret");

        var navigation = _context.Services.GetRequiredService<NavigationManager>();
        form.WaitForAssertion(() => Assert.EndsWith(PasswordForm.SignInAfterChange, navigation.Uri, StringComparison.Ordinal), Wait);
        var verifier = _store.Services.GetRequiredService<CredentialVerifier>();
        Assert.True((await verifier.VerifyAsync(_account.Address, "one new secret", null, "test", default)).Succeeded);
        Assert.False((await verifier.VerifyAsync(_account.Address, "correct horse", null, "test", default)).Succeeded);
        Assert.NotEqual(_account.SecurityStamp, (await _store.Directory.GetAccountAsync(_account.Id, default))!.SecurityStamp);
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _store.DisposeAsync();
    }
}
