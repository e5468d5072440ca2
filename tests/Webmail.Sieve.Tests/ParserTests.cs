namespace Webmail.Sieve.Tests;

public class ParserTests
{
    [Fact]
    public void UnknownCommandIsReportedWithItsLine()
    {
        var result = SieveScript.Parse("require \"fileinto\";\n\nfilein \"x\";\n");

        Assert.False(result.Succeeded);
        Assert.Equal("line 3: unknown command 'filein'", Assert.Single(result.Errors).ToString());
    }
}
