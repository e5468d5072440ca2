namespace Webmail.Auth;

/// <summary>
/// The one rule for URLs the server redirects to after sign-in: a path on this site and nothing a
/// browser could read as another host.
/// </summary>
/// <remarks>
/// Browsers strip tab, CR and LF anywhere in a URL and treat <c>\</c> like <c>/</c> (WHATWG URL
/// standard), so <c>/%09/evil.example</c> becomes the scheme-relative <c>//evil.example</c>. Only a
/// path that starts with one <c>/</c>, whose second character is not <c>/</c> or <c>\</c>, and that is
/// printable ASCII throughout (no control characters, spaces, backslashes or characters a response
/// header cannot carry) is accepted; anything else leads home.
/// </remarks>
public static class LocalUrl
{
    /// <summary>The home page, where a refused return URL leads.</summary>
    public const string Home = "/";

    /// <summary>True when <paramref name="url"/> is a path on this site under the rule above.</summary>
    public static bool IsLocal(string? url)
    {
        if (string.IsNullOrEmpty(url) || url[0] != '/')
            return false;
        if (url.Length > 1 && url[1] is '/' or '\\')
            return false;
        foreach (var c in url)
        {
            if (c is <= ' ' or >= '\u007f' or '\\')
                return false;
        }
        return true;
    }

    /// <summary><paramref name="url"/> when it is local, otherwise <see cref="Home"/>.</summary>
    public static string OrHome(string? url) => IsLocal(url) ? url! : Home;
}
