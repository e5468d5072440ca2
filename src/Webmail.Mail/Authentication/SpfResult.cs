namespace Webmail.Mail.Authentication;

/// <summary>The results of RFC 7208 §2.6, as they are written in <c>Authentication-Results</c> (RFC 8601 §2.7.2).</summary>
public enum SpfVerdict
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}

/// <summary>What SPF said about one SMTP transaction.</summary>
/// <param name="Domain">The domain checked: the MAIL FROM domain, or the HELO name when MAIL FROM is empty.</param>
/// <param name="Scope"><c>mailfrom</c> or <c>helo</c> (RFC 8601 §2.7.2's property names).</param>
/// <param name="Reason">Why, for the log (already bounded, ASCII); null when plain.</param>
/// <param name="Explanation">
/// On a <c>fail</c>, the domain's own explanation (RFC 7208 §6.2, the <c>exp=</c> modifier): macro-expanded, printable
/// ASCII only, at most <see cref="SpfEvaluator.MaxExplanationLength"/> characters. Third-party text: show it as the
/// domain's words, never as ours. Null when there is none.
/// </param>
public sealed record SpfResult(SpfVerdict Verdict, string Domain, string Scope, string? Reason = null, string? Explanation = null)
{
    /// <summary>The result keyword (RFC 7208 §2.6): <c>pass</c>, <c>softfail</c>, ...</summary>
    public string Keyword => Verdict.ToString().ToLowerInvariant();
}
