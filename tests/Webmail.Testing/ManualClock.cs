namespace Webmail.Testing;

/// <summary>A clock that stands still until the test moves it (timers are not driven: give it only to parts that read the time).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public void Advance(TimeSpan by) => Now += by;

    public override DateTimeOffset GetUtcNow() => Now;
}
