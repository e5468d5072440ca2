using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;

namespace Webmail.Mail.Tests.Transfer;

/// <summary>Options with some values changed from the defaults, for a test's own bounds.</summary>
internal sealed class TestOptions(Action<WebmailOptions> change) : IOptionsMonitor<WebmailOptions>
{
    private readonly WebmailOptions _value = Build(change);

    public WebmailOptions CurrentValue => _value;

    public WebmailOptions Get(string? name) => _value;

    public IDisposable? OnChange(Action<WebmailOptions, string?> listener) => null;

    private static WebmailOptions Build(Action<WebmailOptions> change)
    {
        var options = new WebmailOptions();
        change(options);
        return options;
    }
}
