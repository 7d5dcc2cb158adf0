using System.Threading.Channels;
using EventActors.Actors.Kernel;
using Xunit;

namespace EventActors.TestKit;

/// <summary>
/// An actor reference whose messages the test reads with <c>ExpectMsg</c> and friends, in the
/// style of Akka.TestKit. Every wait has a deadline; none sleeps.
/// </summary>
public abstract class TestKitBase
{
    /// <summary>How long an expectation waits when given no timeout. Generous: CI machines are slow.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<Envelope> _queue = Channel.CreateUnbounded<Envelope>(new UnboundedChannelOptions { SingleReader = true });
    private DateTime? _deadlineUtc; // set by Within: expectations inside it share its deadline
    private ActorSystem? _system;
    private IActorRef? _testActor;

    protected TestKitBase() { }

    /// <summary>Binds the kit to its system; TestKit calls it from its constructor.</summary>
    protected void InitializeTest(ActorSystem system, string testActorName)
    {
        _system = system;
        _testActor = system.ActorOf(Props.Create(() => new QueueingActor(_queue.Writer)), testActorName);
    }

    public ActorSystem Sys => _system ?? throw new InvalidOperationException("The test kit is not initialized");

    /// <summary>The reference whose messages this kit expects.</summary>
    public IActorRef TestActor => _testActor ?? throw new InvalidOperationException("The test kit is not initialized");

    /// <summary>The sender of the last message an expectation returned.</summary>
    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    public TestProbe CreateTestProbe(string? name = null) => new(Sys, name);

    /// <summary>Makes <see cref="TestActor"/> watch <paramref name="actor"/>: its <see cref="Terminated"/> arrives here.</summary>
    public IActorRef Watch(IActorRef actor)
    {
        TestActor.Ask<WatchAcknowledged>(new WatchCommand(actor, true), DefaultTimeout).GetAwaiter().GetResult();
        return actor;
    }

    public IActorRef Unwatch(IActorRef actor)
    {
        TestActor.Ask<WatchAcknowledged>(new WatchCommand(actor, false), DefaultTimeout).GetAwaiter().GetResult();
        return actor;
    }

    public T ExpectMsg<T>(TimeSpan? timeout = null, string? hint = null) => ExpectMsgAsync<T>(timeout, hint).GetAwaiter().GetResult();

    public T ExpectMsg<T>(Predicate<T> isExpected, TimeSpan? timeout = null, string? hint = null) =>
        ExpectMsgAsync(isExpected, timeout, hint).GetAwaiter().GetResult();

    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null) where T : notnull =>
        ExpectMsgAsync(expected, timeout).GetAwaiter().GetResult();

    public async Task<T> ExpectMsgAsync<T>(TimeSpan? timeout = null, string? hint = null)
    {
        var envelope = await ReceiveOneAsync(timeout, $"a {typeof(T).Name}{Hint(hint)}").ConfigureAwait(false);
        if (envelope.Message is not T typed)
        {
            Assert.Fail($"Expected a {typeof(T).Name}{Hint(hint)} but received {Describe(envelope.Message)}");
            throw new InvalidOperationException("unreachable");
        }

        return typed;
    }

    public async Task<T> ExpectMsgAsync<T>(Predicate<T> isExpected, TimeSpan? timeout = null, string? hint = null)
    {
        var message = await ExpectMsgAsync<T>(timeout, hint).ConfigureAwait(false);
        if (!isExpected(message))
        {
            Assert.Fail($"Received {Describe(message)}, which does not satisfy the condition{Hint(hint)}");
        }

        return message;
    }

    public async Task<T> ExpectMsgAsync<T>(T expected, TimeSpan? timeout = null) where T : notnull
    {
        var message = await ExpectMsgAsync<T>(timeout, $"equal to {Describe(expected)}").ConfigureAwait(false);
        if (!EqualityComparer<T>.Default.Equals(expected, message))
        {
            Assert.Fail($"Expected {Describe(expected)} but received {Describe(message)}");
        }

        return message;
    }

    /// <summary>Asserts that nothing arrives for <paramref name="duration"/>. Waits that long: use short durations.</summary>
    public void ExpectNoMsg(TimeSpan duration) => ExpectNoMsgAsync(duration).GetAwaiter().GetResult();

    public async Task ExpectNoMsgAsync(TimeSpan duration)
    {
        using var cancellation = new CancellationTokenSource(duration);
        try
        {
            var envelope = await _queue.Reader.ReadAsync(cancellation.Token).ConfigureAwait(false);
            Assert.Fail($"Expected no message for {duration.TotalMilliseconds} ms but received {Describe(envelope.Message)}");
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Nothing arrived: as expected.
        }
    }

    /// <summary>Expects the <see cref="Terminated"/> of a watched actor.</summary>
    public Terminated ExpectTerminated(IActorRef actor, TimeSpan? timeout = null) =>
        ExpectMsg<Terminated>(t => ReferenceEquals(t.ActorRef, actor), timeout, $"for {actor}");

    /// <summary>Skips messages until one satisfies <paramref name="isMessage"/>, and returns it.</summary>
    public object FishForMessage(Predicate<object> isMessage, TimeSpan? timeout = null) =>
        FishForMessage<object>(isMessage, timeout);

    public T FishForMessage<T>(Predicate<T> isMessage, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + RemainingOr(timeout);
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            var envelope = ReceiveOneAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, $"a {typeof(T).Name} that matches")
                .GetAwaiter().GetResult();
            if (envelope.Message is T typed && isMessage(typed))
            {
                return typed;
            }
        }
    }

    /// <summary>Receives exactly <paramref name="count"/> messages of any type.</summary>
    public IReadOnlyList<object> ReceiveN(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + RemainingOr(timeout);
        var messages = new List<object>(count);
        while (messages.Count < count)
        {
            var remaining = deadline - DateTime.UtcNow;
            messages.Add(ReceiveOneAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero,
                $"message {messages.Count + 1} of {count}").GetAwaiter().GetResult().Message);
        }

        return messages;
    }

    /// <summary>
    /// Runs <paramref name="action"/> and asserts it finished within <paramref name="max"/>;
    /// expectations inside it share that deadline instead of their own defaults.
    /// </summary>
    public void Within(TimeSpan max, Action action) => Within(TimeSpan.Zero, max, action);

    public void Within(TimeSpan min, TimeSpan max, Action action) =>
        WithinAsync(min, max, () => { action(); return Task.CompletedTask; }).GetAwaiter().GetResult();

    public async Task WithinAsync(TimeSpan min, TimeSpan max, Func<Task> action)
    {
        var started = DateTime.UtcNow;
        var outer = _deadlineUtc;
        var deadline = started + max;
        _deadlineUtc = outer is { } o && o < deadline ? o : deadline;
        try
        {
            await action().ConfigureAwait(false);
        }
        finally
        {
            _deadlineUtc = outer;
        }

        var elapsed = DateTime.UtcNow - started;
        if (elapsed < min)
        {
            Assert.Fail($"Finished in {elapsed.TotalMilliseconds:F0} ms, before the minimum of {min.TotalMilliseconds} ms");
        }

        if (elapsed > max)
        {
            Assert.Fail($"Took {elapsed.TotalMilliseconds:F0} ms, over the maximum of {max.TotalMilliseconds} ms");
        }
    }

    /// <summary>What is left of the enclosing <c>Within</c>, or the given/default timeout outside one.</summary>
    public TimeSpan RemainingOr(TimeSpan? timeout)
    {
        if (_deadlineUtc is { } deadline)
        {
            var left = deadline - DateTime.UtcNow;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }

        return timeout ?? DefaultTimeout;
    }

    private async Task<Envelope> ReceiveOneAsync(TimeSpan? timeout, string expectation)
    {
        var wait = _deadlineUtc is not null ? RemainingOr(null) : timeout ?? DefaultTimeout;
        if (_queue.Reader.TryRead(out var ready))
        {
            return Received(ready);
        }

        using var cancellation = new CancellationTokenSource(wait);
        try
        {
            return Received(await _queue.Reader.ReadAsync(cancellation.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Assert.Fail($"Timeout ({wait.TotalMilliseconds:F0} ms) while waiting for {expectation}");
            throw;
        }
    }

    private Envelope Received(Envelope envelope)
    {
        LastSender = envelope.Sender ?? Sys.DeadLetters;
        return envelope;
    }

    private static string Hint(string? hint) => hint is null ? "" : $" ({hint})";

    private static string Describe(object? message) => message is null ? "null" : $"{message.GetType().Name} {message}";

    internal sealed record WatchCommand(IActorRef Subject, bool Watch);

    internal sealed class WatchAcknowledged
    {
        public static readonly WatchAcknowledged Instance = new();
    }

    /// <summary>Queues every message for the test; performs the kit's watch commands.</summary>
    private sealed class QueueingActor : UntypedActor
    {
        private readonly ChannelWriter<Envelope> _queue;

        public QueueingActor(ChannelWriter<Envelope> queue) => _queue = queue;

        protected override void OnReceive(object message)
        {
            if (message is WatchCommand command)
            {
                if (command.Watch)
                {
                    Context.Watch(command.Subject);
                }
                else
                {
                    Context.Unwatch(command.Subject);
                }

                Sender.Tell(WatchAcknowledged.Instance, Self);
                return;
            }

            _queue.TryWrite(new Envelope(message, Sender));
        }
    }
}
