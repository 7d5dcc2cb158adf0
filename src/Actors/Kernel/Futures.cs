namespace EventActors.Actors.Kernel;

/// <summary><c>Ask</c> (request/reply as a task) and <c>PipeTo</c> (a task's outcome as a message).</summary>
public static class Futures
{
    /// <summary>
    /// Tells <paramref name="message"/> with a temporary sender and completes with the first reply.
    /// A <see cref="Status.Failure"/> reply faults the task with its cause; no reply within the
    /// timeout faults it with <see cref="AskTimeoutException"/>.
    /// </summary>
    public static Task<T> Ask<T>(this ICanTell target, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var system = (target as IInternalActorRef)?.System ?? ActorCell.Current?.System
            ?? throw new ArgumentException($"Ask needs a target of an actor system, not {target}", nameof(target));
        var promise = new PromiseActorRef<T>(system, target);
        promise.Start(timeout ?? system.Settings.DefaultAskTimeout, cancellationToken);
        target.Tell(message, promise);
        return promise.Task;
    }

    public static Task<object> Ask(this ICanTell target, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        target.Ask<object>(message, timeout, cancellationToken);

    /// <summary>
    /// Tells the task's result (or <paramref name="success"/> of it) to <paramref name="recipient"/>
    /// when it completes, or <see cref="Status.Failure"/> (or <paramref name="failure"/>) when it fails.
    /// Inside an actor this is how async work comes back as a message.
    /// </summary>
    public static Task PipeTo<T>(this Task<T> task, ICanTell recipient, IActorRef? sender = null,
        Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        return task.ContinueWith(completed =>
        {
            if (completed.IsCompletedSuccessfully)
            {
                var result = success is null ? completed.Result : success(completed.Result);
                recipient.Tell(result ?? new Status.Success(null), sender);
            }
            else
            {
                var cause = Unwrap(completed);
                recipient.Tell(failure?.Invoke(cause) ?? new Status.Failure(cause), sender);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public static Task PipeTo(this Task task, ICanTell recipient, IActorRef? sender = null,
        Func<object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        return task.ContinueWith(completed =>
        {
            if (completed.IsCompletedSuccessfully)
            {
                recipient.Tell(success?.Invoke() ?? new Status.Success(null), sender);
            }
            else
            {
                var cause = Unwrap(completed);
                recipient.Tell(failure?.Invoke(cause) ?? new Status.Failure(cause), sender);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static Exception Unwrap(Task task) =>
        task.Exception is { } aggregate
            ? aggregate.InnerExceptions.Count == 1 ? aggregate.InnerExceptions[0] : aggregate
            : new TaskCanceledException(task);
}

/// <summary>The temporary sender of an Ask: completes the task with the first message told to it.</summary>
internal sealed class PromiseActorRef<T>(ActorSystem system, ICanTell target) : IActorRef
{
    private readonly TaskCompletionSource<T> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ICancelable? _timeout;
    private CancellationTokenRegistration _cancellation;

    public ActorPath Path { get; } = system.NewTemporaryPath();

    public Task<T> Task => _promise.Task;

    public void Start(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "An Ask timeout must be positive");
        }

        _timeout = system.Scheduler.ScheduleOnce(timeout, () =>
            Complete(p => p.TrySetException(new AskTimeoutException($"Ask timed out on {target} after {timeout.TotalMilliseconds} ms"))));
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.Register(() => Complete(p => p.TrySetCanceled(cancellationToken)));
        }
    }

    public void Tell(object message, IActorRef? sender)
    {
        switch (message)
        {
            case Status.Failure failure:
                Complete(p => p.TrySetException(failure.Cause));
                break;
            case T reply:
                Complete(p => p.TrySetResult(reply));
                break;
            case Status.Success { Value: T value }:
                Complete(p => p.TrySetResult(value));
                break;
            default:
                Complete(p => p.TrySetException(new InvalidCastException(
                    $"Ask of {target} expected a {typeof(T).Name} but the reply was a {message.GetType().Name}: {message}")));
                break;
        }
    }

    private void Complete(Func<TaskCompletionSource<T>, bool> complete)
    {
        if (complete(_promise))
        {
            _timeout?.Cancel();
            _cancellation.Dispose();
        }
    }

    public override string ToString() => $"[{Path}]";
}
