using System.Net;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Net;
using Webmail.Core.Storage;

namespace Webmail.Smtp;

/// <summary>What this server keeps about one SMTP session, held in the library's per-session property bag.</summary>
internal sealed class SmtpSessionState
{
    private const string Key = "Webmail:Session";

    /// <summary>The listener's role as the metrics name it (inbound, submission).</summary>
    public string Role { get; set; } = "inbound";

    /// <summary>The session as <see cref="Webmail.Core.Hosting.WebmailMeter"/> counts it open; disposed when it ends.</summary>
    public IDisposable? Counted { get; set; }

    /// <summary>The signed-in account, once AUTH succeeded.</summary>
    public long? AccountId { get; set; }
    public string? AccountAddress { get; set; }
    public string? HeloName { get; set; }
    /// <summary>The size declared with MAIL FROM's SIZE parameter (RFC 1870), 0 when not given.</summary>
    public long DeclaredSize { get; set; }
    /// <summary>Recipients accepted in the current transaction, as resolved at RCPT time (so DATA need not look them up again).</summary>
    public Dictionary<string, RecipientResolution> Resolved { get; } = new(StringComparer.OrdinalIgnoreCase);
    public int Recipients { get; set; }
    /// <summary>SPF for the current transaction, checked at MAIL FROM (null when off or not checked).</summary>
    public Webmail.Mail.Authentication.SpfResult? Spf { get; set; }
    /// <summary>The current transaction's DNS time budget, started at MAIL FROM.</summary>
    public Webmail.Mail.Authentication.DnsBudget? DnsBudget { get; set; }
    /// <summary>The text of the <c>334</c> challenge the client is to answer (RFC 4954 §4), or null outside a SASL exchange.</summary>
    public string? SaslChallenge { get; set; }
    /// <summary>The last reply was <c>354</c>: the client is sending message data, not commands.</summary>
    public bool InData { get; set; }
    /// <summary>The DNS blocklist check started when the client connected (inbound only): the zone listing it, or null.</summary>
    public Task<string?>? BlocklistCheck { get; set; }
    /// <summary>The client's address, as the blocklist check was asked about it.</summary>
    public IPAddress? ClientAddress { get; set; }
    /// <summary>The blocklist whose listing refused the session with 554 at connect (RFC 5321 §3.1); null when greeted.</summary>
    public string? RefusedBy { get; set; }
    public int Messages { get; set; }
    public int Rejected { get; set; }

    /// <summary>Forgets the client's identity and transaction (after STARTTLS, RFC 3207 §4.2).</summary>
    public void Reset()
    {
        AccountId = null;
        AccountAddress = null;
        HeloName = null;
        DeclaredSize = 0;
        Recipients = 0;
        Spf = null;
        DnsBudget = null;
        SaslChallenge = null;
        Resolved.Clear();
    }

    public static SmtpSessionState Of(ISessionContext context)
    {
        if (context.Properties.TryGetValue(Key, out var value) && value is SmtpSessionState state)
            return state;
        state = new SmtpSessionState();
        context.Properties[Key] = state;
        return state;
    }

    public static IPAddress? RemoteAddress(ISessionContext context) =>
        context.Properties.TryGetValue(EndpointListener.RemoteEndPointKey, out var value) && value is IPEndPoint endpoint
            ? endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address
            : null;

    /// <summary><c>user@host</c>, or empty for the null reverse path <c>&lt;&gt;</c>.</summary>
    public static string AddressOf(IMailbox? mailbox)
    {
        if (mailbox is null || string.IsNullOrEmpty(mailbox.User))
            return "";
        return string.IsNullOrEmpty(mailbox.Host) ? mailbox.User : mailbox.User + "@" + mailbox.Host;
    }
}
