namespace Webmail.Core.Configuration;

/// <summary>Content filtering of inbound mail (<c>Webmail:Spam</c>, docs/smtp.md "Spam filtering with rspamd").</summary>
public sealed class SpamOptions
{
    /// <summary>
    /// Base URL of rspamd's controller worker (<c>http://127.0.0.1:11334</c>): it scans (<c>/checkv2</c>) and learns
    /// (<c>/learnspam</c>, <c>/learnham</c>). Empty (the default): no content scanning and no training.
    /// </summary>
    public string RspamdUrl { get; set; } = "";

    /// <summary>The controller's password (sent as the <c>Password</c> header) when this server is not in its <c>secure_ip</c>. Default none.</summary>
    public string RspamdPassword { get; set; } = "";

    /// <summary>
    /// rspamd down or too slow: <c>true</c> (default) delivers the message unscanned and logs a warning;
    /// <c>false</c> answers <c>451 4.7.1</c> so the sender tries again later.
    /// </summary>
    public bool FailOpen { get; set; } = true;

    /// <summary>Time allowed for one scan or training call, connection included. Default 15 seconds.</summary>
    public TimeSpan RspamdTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// DNS blocklist zones (RFC 5782) checked for each inbound connection's address, such as <c>zen.spamhaus.org</c>; a
    /// listed client gets <c>554 5.7.1</c> naming the list instead of the greeting. Default none.
    /// </summary>
    public List<string> Dnsbl { get; set; } = [];
}
