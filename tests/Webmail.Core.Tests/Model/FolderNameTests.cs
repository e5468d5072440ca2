using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Core.Tests.Model;

public sealed class FolderNameTests
{
    [Fact]
    public void ANameIsStoredTrimmed() => Assert.Equal("Projects", FolderName.Validate("  Projects "));

    [Fact]
    public void AHundredCharactersAreAllowed() => Assert.Equal(100, FolderName.Validate(new string('x', 100)).Length);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a/b")]
    [InlineData("tab\there")]
    [InlineData("line\nbreak")]
    public void InvalidNamesAreRefused(string? name) => Assert.Throws<StoreException>(() => FolderName.Validate(name));

    [Fact]
    public void ALongerNameIsRefused() => Assert.Throws<StoreException>(() => FolderName.Validate(new string('x', 101)));
}
