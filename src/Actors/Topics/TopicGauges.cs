using System.Collections.Concurrent;
using EventActors.Protocol;

namespace EventActors.Actors.Topics;

/// <summary>
/// What this node's topic actors hold, read without asking them: how many are running (/health)
/// and how many subscribers each running topic has (the topic list). Each topic actor writes its
/// own entries; readers see a moment's counts, never a blocked actor.
/// </summary>
public sealed class TopicGauges
{
    private readonly ConcurrentDictionary<TopicName, int> _subscribers = new();
    private int _running;
    private long _stopped;

    /// <summary>Topic actors running on this node.</summary>
    public int RunningTopics => Volatile.Read(ref _running);

    /// <summary>Topic actors that have stopped on this node since it started.</summary>
    public long StoppedTopics => Interlocked.Read(ref _stopped);

    /// <summary>Subscribers of <paramref name="topic"/> on this node's actor of it; null when it has none here.</summary>
    public int? SubscribersOf(TopicName topic) => _subscribers.TryGetValue(topic, out var count) ? count : null;

    internal void Started() => Interlocked.Increment(ref _running);

    internal void Stopped(TopicName topic)
    {
        Interlocked.Decrement(ref _running);
        Interlocked.Increment(ref _stopped);
        _subscribers.TryRemove(topic, out _);
    }

    internal void SubscribersChanged(TopicName topic, int count)
    {
        if (count == 0)
        {
            _subscribers.TryRemove(topic, out _);
        }
        else
        {
            _subscribers[topic] = count;
        }
    }
}
