using System.Text;

namespace Webmail.Testing;

/// <summary>Small RFC 5322 messages for tests, CRLF line ends.</summary>
public static class TestMessages
{
    public static byte[] Simple(string from = "sender@remote.example", string to = "user@local.example", string subject = "Hello", string body = "Hello there.", string? messageId = null, string? extraHeaders = null)
    {
        var text = new StringBuilder()
            .Append("From: ").Append(from).Append("\r\n")
            .Append("To: ").Append(to).Append("\r\n")
            .Append("Subject: ").Append(subject).Append("\r\n")
            .Append("Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n")
            .Append("Message-ID: <").Append(messageId ?? Guid.NewGuid().ToString("N") + "@test.example").Append(">\r\n")
            .Append(extraHeaders ?? "")
            .Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
            .Append(body.Replace("\r\n", "\n").Replace("\n", "\r\n")).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>A message padded with body text to about <paramref name="size"/> bytes.</summary>
    public static byte[] OfSize(int size, string subject = "Sized", string to = "user@local.example")
    {
        var line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n";
        var body = new StringBuilder();
        while (body.Length < size - 300)
            body.Append(line);
        return Simple(to: to, subject: subject, body: body.ToString());
    }
}
