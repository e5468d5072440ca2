using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Webmail.ManageSieve.Tests")]
