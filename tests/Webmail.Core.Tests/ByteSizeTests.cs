using System.Globalization;

namespace Webmail.Core.Tests;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(512L, "512 B")]
    [InlineData(1536L, "1.5 KB")]
    [InlineData(15_360L, "15 KB")]
    [InlineData(10L * 1024 * 1024, "10 MB")]
    [InlineData(3L << 40, "3 TB")]
    public void FormatUsesBinaryUnits(long bytes, string expected) => Assert.Equal(expected, ByteSize.Format(bytes));

    [Theory]
    [InlineData(0L, "0B")]
    [InlineData(1536L, "1.5K")]
    [InlineData(5L << 20, "5M")]
    [InlineData(1L << 30, "1G")]
    public void FormatCompactIsWhatTheCliPrints(long bytes, string expected) => Assert.Equal(expected, ByteSize.FormatCompact(bytes));

    [Fact]
    public void FormattingIgnoresTheCurrentCulture()
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal("1.5 KB", ByteSize.Format(1536));
            Assert.Equal("1.5K", ByteSize.FormatCompact(1536));
            Assert.True(ByteSize.TryParse("1.5K", out var bytes));
            Assert.Equal(1536, bytes);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Theory]
    [InlineData("", 0L)]
    [InlineData("1048576", 1048576L)]
    [InlineData("500M", 500L << 20)]
    [InlineData("500 MB", 500L << 20)]
    [InlineData("2g", 2L << 30)]
    [InlineData("10B", 10L)]
    public void TryParseReadsWhatPeopleType(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("-5M")]
    [InlineData("lots")]
    [InlineData("99999999999T")]
    public void TryParseRefusesNonsense(string text) => Assert.False(ByteSize.TryParse(text, out _));

    [Theory]
    [InlineData(1536L)]
    [InlineData(5L << 20)]
    [InlineData(1L << 30)]
    public void TheCompactFormParsesBack(long bytes)
    {
        Assert.True(ByteSize.TryParse(ByteSize.FormatCompact(bytes), out var parsed));
        Assert.Equal(bytes, parsed);
    }
}
