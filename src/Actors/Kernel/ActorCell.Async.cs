namespace EventActors.Actors.Kernel;

/// <summary>
/// Async handlers: the mailbox is suspended while the handler's task runs, and every
/// continuation comes back into the actor as a system message, so the actor's state is only
/// ever touched by one thread at a time and Self/Sender stay valid after an await.
/// </summary>
internal sealed partial class ActorCell
{
    internal void RunAsyncHandler<T>(T message, Func<T, Task> handler)
    {
        var extras = Extras;
        var context = extras.SynchronizationContext ??= new ActorSynchronizationContext(this);
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        Task task;
        try
        {
            task = handler(message);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        if (task.IsCompleted)
        {
            task.GetAwaiter().GetResult(); // a synchronous failure surfaces like a Receive's
            return;
        }

        _suspension |= Suspension.AwaitingAsync;
        extras.AsyncEnvelope = _current;
        task.ContinueWith(
            static (completed, state) => ((ActorCell)state!).SendSystemMessage(new AsyncHandlerCompleted(completed)),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    internal void PostContinuation(SendOrPostCallback callback, object? state) =>
        SendSystemMessage(new RunContinuation(callback, state));

    private void RunContinuation(RunContinuation continuation)
    {
        var extras = Extras;
        var interrupted = _current;
        _current = extras.AsyncEnvelope;
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(extras.SynchronizationContext);
        try
        {
            continuation.Callback(continuation.State);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
            _current = interrupted;
        }
    }

    private void HandleAsyncHandlerCompleted(AsyncHandlerCompleted completed)
    {
        var extras = Extras;
        _suspension &= ~Suspension.AwaitingAsync;
        var envelope = extras.AsyncEnvelope;
        extras.AsyncEnvelope = default;

        if (completed.Task.IsFaulted || completed.Task.IsCanceled)
        {
            var cause = completed.Task.Exception?.InnerException
                ?? new TaskCanceledException("An async handler's task was cancelled");
            _current = envelope;
            HandleInvokeFailure(cause);
            _current = default;
        }
    }
}

/// <summary>Routes an async handler's continuations back into its actor.</summary>
internal sealed class ActorSynchronizationContext(ActorCell cell) : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => cell.PostContinuation(d, state);

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Blocking on an actor from inside it would deadlock; await instead");

    public override SynchronizationContext CreateCopy() => this;
}
