using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Webmail.Imap.Tests")]
