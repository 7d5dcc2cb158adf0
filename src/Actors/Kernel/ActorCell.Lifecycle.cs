namespace EventActors.Actors.Kernel;

/// <summary>Creation, restart and stop of the actor instance.</summary>
internal sealed partial class ActorCell
{
    private volatile bool _stopping;
    private TaskCompletionSource? _terminatedPromise;

    /// <summary>Completes once the actor has stopped (PostStop ran, watchers notified).</summary>
    internal Task WhenTerminated
    {
        get
        {
            if (IsClosed)
            {
                return Task.CompletedTask;
            }

            var promise = Volatile.Read(ref _terminatedPromise);
            if (promise is null)
            {
                var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                promise = Interlocked.CompareExchange(ref _terminatedPromise, created, null) ?? created;
            }

            // Closed between the first check and the publication of the promise: complete it here.
            if (IsClosed)
            {
                promise.TrySetResult();
            }

            return promise.Task;
        }
    }

    private void HandleCreate()
    {
        _suspension &= ~Suspension.NotCreated;
        try
        {
            _actor = NewActorInstance();
            _actor.InvokePreStart();
        }
        catch (Exception exception)
        {
            HandleInvokeFailure(new ActorInitializationException(SelfRef,
                $"Starting {Props.ActorType.Name} at {SelfRef.Path} failed: {exception.Message}", exception));
        }
    }

    private ActorBase NewActorInstance()
    {
        var previous = t_constructing;
        t_constructing = this;
        ActorBase actor;
        try
        {
            actor = Props.NewActor();
        }
        finally
        {
            t_constructing = previous;
        }

        if (!ReferenceEquals(actor.Cell, this))
        {
            throw new InvalidOperationException(
                $"The factory in {Props} must create a new actor instance each time it is called");
        }

        if (actor is IWithUnboundedStash withStash)
        {
            withStash.Stash = Stash;
        }

        if (actor is IWithTimers withTimers)
        {
            withTimers.Timers = Timers;
        }

        return actor;
    }

    public void Stop(IActorRef actor)
    {
        if (actor is LocalActorRef local)
        {
            local.SendSystemMessage(new Terminate());
        }
    }

    private void HandleTerminate()
    {
        if ((_suspension & Suspension.Terminating) != 0)
        {
            return;
        }

        _suspension |= Suspension.Terminating;
        lock (ChildrenLock)
        {
            _stopping = true; // under the lock: no child can be added after the snapshot below
        }

        if (_extras is { } extras)
        {
            lock (extras)
            {
                DisarmReceiveTimeout(extras); // a timer re-arming itself right now sees the new generation
            }
        }

        _extras?.Timers?.CancelAll();

        var children = ChildCells();
        if (children.Length == 0)
        {
            FinishTerminate();
            return;
        }

        foreach (var child in children)
        {
            child.SendSystemMessage(new Terminate());
        }
    }

    private void FinishTerminate()
    {
        if (_actor is { } actor)
        {
            try
            {
                actor.InvokePostStop();
            }
            catch (Exception exception)
            {
                KernelLog.PostStopFailed(Log, exception, SelfRef.Path);
            }
        }

        Interlocked.Or(ref _status, ClosedBit);

        if (_extras?.Stash is { } stash)
        {
            foreach (var envelope in stash.ClearStash())
            {
                SendToDeadLetters(envelope);
            }
        }

        while (TryDequeue(out var envelope))
        {
            SendToDeadLetters(envelope);
        }

        // The parent first: its system messages are handled in order, so by the time a watching
        // parent sees Terminated the name is free again and a child of that name can be started.
        _parent?.SendSystemMessage(new ChildTerminated(SelfRef));

        if (_extras is { } extras)
        {
            foreach (var watcher in extras.WatchedBy.Drain())
            {
                watcher.SendSystemMessage(new DeathWatchNotification(SelfRef));
            }

            foreach (var watchee in extras.Watching.Drain())
            {
                watchee.SendSystemMessage(new Unwatch(watchee, SelfRef));
            }
        }

        _actor = null;
        ResetBehavior();
        Volatile.Read(ref _terminatedPromise)?.TrySetResult();
    }

    private void HandleRecreate(Exception cause)
    {
        if ((_suspension & Suspension.Terminating) != 0)
        {
            return;
        }

        if (_actor is { } failed)
        {
            try
            {
                failed.InvokePreRestart(cause, _extras?.FailedMessage);
            }
            catch (Exception exception)
            {
                KernelLog.PreRestartFailed(Log, exception, SelfRef.Path);
            }
        }

        // A new incarnation starts clean: no timers, the first behaviour, and (as in Akka.NET)
        // whatever the old one had stashed back in front of the mailbox.
        _extras?.Timers?.CancelAll();
        ResetBehavior();
        if (_extras?.Stash is { } stash)
        {
            stash.UnstashAll();
        }

        if (ChildCells().Length > 0)
        {
            // PreRestart stopped them; the new instance may reuse their names, so wait.
            Extras.PendingRestartCause = cause;
            return;
        }

        FinishRecreate(cause);
    }

    private void FinishRecreate(Exception cause)
    {
        if (_extras is { } extras)
        {
            extras.PendingRestartCause = null;
            extras.FailedMessage = null;
        }

        try
        {
            _actor = NewActorInstance();
            _actor.InvokePostRestart(cause);
            _suspension &= ~Suspension.Failed;
        }
        catch (Exception exception)
        {
            _actor = null;
            _suspension &= ~Suspension.Failed;
            HandleInvokeFailure(new ActorInitializationException(SelfRef,
                $"Restarting {Props.ActorType.Name} at {SelfRef.Path} failed: {exception.Message}", exception));
        }
    }
}
