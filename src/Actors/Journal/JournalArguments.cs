using EventActors.Protocol;

namespace EventActors.Actors.Journal;

/// <summary>
/// The argument checks every <see cref="IEventJournal"/> makes at the call, before anything is
/// queued: the same rules, and the same messages, whichever store is behind it.
/// </summary>
internal static class JournalArguments
{
    /// <summary>Most keys one <see cref="IEventJournal.FindIdempotencyKeysAsync"/> looks up: a batch's worth, with room.</summary>
    public const int MaxKeysPerLookup = 10_000;

    public static void ValidateKeys(TopicName topic, IReadOnlyCollection<string> keys)
    {
        ValidateTopic(topic, nameof(topic));
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count > MaxKeysPerLookup)
        {
            throw new ArgumentException($"A lookup carries at most {MaxKeysPerLookup} keys; this one has {keys.Count}.", nameof(keys));
        }
    }

    /// <param name="optionsType">The options record whose limits apply, named in the messages (e.g. <c>SqliteJournalOptions</c>).</param>
    public static void ValidateAppend(AppendRequest request, int maxEventsPerAppend, int maxEventBytes, string optionsType)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateTopic(request.Topic, nameof(request));
        ArgumentNullException.ThrowIfNull(request.Events);
        if (request.Events.Count == 0 || request.Events.Count > maxEventsPerAppend)
        {
            throw new ArgumentException(
                $"An append carries 1 to {maxEventsPerAppend} events ({optionsType}.MaxEventsPerAppend); this one has {request.Events.Count}.", nameof(request));
        }

        foreach (var item in request.Events)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(request));
            if (item.Data.Length > maxEventBytes)
            {
                throw new ArgumentException(
                    $"An event's data is at most {maxEventBytes} bytes ({optionsType}.MaxEventBytes); this one has {item.Data.Length}.", nameof(request));
            }
        }

        if (request.ExpectedHead > IEventJournal.MaxSequence)
        {
            throw new ArgumentOutOfRangeException(nameof(request), $"ExpectedHead is at most {IEventJournal.MaxSequence}.");
        }
    }

    public static void ValidateRetention(Retention retention)
    {
        ArgumentNullException.ThrowIfNull(retention);
        if (retention.MaxAge < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(retention), "Retention.MaxAge cannot be negative.");
        }
    }

    public static void ValidateTopic(TopicName topic, string parameter)
    {
        if (topic == default)
        {
            throw new ArgumentException("default(TopicName) names no topic.", parameter);
        }
    }

    /// <summary>The size limits both journals' options share; throws naming the first one out of range.</summary>
    public static void ValidateLimits(string optionsType, int maxEventsPerAppend, int maxEventBytes, int maxEventsPerTransaction, int maxPendingWrites, int maxEventsPerRead)
    {
        foreach (var (name, value) in new[]
        {
            ("MaxEventsPerAppend", maxEventsPerAppend), ("MaxEventBytes", maxEventBytes), ("MaxEventsPerTransaction", maxEventsPerTransaction),
            ("MaxPendingWrites", maxPendingWrites), ("MaxEventsPerRead", maxEventsPerRead),
        })
        {
            if (value < 1)
            {
                throw new ArgumentException($"{optionsType}.{name} must be at least 1; it is {value}.", name);
            }
        }

        if (maxEventsPerTransaction < maxEventsPerAppend)
        {
            throw new ArgumentException(
                $"{optionsType}.MaxEventsPerTransaction must be at least MaxEventsPerAppend ({maxEventsPerAppend}) so that any append fits in one transaction; it is {maxEventsPerTransaction}.",
                "MaxEventsPerTransaction");
        }
    }
}
