using System.Globalization;
using Webmail.Sieve.Actions;

namespace Webmail.Sieve.Tests.Reference;

/// <summary>
/// The common form both interpreters' results are compared in: one line per action, in order,
/// e.g. "store Lists/dev flags=[$junk \seen] create", "redirect a@example.net", "implicit-keep",
/// "vacation seconds=259200 subject=Away handle=... reason=...", or a single "error" /
/// "compile-error". Flags are lower-cased and sorted (Pigeonhole prints system flags lower-cased);
/// :copy is not shown, since the implicit keep it preserves is a line of its own.
/// </summary>
public static class ActionList
{
    public static string Store(string mailbox, IEnumerable<string> flags, bool create) =>
        $"store {mailbox}{Flags(flags)}{(create ? " create" : "")}";

    public static string ImplicitKeep(IEnumerable<string> flags) => $"implicit-keep{Flags(flags)}";

    public static string Vacation(long seconds, string? subject, string? from, string handle, string reason) =>
        $"vacation seconds={seconds.ToString(CultureInfo.InvariantCulture)} subject={subject ?? "-"} from={from ?? "-"} handle={FirstLine(handle)} reason={Text(reason)}";

    private static string Flags(IEnumerable<string> flags)
    {
        var sorted = flags.Select(f => f.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        return sorted.Count == 0 ? "" : $" flags=[{string.Join(' ', sorted)}]";
    }

    /// <summary>sieve-test prints only the first line of a handle (a default handle holds the whole reason).</summary>
    private static string FirstLine(string text) => text.Split('\n')[0].TrimEnd('\r');

    private static string Text(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Our result in the common form.</summary>
    public static List<string> FromParse(SieveParseResult parsed, Func<SieveScript, SieveResult> run)
    {
        if (!parsed.Succeeded)
            return ["compile-error"];
        var result = run(parsed.Script!);
        if (result.Failed)
            return ["error"];
        return result.Actions.Select(action => action switch
        {
            KeepAction { Implicit: true } keep => ImplicitKeep(keep.Flags),
            KeepAction keep => Store("INBOX", keep.Flags, false),
            FileIntoAction file => Store(file.Mailbox, file.Flags, file.Create),
            RedirectAction redirect => $"redirect {redirect.Address}",
            DiscardAction => "discard",
            RejectAction reject => $"reject {Text(reject.Reason)}",
            VacationAction v => Vacation((long)v.Period.TotalSeconds, v.Subject, v.From, v.Handle, v.Reason),
            _ => $"unknown {action}",
        }).ToList();
    }
}
