namespace Webmail.Components;

/// <summary>
/// Orders the overlapping loads of one view. A page reloads its data after an action, on a live
/// update, on a search keystroke; under load an older load can finish after a newer one, and
/// writing its result last would show data from before the newer change (a row still enabled after
/// Disable, the last folder's list under the new folder). Each load takes a number when it starts
/// and asks before it writes.
/// </summary>
/// <remarks>Used from one circuit's dispatcher, which runs one piece of a component's code at a time.</remarks>
public sealed class LoadSequence
{
    private long _started;
    private long _shown;

    /// <summary>Starts a load; keep the number to ask <see cref="IsLatest"/> or <see cref="TryShow"/> with.</summary>
    public long Begin() => ++_started;

    /// <summary>
    /// True when no load started after <paramref name="load"/>: its result is what the view should
    /// show. A load whose parameters may have changed since (another folder, page or search) asks this
    /// and drops its result otherwise, since the newer load shows the right one.
    /// </summary>
    public bool IsLatest(long load) => load == _started;

    /// <summary>
    /// True, and marks <paramref name="load"/> shown, when no load that started later has been shown:
    /// its result is the freshest there is so far. For loads of the same data, where an older result is
    /// still better than none until the newer one arrives.
    /// </summary>
    public bool TryShow(long load)
    {
        if (load < _shown)
            return false;
        _shown = load;
        return true;
    }
}
