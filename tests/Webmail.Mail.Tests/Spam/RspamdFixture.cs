using Webmail.Testing;

namespace Webmail.Mail.Tests.Spam;

/// <summary>One rspamd for the tests of a class (it takes 10-20 s to load its configuration).</summary>
public sealed class RspamdFixture : IAsyncLifetime
{
    private RspamdDaemon? _rspamd;

    public RspamdDaemon Rspamd => _rspamd ?? throw new InvalidOperationException("rspamd did not start.");

    public async Task InitializeAsync() => _rspamd = await RspamdDaemon.StartAsync();

    public async Task DisposeAsync()
    {
        if (_rspamd is not null)
            await _rspamd.DisposeAsync();
    }
}
