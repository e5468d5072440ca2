using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Filters;
using Webmail.Core.Hosting;
using Webmail.Core.Security;
using Webmail.Core.Storage;

namespace Webmail.ManageSieve;

/// <summary>What every ManageSieve session shares: the scripts, the credential check, the certificate, limits and options.</summary>
public sealed class ManageSieveServerContext(
    SieveScriptService scripts,
    IDirectoryStore directory,
    CredentialVerifier credentials,
    CertificateProvider certificates,
    IOptionsMonitor<WebmailOptions> options,
    TimeProvider time,
    ILoggerFactory loggers)
    : MailServerContext(directory, credentials, certificates, options, time, loggers)
{
    /// <summary>Every script operation: validation, limits and storage live there, not in the protocol.</summary>
    public SieveScriptService Scripts { get; } = scripts;

    /// <summary>Open ManageSieve connections per address (<c>MaxSessionsPerIp</c>) and in all (<c>MaxManageSieveSessions</c>).</summary>
    public ConnectionCounter Connections { get; } = new();

    /// <summary>How long a response may wait for a client that does not read it. Default 2 minutes.</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How often a logged-in session re-reads its account, so that disabling an account ends its
    /// sessions within a minute. Default 30 seconds.
    /// </summary>
    public TimeSpan AccountCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}
