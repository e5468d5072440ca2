using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>What a user may change about their own account, validated by DirectoryService and stored in SQLite.</summary>
public abstract class OwnSettingsTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly TestStore _store = new(provider);
    private Account _user = null!;

    public async Task InitializeAsync() => _user = await _store.CreateAccountAsync("own@local.example", admin: true, quota: 5_000_000);

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task ProfileChangesNameAndPop3PolicyButNotAdminOrQuota()
    {
        await _store.DirectoryService.UpdateProfileAsync(_user.Id, "  Olive Own  ", Pop3DeletePolicy.Trash, default);

        var account = await _store.Directory.GetAccountAsync(_user.Id, default);
        Assert.Equal("Olive Own", account!.DisplayName);
        Assert.Equal(Pop3DeletePolicy.Trash, account.Pop3DeletePolicy);
        Assert.True(account.IsAdmin);
        Assert.Equal(5_000_000, account.QuotaBytes);
        Assert.Equal(_user.SecurityStamp, account.SecurityStamp);
    }

    [Theory]
    [InlineData("Tab\tName")]
    [InlineData("Line\nbreak")]
    public async Task ProfileRefusesControlCharactersInTheName(string name)
    {
        var e = await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.UpdateProfileAsync(_user.Id, name, Pop3DeletePolicy.Keep, default));

        Assert.Contains("control characters", e.Message, StringComparison.Ordinal);
        Assert.Equal(Pop3DeletePolicy.Delete, (await _store.Directory.GetAccountAsync(_user.Id, default))!.Pop3DeletePolicy);
    }

    [Fact]
    public async Task ProfileRefusesAnUnknownPolicyAndAnOverlongName()
    {
        await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.UpdateProfileAsync(_user.Id, "Fine", (Pop3DeletePolicy)7, default));
        await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.UpdateProfileAsync(_user.Id, new string('n', DirectoryService.MaxDisplayNameLength + 1), Pop3DeletePolicy.Keep, default));
    }

    [Fact]
    public async Task SettingsRoundTripWithAMultiLineSignature()
    {
        var settings = new AccountSettings { Signature = "Olive\r\n\tOwn", Theme = "dark", Density = "compact", RemoteContent = "never", MarkSeenOnOpen = false, GroupByConversation = true };

        await _store.DirectoryService.SaveSettingsAsync(_user.Id, settings, default);

        var stored = await _store.DirectoryService.GetSettingsAsync(_user.Id, default);
        Assert.Equal((settings.Signature, "dark", "compact", "never", false, true),
            (stored.Signature, stored.Theme, stored.Density, stored.RemoteContent, stored.MarkSeenOnOpen, stored.GroupByConversation));
    }

    public static TheoryData<AccountSettings, string> RefusedSettings() => new()
    {
        { new AccountSettings { Theme = "purple" }, "theme" },
        { new AccountSettings { Density = "tiny" }, "density" },
        { new AccountSettings { RemoteContent = "sometimes" }, "remote content" },
        { new AccountSettings { Signature = "bell\u0007" }, "control characters" },
        { new AccountSettings { Signature = new string('s', DirectoryService.MaxSignatureLength + 1) }, "signature" },
    };

    [Theory]
    [MemberData(nameof(RefusedSettings))]
    public async Task SettingsOutsideTheOfferedChoicesAreRefused(AccountSettings settings, string reason)
    {
        var e = await Assert.ThrowsAsync<DirectoryException>(() => _store.DirectoryService.SaveSettingsAsync(_user.Id, settings, default));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Equal("system", (await _store.DirectoryService.GetSettingsAsync(_user.Id, default)).Theme);
    }
}

public sealed class OwnSettingsTestsOnSqlite() : OwnSettingsTests(StoreProvider.Sqlite);
public sealed class OwnSettingsTestsOnPostgres() : OwnSettingsTests(StoreProvider.Postgres);
