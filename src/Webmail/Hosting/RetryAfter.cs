namespace Webmail.Hosting;

/// <summary>
/// The <c>Retry-After</c> of a 429 (RFC 6585 §4): RFC 9110 §10.2.3's delay-seconds, a whole number, rounded
/// up so a client that waits exactly that long is no longer refused.
/// </summary>
public static class RetryAfter
{
    public static long Seconds(TimeSpan wait) => Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));

    public static void Set(HttpResponse response, TimeSpan wait) =>
        response.Headers.RetryAfter = Seconds(wait).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
