namespace Webmail.Core.Accounts;

/// <summary>An operator request refused, with a one-line reason meant for people.</summary>
public sealed class DirectoryException(string message) : Exception(message);
