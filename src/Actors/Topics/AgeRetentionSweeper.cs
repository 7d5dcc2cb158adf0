using Akka.Actor;
using Akka.Event;
using EventActors.Actors.Persistence;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>How the <see cref="AgeRetentionSweeper"/> walks the topics.</summary>
/// <param name="MaxAge">The age limit of retention: events appended longer ago than this go.</param>
/// <param name="Interval">From the end of one sweep to the start of the next.</param>
/// <param name="PageSize">Topics read from the catalog per page.</param>
/// <param name="MaxInFlight">Topics asked at once; the next ones wait for their answers.</param>
/// <param name="AskTimeout">How long one topic's answer is waited for before the sweep goes on without it.</param>
public sealed record AgeRetentionSweepSettings(TimeSpan MaxAge, TimeSpan Interval, int PageSize = 1000, int MaxInFlight = 32, TimeSpan? AskTimeout = null)
{
    public TimeSpan AnswerTimeout => AskTimeout ?? TimeSpan.FromSeconds(30);
}

/// <summary>
/// Age retention for topics whose actors are not running. A running topic applies its age limit
/// itself, once a <see cref="TopicSettings.RetentionInterval"/>; a dormant or cold one (a
/// notification topic published to once, a million of them) has no actor to do it. Once an
/// <see cref="AgeRetentionSweepSettings.Interval"/>, this walks the catalog a page at a time (one
/// query per page: each topic's oldest retained event), and asks only the topics that hold events
/// past the limit to apply it (<see cref="ApplyAgeRetention"/>, through the shard region, which
/// starts their actors), a bounded number at a time, before it reads the next page: a sweep
/// never starts every topic, nor all the old ones at once. In a cluster it runs as a singleton.
/// </summary>
public sealed class AgeRetentionSweeper : UntypedActor, IWithTimers
{
    private readonly ITopicCatalog _catalog;
    private readonly IActorRef _topics;
    private readonly AgeRetentionSweepSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TopicName? _after; // the last topic of the sweep's previous page
    private long _walked, _asked;
    private long _startedAt; // Stopwatch timestamp of the sweep's start

    public AgeRetentionSweeper(ITopicCatalog catalog, IActorRef topics, AgeRetentionSweepSettings settings, TimeProvider time)
    {
        _catalog = catalog;
        _topics = topics;
        _settings = settings;
        _time = time;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ITopicCatalog catalog, IActorRef topics, AgeRetentionSweepSettings settings, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new AgeRetentionSweeper(catalog, topics, settings, time));

    protected override void PreStart() => Timers.StartSingleTimer(StartSweep.Instance, StartSweep.Instance, _settings.Interval);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartSweep:
                _after = null;
                _walked = _asked = 0;
                _startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
                SweepNextPage();
                break;
            case PageSwept { Walked: 0 }:
                _log.Info("Age retention sweep done in {0:N1} s: {1} topics walked, {2} held events older than {3} and were asked to trim them",
                    System.Diagnostics.Stopwatch.GetElapsedTime(_startedAt).TotalSeconds, _walked, _asked, _settings.MaxAge);

                Timers.StartSingleTimer(StartSweep.Instance, StartSweep.Instance, _settings.Interval);
                break;
            case PageSwept page:
                _after = page.Last;
                _walked += page.Walked;
                _asked += page.Asked;
                SweepNextPage();
                break;
            case Status.Failure failure:
                // The journal did not answer: the sweep starts again from the beginning next time
                // (it is a walk in name order, so nothing is skipped for good).
                _log.Warning(failure.Cause, "Age retention sweep stopped after {0} topics: the topic catalog could not be read; it starts again in {1}", _walked, _settings.Interval);
                Timers.StartSingleTimer(StartSweep.Instance, StartSweep.Instance, _settings.Interval);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void SweepNextPage() =>
        SweepPageAsync(_catalog, _topics, _settings, _time.GetUtcNow() - _settings.MaxAge, _after).PipeTo(Self);

    /// <summary>One page of the catalog: its topics that hold events older than <paramref name="cutoff"/> are asked to trim them.</summary>
    private static async Task<PageSwept> SweepPageAsync(ITopicCatalog catalog, IActorRef topics, AgeRetentionSweepSettings settings, DateTimeOffset cutoff, TopicName? after)
    {
        var page = await catalog.ListAgesAsync(after, settings.PageSize).ConfigureAwait(false);
        if (page.Count == 0)
        {
            return new PageSwept(null, 0, 0);
        }

        var aged = page.Where(topic => topic.OldestEventAt < cutoff).Select(topic => topic.Topic).ToList();
        foreach (var chunk in aged.Chunk(settings.MaxInFlight))
        {
            // A topic that does not answer in time (its journal is slow, its node went away) is
            // left for the next sweep; the others go on.
            await Task.WhenAll(chunk.Select(topic => topics.Ask<AgeRetentionApplied>(new ApplyAgeRetention(topic), settings.AnswerTimeout)
                .ContinueWith(static _ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        }

        return new PageSwept(page[^1].Topic, page.Count, aged.Count);
    }

    private sealed class StartSweep
    {
        public static readonly StartSweep Instance = new();
    }

    private sealed record PageSwept(TopicName? Last, int Walked, int Asked);
}
