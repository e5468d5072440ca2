namespace Webmail.Imap;

/// <summary>Marks the IMAP assembly (for tests and registration).</summary>
public static class ImapAssembly;
