namespace EventActors.Actors.Kernel;

/// <summary>
/// Where messages go that cannot be delivered: counted, logged (the first few individually,
/// then as a running count) and published on the event stream as <see cref="DeadLetter"/>.
/// </summary>
internal sealed class DeadLetterActorRef(ActorSystem system, ActorPath path) : IInternalActorRef
{
    private long _count;

    public ActorPath Path { get; } = path;

    public ActorSystem System { get; } = system;

    public bool IsTerminated => true;

    public long Count => Interlocked.Read(ref _count);

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        var letter = message as DeadLetter ?? new DeadLetter(message, sender, this);
        var count = Interlocked.Increment(ref _count);
        var individually = System.Settings.DeadLettersLoggedIndividually;
        if (letter.Message is Terminated)
        {
            // A watcher that stopped first: routine during shutdown, counted but not logged.
        }
        else if (count <= individually)
        {
            KernelLog.DeadLetter(System.KernelLogger, letter.Message.GetType().Name, letter.Sender?.Path, letter.Recipient.Path, count);
        }
        else if (IsPowerOfTwo(count))
        {
            // Exponentially spaced: a storm of dead letters costs a handful of log lines.
            KernelLog.DeadLettersCounted(System.KernelLogger, count);
        }

        System.EventStream.Publish(letter);
    }

    private static bool IsPowerOfTwo(long value) => (value & (value - 1)) == 0;

    public void SendSystemMessage(SystemMessage message)
    {
        // Dead letters never lived: whoever watches it learns at once that it is gone.
        if (message is Watch watch)
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(this));
        }
    }

    public override string ToString() => $"[{Path}]";
}
