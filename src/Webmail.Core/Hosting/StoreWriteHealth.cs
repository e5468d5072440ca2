namespace Webmail.Core.Hosting;

/// <summary>
/// Whether the store can write right now, for <c>/healthz</c> and the logs. The store reports a
/// failing commit (disk full, I/O error) and its recovery; readers of this state never block it.
/// </summary>
public sealed class StoreWriteHealth
{
    private volatile State _state = State.Ok;

    /// <summary>True while commits fail or new data is refused for lack of space; reads still work.</summary>
    public bool WritesFailing => _state.Failing;

    /// <summary>Why writes fail (<c>disk full</c>, or the error), or null when they do not.</summary>
    public string? Reason => _state.Reason;

    /// <summary>When writes started failing, or null when they do not.</summary>
    public DateTimeOffset? FailingSince => _state.Since;

    /// <summary>Records that writes fail; the first report of an episode keeps its time.</summary>
    public void ReportFailing(string reason, DateTimeOffset at)
    {
        var current = _state;
        _state = new State(true, reason, current.Failing ? current.Since : at);
    }

    /// <summary>Records that writes succeed again.</summary>
    public void ReportRecovered() => _state = State.Ok;

    private sealed record State(bool Failing, string? Reason, DateTimeOffset? Since)
    {
        public static readonly State Ok = new(false, null, null);
    }
}
