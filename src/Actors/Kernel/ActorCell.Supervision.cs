namespace EventActors.Actors.Kernel;

/// <summary>Failures: this actor's own, and its children's as their supervisor.</summary>
internal sealed partial class ActorCell
{
    private ChildRestartStats? _restartStats; // kept by the parent, stored here to save a lookup

    /// <summary>
    /// The actor threw. It takes no more user messages until its supervisor decides; the message
    /// that failed is not retried.
    /// </summary>
    private void HandleInvokeFailure(Exception cause)
    {
        if ((_suspension & Suspension.Terminating) != 0)
        {
            KernelLog.FailureWhileStopping(Log, cause, SelfRef.Path);
            return;
        }

        if ((_suspension & Suspension.Failed) != 0)
        {
            return; // the supervisor has already been told; one decision per failure
        }

        _suspension |= Suspension.Failed;
        Extras.FailedMessage = _current.Message;

        if (_parent is null)
        {
            KernelLog.RootGuardianFailed(Log, cause, SelfRef.Path);
            HandleTerminate();
            return;
        }

        _parent.SendSystemMessage(new Failed(SelfRef, cause));
    }

    private void HandleResume()
    {
        if (_actor is null)
        {
            // Failed before an instance existed: there is nothing to resume, so start one.
            HandleRecreate(new ActorInitializationException(SelfRef, "Resumed an actor that has no instance", null));
            return;
        }

        _suspension &= ~Suspension.Failed;
        if (_extras is { } extras)
        {
            extras.FailedMessage = null;
            if (extras.EscalatedChildren is { } escalated)
            {
                foreach (var child in escalated)
                {
                    child.SendSystemMessage(new Resume());
                }

                extras.EscalatedChildren = null;
            }
        }
    }

    private void HandleChildFailed(Failed failed)
    {
        if (failed.Child is not LocalActorRef { Cell: var child } || !IsChild(child) || child._stopping)
        {
            return; // already stopping: its failure no longer matters
        }

        var strategy = Props.SupervisorStrategy ?? _actor?.InvokeSupervisorStrategy() ?? SupervisorStrategy.DefaultStrategy;
        Directive directive;
        try
        {
            directive = strategy.Decide(failed.Cause);
        }
        catch (Exception deciderFailure)
        {
            KernelLog.DeciderFailed(Log, deciderFailure, SelfRef.Path);
            directive = Directive.Escalate;
        }

        if (directive == Directive.Restart &&
            !strategy.RequestRestartPermission(child._restartStats ??= new ChildRestartStats(), DateTime.UtcNow))
        {
            directive = Directive.Stop; // out of restarts
        }

        if (strategy.LoggingEnabled && directive != Directive.Escalate)
        {
            KernelLog.ChildFailed(Log, failed.Cause, child.SelfRef.Path, directive);
        }

        switch (directive)
        {
            case Directive.Resume:
                child.SendSystemMessage(new Resume());
                break;
            case Directive.Restart:
                child.SendSystemMessage(new Recreate(failed.Cause));
                break;
            case Directive.Stop:
                child.SendSystemMessage(new Terminate());
                break;
            case Directive.Escalate:
                // The child waits for our own supervisor's decision; a Resume of us resumes it.
                (Extras.EscalatedChildren ??= []).Add(child);
                _current = default;
                HandleInvokeFailure(failed.Cause);
                break;
        }
    }
}
