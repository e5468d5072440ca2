namespace Webmail.Imap.Tests;

/// <summary>The test assembly loads the IMAP assembly (replaced by real tests as the server grows).</summary>
public sealed class ProjectTests
{
    [Fact]
    public void TheImapAssemblyIsReferenced() =>
        Assert.Equal("Webmail.Imap", typeof(Webmail.Imap.ImapHostedService).Assembly.GetName().Name);
}
