using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Webmail.Sieve.Validation;

/// <summary>RFC 5228 §2.4.2.4: "${hex:41 42}" and "${unicode:263a}" in string literals, once "encoded-character" is required.</summary>
internal static partial class EncodedCharacters
{
    [GeneratedRegex(@"\$\{(hex|unicode):([\t \r\n]*(?:[0-9a-fA-F]+[\t \r\n]*)*)\}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Encoded();

    public static string Decode(string value)
    {
        if (!value.Contains("${", StringComparison.Ordinal))
            return value;
        return Encoded().Replace(value, match =>
        {
            var items = match.Groups[2].Value.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (match.Groups[1].Value.Equals("hex", StringComparison.OrdinalIgnoreCase))
            {
                if (items.Any(i => i.Length > 2))
                    return match.Value;
                var bytes = items.Select(i => byte.Parse(i, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
                return Encoding.UTF8.GetString(bytes);
            }
            var text = new StringBuilder();
            foreach (var item in items)
            {
                if (item.Length > 6 || !int.TryParse(item, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code)
                    || !Rune.IsValid(code))
                    return match.Value;
                text.Append(new Rune(code).ToString());
            }
            return text.ToString();
        });
    }
}
