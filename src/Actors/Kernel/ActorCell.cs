using Microsoft.Extensions.Logging;

namespace EventActors.Actors.Kernel;

/// <summary>
/// One actor's runtime: its mailbox, its current instance and behaviour, its children and its
/// place in supervision and death watch. The cell is also the thread-pool work item that runs
/// the actor's turns, so scheduling a turn allocates nothing.
/// </summary>
/// <remarks>
/// Split by concern: this file holds the mailbox and message invocation;
/// <c>ActorCell.Lifecycle.cs</c> creation, restart and stop; <c>ActorCell.Supervision.cs</c>
/// failures; <c>ActorCell.DeathWatch.cs</c> watch; <c>ActorCell.Children.cs</c> the children;
/// <c>ActorCell.Async.cs</c> async handlers.
/// </remarks>
internal sealed partial class ActorCell : IActorContext, IThreadPoolWorkItem
{
    [ThreadStatic] private static ActorCell? t_current;
    [ThreadStatic] private static ActorCell? t_constructing;

    private const int ScheduledBit = 1; // a turn is queued or running: the single-consumer guard
    private const int ClosedBit = 2;    // stopped for good: user messages become dead letters

    private MailboxQueue<Envelope> _mailbox = new(); // a mutable struct: never readonly, never copied
    private readonly Dispatcher _dispatcher;
    private readonly ActorCell? _parent;
    private int _status;
    private SystemMessage? _systemInbox;
    private Suspension _suspension = Suspension.NotCreated;
    private ActorBase? _actor;
    private Envelope _current;
    // The current behaviour (null: the actor's own Receive) in a field, and below it, only once
    // BecomeStacked is used, the stack: most actors Become now and then and never stack, and a
    // list of one would cost 64 bytes per actor (per open stream).
    private Receive? _behavior;
    private List<Receive?>? _stackedBehaviors;
    private CellExtras? _extras;

    public ActorCell(ActorSystem system, Props props, ActorCell? parent, ActorPath path)
    {
        System = system;
        Props = props;
        _parent = parent;
        _dispatcher = system.Dispatchers.Lookup(props.Dispatcher);
        SelfRef = new LocalActorRef(this, path);
    }

    /// <summary>The cell whose turn runs on this thread, if any.</summary>
    internal static ActorCell? Current => t_current;

    /// <summary>The cell whose actor instance is being constructed on this thread, if any.</summary>
    internal static ActorCell? Constructing => t_constructing;

    public ActorSystem System { get; }

    public Props Props { get; }

    internal LocalActorRef SelfRef { get; }

    public IActorRef Self => SelfRef;

    public IActorRef Sender => _current.Sender ?? System.DeadLetters;

    public IActorRef Parent => _parent?.SelfRef ?? ActorRefs.Nobody;

    internal bool IsClosed => (Volatile.Read(ref _status) & ClosedBit) != 0;

    internal Envelope CurrentEnvelope => _current;

    private CellExtras Extras => _extras ??= new CellExtras();

    /// <summary>Enqueues a user message; any thread.</summary>
    internal void Post(object message, IActorRef? sender)
    {
        if ((Volatile.Read(ref _status) & ClosedBit) != 0)
        {
            if (message is not DeadLetter)
            {
                System.DeadLetters.Tell(new DeadLetter(message, sender, SelfRef), sender);
            }

            return;
        }

        // No lost wake-up: Enqueue reserves its slot with an interlocked CAS before this status
        // read, and a finishing turn clears the bit with an interlocked And before it looks for
        // reserved slots (HasItems). The two locked operations are ordered, so either we see the
        // bit cleared and schedule, or the turn sees our reservation and schedules itself again.
        _mailbox.Enqueue(new Envelope(message, sender));
        if ((Volatile.Read(ref _status) & ScheduledBit) == 0)
        {
            TrySchedule();
        }
    }

    /// <summary>Enqueues a system message; any thread. Each message object is sent once.</summary>
    internal void SendSystemMessage(SystemMessage message)
    {
        var head = Volatile.Read(ref _systemInbox);
        while (true)
        {
            message.Next = head;
            var seen = Interlocked.CompareExchange(ref _systemInbox, message, head);
            if (ReferenceEquals(seen, head))
            {
                break;
            }

            head = seen;
        }

        TrySchedule();
    }

    private void TrySchedule()
    {
        var status = Volatile.Read(ref _status);
        while ((status & ScheduledBit) == 0)
        {
            var seen = Interlocked.CompareExchange(ref _status, status | ScheduledBit, status);
            if (seen == status)
            {
                _dispatcher.Schedule(this);
                return;
            }

            status = seen;
        }
    }

    /// <summary>One turn: system messages first, then up to the dispatcher's throughput of user messages.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        var previous = t_current;
        t_current = this;
        try
        {
            if (IsClosed)
            {
                DrainAfterStop();
            }
            else
            {
                ProcessSystemMessages();
                var left = _dispatcher.Throughput;
                while (_suspension == Suspension.None && left > 0 && TryDequeue(out var envelope))
                {
                    Invoke(envelope);
                    left--;
                    if (Volatile.Read(ref _systemInbox) is not null)
                    {
                        ProcessSystemMessages();
                    }
                }
            }
        }
        finally
        {
            _current = default;
            t_current = previous;
            Interlocked.And(ref _status, ~ScheduledBit);
            // A producer that enqueued while the bit was still set did not schedule: look again.
            if (HasWorkToDo())
            {
                TrySchedule();
            }
        }
    }

    private bool HasWorkToDo()
    {
        if (Volatile.Read(ref _systemInbox) is not null)
        {
            return true;
        }

        if (IsClosed)
        {
            return _mailbox.HasItems;
        }

        return _suspension == Suspension.None && (_mailbox.HasItems || _extras?.Unstashed is { Count: > 0 });
    }

    private bool TryDequeue(out Envelope envelope)
    {
        if (_extras?.Unstashed is { Count: > 0 } unstashed)
        {
            envelope = unstashed.Dequeue();
            return true;
        }

        return _mailbox.TryDequeue(out envelope);
    }

    /// <summary>Counts deliveries, so a stash can tell one delivery from the next.</summary>
    internal int InvocationCount { get; private set; } // wraps around harmlessly

    private void Invoke(Envelope envelope)
    {
        _current = envelope;
        InvocationCount = unchecked(InvocationCount + 1);
        var message = envelope.Message;
        try
        {
            // Sealed types: each test is one pointer comparison on the hot path.
            if (message is PoisonPill)
            {
                Stop(SelfRef);
                return;
            }

            if (message is TimerMessage timerMessage)
            {
                if (_extras?.Timers is not { } timers || !timers.TryAccept(timerMessage))
                {
                    return; // cancelled or replaced after it was sent
                }

                message = timerMessage.Message;
                _current = new Envelope(message, timerMessage.Sender);
            }
            else if (message is ReceiveTimeoutTick tick)
            {
                if (!ReceiveTimeoutElapsed(tick))
                {
                    return; // replaced, or the actor was busy since: the tick was re-armed
                }

                message = Kernel.ReceiveTimeout.Instance;
                _current = new Envelope(message, null);
            }
            else if (message is Terminated terminated)
            {
                if (_extras?.TerminatedQueued?.Remove(terminated.ActorRef) != true)
                {
                    return; // unwatched after the notification was queued
                }
            }
            else if (message is Kill)
            {
                throw new ActorKilledException("Kill");
            }

            var handled = _behavior is { } behavior ? behavior(message) : _actor!.Receive(message);
            if (!handled)
            {
                if (message is Terminated unhandledTerminated)
                {
                    throw new DeathPactException(unhandledTerminated.ActorRef);
                }

                _actor!.InvokeUnhandled(message);
            }

            if (_extras is { ReceiveTimeout: not null } && message is not INotInfluenceReceiveTimeout)
            {
                NoteReceiveTimeoutActivity();
            }
        }
        catch (Exception exception)
        {
            HandleInvokeFailure(exception);
        }
    }

    private void ProcessSystemMessages()
    {
        while (Interlocked.Exchange(ref _systemInbox, null) is { } newestFirst)
        {
            for (var message = Reverse(newestFirst); message is not null;)
            {
                var next = message.Next;
                message.Next = null;
                try
                {
                    HandleSystemMessage(message);
                }
                catch (Exception exception)
                {
                    KernelLog.SystemMessageFailed(Log, exception, message.GetType().Name, SelfRef.Path);
                }

                message = next;
            }
        }
    }

    private static SystemMessage? Reverse(SystemMessage? message)
    {
        SystemMessage? reversed = null;
        while (message is not null)
        {
            var next = message.Next;
            message.Next = reversed;
            reversed = message;
            message = next;
        }

        return reversed;
    }

    private void HandleSystemMessage(SystemMessage message)
    {
        if (IsClosed)
        {
            // Stopped earlier in this same batch: answer as a dead actor from here on.
            HandleAfterStop(message);
            return;
        }

        switch (message)
        {
            case Create: HandleCreate(); break;
            case Terminate: HandleTerminate(); break;
            case Watch watch: HandleWatch(watch); break;
            case Unwatch unwatch: HandleUnwatch(unwatch); break;
            case DeathWatchNotification notification: HandleDeathWatchNotification(notification); break;
            case ChildTerminated childTerminated: HandleChildTerminated(childTerminated); break;
            case Failed failed: HandleChildFailed(failed); break;
            case Resume: HandleResume(); break;
            case Recreate recreate: HandleRecreate(recreate.Cause); break;
            case RunContinuation continuation: RunContinuation(continuation); break;
            case AsyncHandlerCompleted completed: HandleAsyncHandlerCompleted(completed); break;
        }
    }

    /// <summary>After the stop, what still arrives is answered as from a dead actor.</summary>
    private void DrainAfterStop()
    {
        for (var message = Reverse(Interlocked.Exchange(ref _systemInbox, null)); message is not null; message = message.Next)
        {
            HandleAfterStop(message);
        }

        while (_mailbox.TryDequeue(out var envelope))
        {
            SendToDeadLetters(envelope);
        }
    }

    private void HandleAfterStop(SystemMessage message)
    {
        // A watch that comes too late still gets its answer; everything else is moot.
        if (message is Watch watch && !ReferenceEquals(watch.Watcher, SelfRef))
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(SelfRef));
        }
    }

    private void SendToDeadLetters(Envelope envelope)
    {
        if (envelope.Message is not DeadLetter)
        {
            System.DeadLetters.Tell(new DeadLetter(envelope.Message, envelope.Sender, SelfRef), envelope.Sender);
        }
    }

    internal void PublishUnhandled(object message)
    {
        KernelLog.UnhandledMessage(Log, message.GetType().Name, SelfRef.Path);
        System.EventStream.Publish(new UnhandledMessage(message, _current.Sender, SelfRef));
    }

    private ILogger Log => System.KernelLogger;

    public ILogger GetLogger() => System.LoggerFactory.CreateLogger(Props.ActorType.FullName ?? Props.ActorType.Name);

    public void Become(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        _behavior = receive;
    }

    public void BecomeStacked(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        (_stackedBehaviors ??= new List<Receive?>(2)).Add(_behavior);
        _behavior = receive;
    }

    public void UnbecomeStacked()
    {
        if (_stackedBehaviors is { Count: > 0 } below)
        {
            _behavior = below[^1];
            below.RemoveAt(below.Count - 1);
        }
        else
        {
            _behavior = null;
        }
    }

    private void ResetBehavior()
    {
        _behavior = null;
        _stackedBehaviors = null;
    }

    internal ActorTimers Timers => Extras.Timers ??= new ActorTimers(this);

    internal ActorStash Stash => Extras.Stash ??= new ActorStash(this);

    /// <summary>Puts messages back in front of the mailbox, in their order, ahead of anything unstashed before.</summary>
    internal void Prepend(IReadOnlyCollection<Envelope> envelopes)
    {
        if (envelopes.Count == 0)
        {
            return;
        }

        var queue = new Queue<Envelope>(envelopes);
        if (Extras.Unstashed is { Count: > 0 } earlier)
        {
            foreach (var envelope in earlier)
            {
                queue.Enqueue(envelope);
            }
        }

        Extras.Unstashed = queue;
    }

    public override string ToString() => SelfRef.ToString();

    [Flags]
    private enum Suspension
    {
        None = 0,
        NotCreated = 1,    // Create not processed yet
        AwaitingAsync = 2, // an async handler's task is running
        Failed = 4,        // waiting for the supervisor's directive
        Terminating = 8,   // stopping: waiting for children, then closed
    }

    /// <summary>State most actors never need, kept out of the cell to keep idle actors small.</summary>
    private sealed class CellExtras
    {
        public ActorRefSet Watching;
        public ActorRefSet WatchedBy;
        public HashSet<IActorRef>? TerminatedQueued;
        public TimeSpan? ReceiveTimeout;
        // Receive timeout: see NoteReceiveTimeoutActivity. Guarded by a lock on this object,
        // except the last activity (UTC ticks of the scheduler's clock), written per message.
        public ICancelable? ReceiveTimeoutTask;
        public int ReceiveTimeoutGeneration;
        public bool ReceiveTimeoutArmed;
        public long ReceiveTimeoutLastActivity;
        public ActorTimers? Timers;
        public ActorStash? Stash;
        public ActorSynchronizationContext? SynchronizationContext;
        public Envelope AsyncEnvelope;
        public object? FailedMessage;
        public Exception? PendingRestartCause;
        public Queue<Envelope>? Unstashed; // put back by UnstashAll, taken before the mailbox
        public List<ActorCell>? EscalatedChildren; // failed children waiting on our supervisor
    }
}
