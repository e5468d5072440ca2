namespace Webmail.Core.Messages.Imap;

/// <summary>The text part of a BODY[...] section specifier (RFC 9051 §6.4.5).</summary>
public enum SectionText
{
    /// <summary>No text specifier: the part's content (or the whole message when the part path is empty).</summary>
    Content,
    /// <summary><c>HEADER</c>: the header of the message or of the message/rfc822 part, with its empty line.</summary>
    Header,
    /// <summary><c>HEADER.FIELDS (...)</c>: the listed header fields, in their original order, and the empty line.</summary>
    HeaderFields,
    /// <summary><c>HEADER.FIELDS.NOT (...)</c>: the header fields not listed, and the empty line.</summary>
    HeaderFieldsNot,
    /// <summary><c>TEXT</c>: the body of the message or of the message/rfc822 part, after its header.</summary>
    Text,
    /// <summary><c>MIME</c>: the MIME header of a body part.</summary>
    Mime,
}
