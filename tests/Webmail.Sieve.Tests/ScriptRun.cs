using System.Text;

namespace Webmail.Sieve.Tests;

/// <summary>Parses a script (failing the test on errors) and runs it on a small message.</summary>
internal static class ScriptRun
{
    public const string DefaultMessage =
        "From: Alice <alice@example.com>\r\nTo: bob+work@example.net\r\nSubject: Quarterly report\r\n" +
        "Date: Fri, 4 Dec 2026 12:00:00 +0000\r\n\r\nThe numbers are in.\r\n";

    public static readonly DateTimeOffset Now = new(2026, 12, 5, 15, 30, 0, TimeSpan.Zero);

    public static SieveResult Run(string script, string message = DefaultMessage, SieveEnvelope? envelope = null,
        SieveRunContext? context = null, SieveOptions? options = null)
    {
        var parsed = SieveScript.Parse(script, options);
        Assert.True(parsed.Succeeded, parsed.ErrorText);
        return parsed.Script!.Run(SieveMessage.Parse(Encoding.UTF8.GetBytes(message)),
            envelope ?? new SieveEnvelope("alice@example.com", "bob+work@example.net"),
            context ?? new SieveRunContext { Now = Now });
    }

    /// <summary>The actions as their one-line descriptions.</summary>
    public static string[] Actions(string script, string message = DefaultMessage, SieveEnvelope? envelope = null,
        SieveRunContext? context = null, SieveOptions? options = null)
    {
        var result = Run(script, message, envelope, context, options);
        Assert.Null(result.Error);
        return result.Actions.Select(a => a.ToString()!).ToArray();
    }
}
