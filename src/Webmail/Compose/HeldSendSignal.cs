namespace Webmail.Compose;

/// <summary>Wakes <see cref="HeldSendWorker"/> when the composer holds a message, so a short hold is not left to the next poll.</summary>
public sealed class HeldSendSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A message was held: the worker looks again now.</summary>
    public void Notify() => Volatile.Read(ref _next).TrySetResult();

    /// <summary>Starts a new round: only notifications from now on end the next <see cref="WaitAsync"/> early.</summary>
    public void Reset()
    {
        if (Volatile.Read(ref _next).Task.IsCompleted)
            Volatile.Write(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Waits for <paramref name="delay"/> on <paramref name="time"/>'s clock, or until <see cref="Notify"/>.</summary>
    public async Task WaitAsync(TimeSpan delay, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sleep = Task.Delay(delay, time, timer.Token);
        await Task.WhenAny(sleep, Volatile.Read(ref _next).Task.WaitAsync(cancellationToken)).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
