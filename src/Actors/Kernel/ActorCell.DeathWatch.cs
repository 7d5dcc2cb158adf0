namespace EventActors.Actors.Kernel;

/// <summary>Death watch: who learns of whose stop.</summary>
internal sealed partial class ActorCell
{
    public IActorRef Watch(IActorRef subject)
    {
        var watchee = AsWatchable(subject);
        if (!ReferenceEquals(watchee, SelfRef) && Extras.Watching.Add(watchee))
        {
            watchee.SendSystemMessage(new Watch(watchee, SelfRef));
        }

        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        var watchee = AsWatchable(subject);
        if (_extras is { } extras)
        {
            extras.TerminatedQueued?.Remove(watchee);
            if (extras.Watching.Remove(watchee))
            {
                watchee.SendSystemMessage(new Unwatch(watchee, SelfRef));
            }
        }

        return subject;
    }

    private static IInternalActorRef AsWatchable(IActorRef subject) =>
        subject as IInternalActorRef
        ?? throw new ArgumentException($"Only actors of an actor system can be watched, not {subject}", nameof(subject));

    private void HandleWatch(Watch watch)
    {
        if (ReferenceEquals(watch.Watchee, SelfRef) && !ReferenceEquals(watch.Watcher, SelfRef))
        {
            Extras.WatchedBy.Add(watch.Watcher);
        }
    }

    private void HandleUnwatch(Unwatch unwatch)
    {
        if (_extras is { } extras)
        {
            extras.WatchedBy.Remove(unwatch.Watcher);
        }
    }

    private void HandleDeathWatchNotification(DeathWatchNotification notification)
    {
        if (_extras is { } extras && extras.Watching.Remove(notification.Actor))
        {
            // Delivered as an ordinary message, behind what the dead actor sent before it stopped.
            (extras.TerminatedQueued ??= []).Add(notification.Actor);
            Post(new Terminated(notification.Actor), notification.Actor);
        }
    }
}
