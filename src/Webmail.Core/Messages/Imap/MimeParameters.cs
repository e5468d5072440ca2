using System.Text;

namespace Webmail.Core.Messages.Imap;

/// <summary>
/// The parameters of a Content-Type or Content-Disposition value as Dovecot 2.3's <c>rfc2231_parse</c> gives them:
/// in order, values unquoted but not decoded, RFC 2231 continuations (<c>name*0</c>, <c>name*1*</c>...) joined into
/// one <c>name</c> or <c>name*</c> parameter after the plain ones, broken parameters skipped.
/// </summary>
internal static class MimeParameters
{
    public static List<KeyValuePair<string, string>> Parse(Rfc822Reader reader)
    {
        var previousNul = reader.NulReplacement;
        reader.NulReplacement = "\uFFFD";
        var result = new List<KeyValuePair<string, string>>();
        var continued = new List<(string Key, int Index, bool Extended, string Value)>();
        var value = new StringBuilder();
        // Like Dovecot's, the index carries over to a "name*" parameter that has none of its own.
        var index = 0;
        int ret;
        while ((ret = reader.ParseContentParam(out var key, value)) != 0)
        {
            if (ret < 0)
            {
                // Broken parameter: skip a character and try to continue, as Dovecot does.
                if (reader.AtEnd)
                    break;
                reader.Position++;
                continue;
            }
            var star = key!.IndexOf('*');
            if (star >= 0)
            {
                var p = star;
                if (p + 1 < key.Length)
                {
                    p++;
                    index = 0;
                    for (; p < key.Length && key[p] is >= '0' and <= '9'; p++)
                        index = unchecked(index * 10 + key[p] - '0');
                }
                var extended = p < key.Length && key[p] == '*';
                if (extended)
                    p++;
                if (p >= key.Length)
                {
                    continued.Add((key[..star], index, extended, value.ToString()));
                    continue;
                }
            }
            result.Add(new(key, value.ToString()));
        }
        reader.NulReplacement = previousNul;
        if (continued.Count == 0)
            return result;

        // Sorted by name (byte order), then index, as Dovecot sorts them before joining.
        var sorted = continued.Select((c, i) => (c, i))
            .OrderBy(x => x.c.Key, StringComparer.Ordinal).ThenBy(x => x.c.Index).ThenBy(x => x.i)
            .Select(x => x.c).ToList();
        for (var i = 0; i < sorted.Count;)
        {
            var ok = true;
            var haveExtended = false;
            var nextIndex = 0;
            var j = i;
            for (; j < sorted.Count && string.Equals(sorted[i].Key, sorted[j].Key, StringComparison.OrdinalIgnoreCase); j++)
            {
                if (sorted[j].Index != nextIndex)
                    ok = false;
                haveExtended |= sorted[j].Extended;
                nextIndex++;
            }
            if (!ok)
            {
                // Missing indexes: kept as separate parameters.
                for (var k = i; k < j; k++)
                    result.Add(new(sorted[k].Key + "*" + sorted[k].Index + (sorted[k].Extended ? "*" : ""), sorted[k].Value));
            }
            else
            {
                var joined = new StringBuilder();
                if (!sorted[i].Extended && haveExtended)
                    joined.Append("''");
                for (var k = i; k < j; k++)
                {
                    if (!sorted[k].Extended && haveExtended)
                        EscapeRfc2231(joined, sorted[k].Value);
                    else
                        joined.Append(sorted[k].Value);
                }
                result.Add(new(haveExtended ? sorted[i].Key + "*" : sorted[i].Key, joined.ToString()));
            }
            i = j;
        }
        return result;
    }

    /// <summary>Dovecot's <c>rfc2231_escape</c>: a plain segment joined into an extended value has its '%' written as %25.</summary>
    private static void EscapeRfc2231(StringBuilder sb, string value) => sb.Append(value.Replace("%", "%25", StringComparison.Ordinal));
}
