using Akka.Actor;

namespace EventActors.Actors.Connections;

/// <summary>
/// Ties one HTTP response to its connection actor. The response waits on
/// <see cref="TaskCompletionSource.Task"/>, which completes when the actor stops; the request's
/// abort (the client disconnected) reaches the actor through it, and ends the response by
/// itself if no actor has taken it yet.
/// </summary>
/// <remarks>
/// It replaces an Ask for the actor's reference and an async frame awaiting the end, which every
/// open stream would otherwise keep for its whole life.
/// </remarks>
public sealed class StreamLifetime : TaskCompletionSource
{
    private const int Pending = 0, Attached = 1, Gone = 2;
    private readonly CancellationTokenRegistration _abortRegistration;
    private IActorRef? _actor;
    private int _state;

    public StreamLifetime(CancellationToken aborted) : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        // Last: an already cancelled token runs the callback here and now.
        _abortRegistration = aborted.UnsafeRegister(static state => ((StreamLifetime)state!).OnAborted(), this);
    }

    /// <summary>The connection actor takes the response; false once the client is gone, when it must not write.</summary>
    internal bool TryAttach(IActorRef actor)
    {
        _actor = actor; // published by the exchange below
        return Interlocked.CompareExchange(ref _state, Attached, Pending) == Pending;
    }

    /// <summary>The stream is over: the response ends.</summary>
    internal void End()
    {
        _abortRegistration.Unregister(); // not Dispose: that would wait on a running callback, which may be ours
        TrySetResult();
    }

    private void OnAborted()
    {
        if (Interlocked.Exchange(ref _state, Gone) == Attached)
        {
            _actor!.Tell(ConnectionActor.ClientGone.Instance, ActorRefs.NoSender);
        }
        else
        {
            TrySetResult(); // no actor owns the response, and none may take it now: it ends here
        }
    }
}
