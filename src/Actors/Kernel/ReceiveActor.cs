namespace EventActors.Actors.Kernel;

/// <summary>
/// An actor whose behaviour is a list of typed handlers, registered in its constructor (or in
/// <see cref="Become(Action)"/>) and tried in registration order.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    // The initial behaviour, held as a bare array: most actors are small and idle, so no holder
    // object. Become builds its behaviour through t_becoming instead.
    private Handler[] _handlers = [];

    [ThreadStatic] private static List<Handler>? t_becoming;

    protected internal sealed override bool Receive(object message) => Handle(_handlers, message);

    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null) =>
        Register(new SyncHandler<T>(handler ?? throw new ArgumentNullException(nameof(handler)), shouldHandle));

    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler) => Receive(handler, shouldHandle);

    /// <summary>
    /// An async handler. The actor takes no other message until the returned task completes, and
    /// the code after each <c>await</c> runs inside the actor (Self and Sender still valid), as in
    /// Akka.NET.
    /// </summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null) =>
        Register(new AsyncHandler<T>(Cell, handler ?? throw new ArgumentNullException(nameof(handler)), shouldHandle));

    protected void ReceiveAsync<T>(Predicate<T> shouldHandle, Func<T, Task> handler) => ReceiveAsync(handler, shouldHandle);

    protected void ReceiveAny(Action<object> handler) => Receive(handler);

    protected void ReceiveAnyAsync(Func<object, Task> handler) => ReceiveAsync(handler);

    /// <summary>Replaces the behaviour with the handlers that <paramref name="configure"/> registers.</summary>
    protected void Become(Action configure) => Context.Become(Build(configure));

    /// <summary>Pushes the handlers that <paramref name="configure"/> registers; <see cref="UnbecomeStacked"/> pops them.</summary>
    protected void BecomeStacked(Action configure) => Context.BecomeStacked(Build(configure));

    protected void UnbecomeStacked() => Context.UnbecomeStacked();

    /// <summary>The same as <see cref="UnbecomeStacked"/>, under its older Akka.NET name.</summary>
    protected void Unbecome() => Context.UnbecomeStacked();

    private void Register(Handler handler)
    {
        if (t_becoming is { } becoming)
        {
            becoming.Add(handler);
        }
        else
        {
            _handlers = [.. _handlers, handler];
        }
    }

    private static Receive Build(Action configure)
    {
        var previous = t_becoming;
        var handlers = new List<Handler>();
        t_becoming = handlers;
        try
        {
            configure();
        }
        finally
        {
            t_becoming = previous;
        }

        var behaviour = handlers.ToArray();
        return message => Handle(behaviour, message);
    }

    private static bool Handle(Handler[] handlers, object message)
    {
        foreach (var handler in handlers)
        {
            if (handler.TryHandle(message))
            {
                return true;
            }
        }

        return false;
    }

    private abstract class Handler
    {
        public abstract bool TryHandle(object message);
    }

    private sealed class SyncHandler<T>(Action<T> handler, Predicate<T>? shouldHandle) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T typed && (shouldHandle is null || shouldHandle(typed)))
            {
                handler(typed);
                return true;
            }

            return false;
        }
    }

    private sealed class AsyncHandler<T>(ActorCell cell, Func<T, Task> handler, Predicate<T>? shouldHandle) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T typed && (shouldHandle is null || shouldHandle(typed)))
            {
                cell.RunAsyncHandler(typed, handler);
                return true;
            }

            return false;
        }
    }
}
