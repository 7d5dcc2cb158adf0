using System.IO.Pipelines;
using Akka.Actor;
using Akka.TestKit;
using EventActors.Actors.Connections;
using EventActors.Actors.Journal;
using EventActors.Actors.Tests.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;
using Xunit;

namespace EventActors.Actors.Tests.Connections;

/// <summary>
/// The parent of every connection: it starts them, counts them, drops them all, closes for
/// shutdown and stops (never restarts) the ones that fail. Its children are real connection
/// actors writing to real pipes; a TestProbe is their topic registry.
/// </summary>
public sealed class ConnectionSupervisorTests : SqliteJournalTest
{
    private static readonly TopicName Orders = TopicName.Parse("tests.orders");
    private static readonly TopicEpoch Epoch = TopicEpoch.Parse("epoch000");

    // An hour between heartbeats: none comes during a test, so a pipe holds only what a test sent.
    private static readonly ConnectionSettings Settings = new(Credit: 8, TimeSpan.FromHours(1), RetryMilliseconds: 1500, CatchUpPageSize: 3);

    private readonly IActorRef _supervisor;
    private readonly TestProbe _registry;
    public ConnectionSupervisorTests() : base("connection-supervisor")
    {
        _supervisor = Sys.ActorOf(ConnectionSupervisor.Props());
        _registry = CreateTestProbe();
    }

    /// <summary>A connection opened through the supervisor: its actor (once it subscribed), its pipe and its lifetime.</summary>
    private sealed record Connection(IActorRef Actor, Pipe Pipe, StreamLifetime Lifetime, CancellationTokenSource Abort);

    /// <summary>Opens a stream of <see cref="Orders"/>; returns once its actor has started and asked to subscribe.</summary>
    private Connection Open(Pipe? pipe = null)
    {
        pipe ??= new Pipe(new PipeOptions(useSynchronizationContext: false));
        var abort = new CancellationTokenSource();
        var lifetime = new StreamLifetime(abort.Token);
        var request = new StreamRequest(TopicSet.Create(Orders), [StartPosition.Live.Instance], MultiTopic: false, null);
        var props = ConnectionActor.Props(request, pipe.Writer, _registry.Ref, History, Settings, abort.Token, lifetime);

        _supervisor.Tell(new ConnectionSupervisor.Open(props, lifetime), ActorRefs.NoSender);

        var subscribe = _registry.ExpectMsg<Subscribe>();
        return new Connection(subscribe.Subscriber, pipe, lifetime, abort);
    }

    /// <summary>A topic actor answers the connection's subscription; the retry field is read back.</summary>
    private async Task<TestProbe> SubscribeAsync(Connection connection)
    {
        var topic = CreateTestProbe();
        topic.Send(connection.Actor, new Subscribed(Orders, Epoch, 0, null));
        topic.ExpectMsg<GrantCredit>(); // once subscribed, the connection grants the topic its credit
        Assert.Equal("1500", (await new ResponseReader(connection.Pipe.Reader, DefaultTimeout).ReadFrameAsync()).Retry);
        return topic;
    }

    private async Task<int> OpenCountAsync() =>
        (await _supervisor.Ask<ConnectionSupervisor.OpenCount>(ConnectionSupervisor.GetOpenCount.Instance, DefaultTimeout)).Count;

    /// <summary>
    /// Polls the count until it is <paramref name="expected"/>: the supervisor learns that a child
    /// stopped from its own Terminated, which nothing orders with what a test sees.
    /// </summary>
    private async Task AwaitOpenCountAsync(int expected)
    {
        var deadline = DateTime.UtcNow + DefaultTimeout;
        int count;
        while ((count = await OpenCountAsync()) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{count} connections are still open; expected {expected}");
        }
    }

    private async Task ExpectEndedAsync(params Connection[] connections)
    {
        foreach (var connection in connections)
        {
            await connection.Lifetime.Task.WaitAsync(DefaultTimeout);
        }
    }

    [Fact]
    public async Task Open_starts_a_connection_and_counts_it()
    {
        Assert.Equal(0, await OpenCountAsync());

        var first = Open();
        Assert.Equal(1, await OpenCountAsync());
        var second = Open();
        Assert.Equal(2, await OpenCountAsync());

        Assert.NotEqual(first.Actor, second.Actor);
        Assert.Equal(_supervisor.Path, first.Actor.Path.Parent); // its child, under its supervision
        Assert.False(first.Lifetime.Task.IsCompleted);
    }

    [Fact]
    public async Task A_connection_that_stops_is_counted_out()
    {
        var leaving = Open();
        var staying = Open();
        await SubscribeAsync(leaving);

        leaving.Abort.Cancel(); // its client disconnects

        await ExpectEndedAsync(leaving);
        await AwaitOpenCountAsync(1);
        Assert.False(staying.Lifetime.Task.IsCompleted);
    }

    [Fact]
    public async Task Dropping_all_tells_every_connection_its_client_is_gone_and_answers_how_many_there_were()
    {
        var subscribing = Open();
        var live = Open();
        var topic = await SubscribeAsync(live);
        var another = Open();
        await SubscribeAsync(another);

        var dropped = await _supervisor.Ask<ConnectionSupervisor.Dropped>(ConnectionSupervisor.DropAll.Instance, DefaultTimeout);

        Assert.Equal(3, dropped.Count);
        await ExpectEndedAsync(subscribing, live, another);
        Assert.Equal(new Unsubscribe(live.Actor), topic.ExpectMsg<Unsubscribe>());
        await AwaitOpenCountAsync(0);
        Open(); // dropping is not closing: new streams are served
        Assert.Equal(1, await OpenCountAsync());
    }

    [Fact]
    public async Task Closing_stops_every_connection_even_one_waiting_on_a_client_that_does_not_read_and_answers_once_none_is_open()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64, resumeWriterThreshold: 32, useSynchronizationContext: false));
        var blocked = Open(pipe);
        var topic = await SubscribeAsync(blocked);
        topic.Send(blocked.Actor, new Deliver(Orders, new ArraySegment<CommittedEvent>([new CommittedEvent(Epoch, 1, null, new byte[200])])));
        // The flush is past the pipe's threshold and nobody reads: the actor waits on it, taking
        // no message (a ClientGone would wait behind it) until it is stopped.
        await new ResponseReader(pipe.Reader, DefaultTimeout).HoldNextFlushAsync();
        var idle = Open();

        var closed = await _supervisor.Ask<ConnectionSupervisor.Closed>(ConnectionSupervisor.Close.Instance, DefaultTimeout);

        Assert.Same(ConnectionSupervisor.Closed.Instance, closed);
        await ExpectEndedAsync(blocked, idle);
        Assert.Equal(0, await OpenCountAsync());
    }

    [Fact]
    public async Task A_connection_that_fails_ends_its_stream_and_is_counted_out()
    {
        var failing = Open();
        var healthy = Open();
        Watch(failing.Actor);
        var topic = await SubscribeAsync(failing);

        // A delivery for a topic it never subscribed to: a bug elsewhere, and this actor throws.
        topic.Send(failing.Actor, new Deliver(TopicName.Parse("tests.unknown"), new ArraySegment<CommittedEvent>([new CommittedEvent(Epoch, 1, null, "x"u8.ToArray())])));

        ExpectTerminated(failing.Actor);
        await ExpectEndedAsync(failing);
        await AwaitOpenCountAsync(1);
        Assert.False(healthy.Lifetime.Task.IsCompleted);
    }

    [Fact]
    public async Task A_connection_that_fails_is_stopped_not_restarted()
    {
        // A restarted connection would subscribe again from the client's first position and
        // repeat events; this child reports each start, so a restart would show.
        var starts = CreateTestProbe();
        var lifetime = new StreamLifetime(CancellationToken.None);
        _supervisor.Tell(new ConnectionSupervisor.Open(Props.Create(() => new FailingStream(lifetime, starts.Ref)), lifetime), ActorRefs.NoSender);
        var child = starts.ExpectMsg<IActorRef>();
        Watch(child);

        child.Tell(FailingStream.Fail.Instance);

        ExpectTerminated(child);
        await lifetime.Task.WaitAsync(DefaultTimeout);
        // A restarted child would stop too (its lifetime refuses a second attach), but only after
        // starting again, which it reports before it stops: nothing came ahead of this marker.
        starts.Ref.Tell("marker", ActorRefs.NoSender);
        Assert.Equal("marker", starts.ExpectMsg<string>());
        await AwaitOpenCountAsync(0);
    }

    /// <summary>As a connection does: takes the response when it starts and ends it when it stops; it reports each start and fails when told.</summary>
    private sealed class FailingStream : ReceiveActor
    {
        private readonly StreamLifetime _lifetime;
        private readonly IActorRef _starts;

        public FailingStream(StreamLifetime lifetime, IActorRef starts)
        {
            _lifetime = lifetime;
            _starts = starts;
            Receive<Fail>(_ => throw new InvalidOperationException("a connection failed"));
        }

        protected override void PreStart()
        {
            _starts.Tell(Self);
            if (!_lifetime.TryAttach(Self))
            {
                Context.Stop(Self);
            }
        }

        protected override void PostStop() => _lifetime.End();

        public sealed class Fail
        {
            public static readonly Fail Instance = new();
        }
    }
}
