using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Kernel;

/// <summary>
/// The base of every actor. An actor handles one message at a time, so its fields need no
/// locks; it is created through <see cref="Props"/>, never with <c>new</c> directly.
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;

    protected ActorBase()
    {
        _cell = ActorCell.Constructing
            ?? throw new InvalidOperationException(
                $"{GetType().Name} must be created through ActorOf(Props), not with 'new'");
    }

    internal ActorCell Cell => _cell;

    protected IActorContext Context => _cell;

    protected IActorRef Self => _cell.Self;

    protected IActorRef Sender => _cell.Sender;

    /// <summary>The default behaviour; <c>Context.Become</c> can replace it.</summary>
    protected internal abstract bool Receive(object message);

    /// <summary>Called for a message no behaviour handled: publishes an <see cref="UnhandledMessage"/>.</summary>
    protected virtual void Unhandled(object message) => _cell.PublishUnhandled(message);

    internal void InvokeUnhandled(object message) => Unhandled(message);

    /// <summary>Runs before the first message (and, by default, after each restart).</summary>
    protected virtual void PreStart() { }

    /// <summary>Runs once the actor and all its children have stopped.</summary>
    protected virtual void PostStop() { }

    /// <summary>Runs on the failed instance before it is replaced. By default stops the children and calls <see cref="PostStop"/>.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in _cell.Children)
        {
            _cell.Stop(child);
        }

        PostStop();
    }

    /// <summary>Runs on the new instance after a restart. By default calls <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>How this actor supervises its children.</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Kernel.SupervisorStrategy.DefaultStrategy;

    protected void SetReceiveTimeout(TimeSpan? timeout) => _cell.SetReceiveTimeout(timeout);

    /// <summary>
    /// Runs an async step inside the actor, as Akka.NET's <c>RunTask</c>: the actor takes no
    /// other message until the task completes, and the code after each <c>await</c> runs inside
    /// the actor. What <c>ReceiveAsync</c> does for a <see cref="ReceiveActor"/>, for actors that
    /// match messages themselves.
    /// </summary>
    protected void RunTask(Func<Task> action) => _cell.RunAsyncHandler(action, static run => run());

    /// <summary>
    /// <see cref="RunTask(Func{Task})"/> with the state passed in, so that a <c>static</c> lambda
    /// needs no closure: nothing is allocated per message on a hot path.
    /// </summary>
    protected void RunTask<TState>(TState state, Func<TState, Task> action) => _cell.RunAsyncHandler(state, action);

    internal void InvokePreStart() => PreStart();

    internal void InvokePostStop() => PostStop();

    internal void InvokePreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void InvokePostRestart(Exception reason) => PostRestart(reason);

    internal SupervisorStrategy InvokeSupervisorStrategy() => SupervisorStrategy();

    protected ILogger Log => _cell.GetLogger();
}

/// <summary>An actor with one method that sees every message, as Akka.NET's <c>UntypedActor</c>.</summary>
public abstract class UntypedActor : ActorBase
{
    protected internal sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }

    /// <summary>Handles a message; call <see cref="ActorBase.Unhandled"/> for one it does not understand.</summary>
    protected abstract void OnReceive(object message);
}
