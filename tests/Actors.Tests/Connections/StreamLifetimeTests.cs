using EventActors.Actors.Connections;
using Akka.Actor;
using Xunit;

namespace EventActors.Actors.Tests.Connections;

/// <summary>How a response and its connection actor hand the end of a stream to each other.</summary>
public sealed class StreamLifetimeTests : ActorTest
{
    private sealed record Marker;

    [Fact]
    public void An_abort_before_any_actor_attaches_ends_the_response_and_no_actor_may_attach_after()
    {
        using var abort = new CancellationTokenSource();
        var lifetime = new StreamLifetime(abort.Token);
        Assert.False(lifetime.Task.IsCompleted);

        abort.Cancel();

        Assert.True(lifetime.Task.IsCompletedSuccessfully);
        Assert.False(lifetime.TryAttach(TestActor));
    }

    [Fact]
    public void A_request_already_aborted_ends_at_once()
    {
        var lifetime = new StreamLifetime(new CancellationToken(canceled: true));

        Assert.True(lifetime.Task.IsCompletedSuccessfully);
        Assert.False(lifetime.TryAttach(TestActor));
    }

    [Fact]
    public void An_abort_after_the_actor_attached_tells_the_actor_and_the_response_ends_when_the_actor_ends_it()
    {
        using var abort = new CancellationTokenSource();
        var lifetime = new StreamLifetime(abort.Token);
        Assert.True(lifetime.TryAttach(TestActor));

        abort.Cancel();

        ExpectMsg<ConnectionActor.ClientGone>();
        Assert.False(lifetime.Task.IsCompleted); // the actor may still be writing: it decides when the response ends
        lifetime.End();
        Assert.True(lifetime.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public void A_stream_that_ended_no_longer_hears_its_request_abort()
    {
        using var abort = new CancellationTokenSource();
        var lifetime = new StreamLifetime(abort.Token);
        Assert.True(lifetime.TryAttach(TestActor));
        lifetime.End();

        abort.Cancel(); // a callback would run here, on this thread, before the marker is sent
        TestActor.Tell(new Marker(), null);

        ExpectMsg<Marker>(); // nothing came before it
        Assert.True(lifetime.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Closing_the_supervisor_ends_open_streams_answers_once_none_is_open_and_ends_new_streams_at_once()
    {
        var supervisor = Sys.ActorOf(ConnectionSupervisor.Props());
        using var abort = new CancellationTokenSource();
        var open = new StreamLifetime(abort.Token);
        supervisor.Tell(new ConnectionSupervisor.Open(Props.Create(() => new AttachingStream(open)), open), TestActor);
        Assert.Equal(1, (await supervisor.Ask<ConnectionSupervisor.OpenCount>(ConnectionSupervisor.GetOpenCount.Instance, DefaultTimeout)).Count); // answered after the Open

        supervisor.Tell(ConnectionSupervisor.Close.Instance, TestActor);

        await ExpectMsgAsync<ConnectionSupervisor.Closed>();
        Assert.True(open.Task.IsCompletedSuccessfully);
        var late = new StreamLifetime(abort.Token);
        supervisor.Tell(new ConnectionSupervisor.Open(Props.Create(() => new AttachingStream(late)), late), TestActor);
        await late.Task.WaitAsync(DefaultTimeout);
        Assert.Equal(0, (await supervisor.Ask<ConnectionSupervisor.OpenCount>(ConnectionSupervisor.GetOpenCount.Instance, DefaultTimeout)).Count);
    }

    /// <summary>As a connection actor does: takes the response when it starts, ends it when it stops.</summary>
    private sealed class AttachingStream : ReceiveActor
    {
        private readonly StreamLifetime _lifetime;

        public AttachingStream(StreamLifetime lifetime)
        {
            _lifetime = lifetime;
            Receive<ConnectionActor.ClientGone>(_ => Context.Stop(Self));
        }

        protected override void PreStart()
        {
            if (!_lifetime.TryAttach(Self))
            {
                Context.Stop(Self);
            }
        }

        protected override void PostStop() => _lifetime.End();
    }
}
