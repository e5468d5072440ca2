using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using Webmail.Core.Configuration;

namespace Webmail.Smtp;

/// <summary>
/// Our command factory: EHLO advertises what this server really offers, and over-long command
/// arguments are refused before any work (RFC 5321 §4.5.3.1: 512-octet command lines, 256-octet paths, 255-octet domains).
/// </summary>
internal sealed class SmtpCommands(IOptionsMonitor<WebmailOptions> options) : SmtpCommandFactory, ISmtpCommandFactory
{
    public const int MaxCommandLine = 512;
    // RFC 5321 §4.5.3.1.3: a path is at most 256 octets, angle brackets included: 254 for the address.
    private const int MaxAddress = 254;
    private const int MaxDomain = 255;

    public override SmtpCommand CreateEhlo(string domainOrAddress)
    {
        if (domainOrAddress.Length > MaxDomain)
            throw new SmtpResponseException(SmtpReplies.LineTooLong);
        return new WebmailEhloCommand(domainOrAddress, options);
    }

    public override SmtpCommand CreateHelo(string domainOrAddress)
    {
        if (domainOrAddress.Length > MaxDomain)
            throw new SmtpResponseException(SmtpReplies.LineTooLong);
        return new WebmailHeloCommand(domainOrAddress);
    }

    public override SmtpCommand CreateMail(IMailbox address, IReadOnlyDictionary<string, string> parameters)
    {
        var path = SmtpSessionState.AddressOf(address);
        if (System.Text.Encoding.UTF8.GetByteCount(path) > MaxAddress)
            throw new SmtpResponseException(SmtpReplies.SenderPathTooLong);
        var length = "MAIL FROM:<>".Length + path.Length + parameters.Sum(p => p.Key.Length + (p.Value?.Length ?? 0) + 2);
        if (length > MaxCommandLine)
            throw new SmtpResponseException(SmtpReplies.LineTooLong);
        return base.CreateMail(address, parameters);
    }

    public override SmtpCommand CreateRcpt(IMailbox address)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(SmtpSessionState.AddressOf(address)) > MaxAddress)
            throw new SmtpResponseException(SmtpReplies.RecipientPathTooLong);
        return base.CreateRcpt(address);
    }

    /// <summary>
    /// AUTH with an initial response (RFC 4954 §4): the library decodes it without a check and a bad one
    /// dropped the connection; refuse it here with the RFC 4954 §6 reply instead. (The library's method
    /// is not virtual: the parser calls it through the interface, re-implemented here.)
    /// </summary>
    SmtpCommand ISmtpCommandFactory.CreateAuth(AuthenticationMethod method, string parameter)
    {
        if (!string.IsNullOrEmpty(parameter) && SaslResponseReader.Check(System.Text.Encoding.ASCII.GetBytes(parameter), plain: method == AuthenticationMethod.Plain) is { } refusal)
            throw new SmtpResponseException(refusal);
        return CreateAuth(method, parameter);
    }

    /// <summary>EHLO (RFC 5321 §4.1.1.1) with ENHANCEDSTATUSCODES, and AUTH only where AUTH is allowed.</summary>
    private sealed class WebmailEhloCommand(string domainOrAddress, IOptionsMonitor<WebmailOptions> options) : EhloCommand(domainOrAddress)
    {
        protected override string GetGreeting(ISessionContext context)
        {
            SmtpSessionState.Of(context).HeloName = DomainOrAddress;
            return context.ServerOptions.ServerName + " Hello " + DomainOrAddress;
        }

        protected override IEnumerable<string> GetExtensions(ISessionContext context)
        {
            foreach (var extension in base.GetExtensions(context))
            {
                if (!extension.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase))
                    yield return extension;
            }
            yield return "ENHANCEDSTATUSCODES";
            if (SmtpAuthenticator.IsAllowed(context, options.CurrentValue))
                yield return "AUTH PLAIN LOGIN";
        }
    }

    private sealed class WebmailHeloCommand(string domainOrAddress) : HeloCommand(domainOrAddress)
    {
        protected override string GetGreeting(ISessionContext context)
        {
            SmtpSessionState.Of(context).HeloName = DomainOrAddress;
            return context.ServerOptions.ServerName + " Hello " + DomainOrAddress;
        }
    }
}
