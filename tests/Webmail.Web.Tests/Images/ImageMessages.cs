using MimeKit;
using MimeKit.Utils;

namespace Webmail.Web.Tests.Images;

/// <summary>HTML mails with pictures: one embedded as a <c>cid:</c> part, one on a remote server.</summary>
public static class ImageMessages
{
    /// <summary>multipart/related: HTML that shows the PNG part by its Content-ID (RFC 2392).</summary>
    public static byte[] WithCidImage(string to, string subject, byte[] png)
    {
        var builder = new BodyBuilder();
        var logo = builder.LinkedResources.Add("logo.png", png, new ContentType("image", "png"));
        logo.ContentId = MimeUtils.GenerateMessageId("local.example");
        builder.HtmlBody = $"<p>Our logo:</p><p><img id=\"logo\" src=\"cid:{logo.ContentId}\" alt=\"Logo\"></p>";
        builder.TextBody = "Our logo is in the HTML part.";
        return Write(to, subject, builder.ToMessageBody());
    }

    /// <summary>An HTML mail whose only picture lives at <paramref name="imageUrl"/>.</summary>
    public static byte[] WithRemoteImage(string to, string subject, string imageUrl)
    {
        var builder = new BodyBuilder
        {
            HtmlBody = $"<p>Tracking you, perhaps:</p><p><img id=\"remote\" src=\"{imageUrl}\" alt=\"Remote picture\"></p>",
            TextBody = "A picture from a server.",
        };
        return Write(to, subject, builder.ToMessageBody());
    }

    /// <summary>A plain mail with a PNG attached (for the thumbnail and the inline URL).</summary>
    public static byte[] WithPngAttachment(string to, string subject, byte[] png)
    {
        var builder = new BodyBuilder { TextBody = "A picture is attached." };
        builder.Attachments.Add("photo.png", png, new ContentType("image", "png"));
        return Write(to, subject, builder.ToMessageBody());
    }

    private static byte[] Write(string to, string subject, MimeEntity body)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Pictures", "pictures@remote.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = body;
        using var stream = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(format, stream);
        return stream.ToArray();
    }
}
