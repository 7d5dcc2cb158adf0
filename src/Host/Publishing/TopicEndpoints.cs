using System.Globalization;
using System.Text.Json.Serialization;
using Akka.Actor;
using EventActors.Actors.Journal;
using EventActors.Actors.Topics;
using EventActors.Host.Auth;
using EventActors.Protocol;

namespace EventActors.Host.Publishing;

/// <summary>History and topic administration (and, through <see cref="PublishEndpoint"/>, publishing).</summary>
internal static class TopicEndpoints
{
    private const int DefaultHistoryLimit = 100;
    private const int MaxHistoryLimit = 1000; // one page of JSON history; guards response size
    private const int MaxListLimit = 1000;
    private const int StateReadsAtOnce = 16; // the topic list's reads of stored state in flight: a page costs the journal little at a time

    /// <summary>
    /// The node is captured, not bound from the request's services: resolving a parameter from
    /// DI creates a service scope per request, which a publish pays for in time and an open
    /// stream in memory.
    /// </summary>
    public static void MapTopicEndpoints(this IEndpointRouteBuilder app, EventActorsNode node, RequestAuthorization authorization)
    {
        app.MapPublishEndpoint(node, authorization);
        var topics = app.MapGroup("").AddEndpointFilter(JournalUnavailableAs503);
        topics.MapGet("/topics/{topic}/events", (HttpContext context, string topic) => HistoryAsync(context, topic, node, authorization));
        topics.MapGet("/topics/{topic}", (HttpContext context, string topic) => InfoAsync(context, topic, node, authorization));
        topics.MapGet("/topics", Task<IResult> (HttpContext context) => ListAsync(context, node, authorization));
        topics.MapDelete("/topics/{topic}", (HttpContext context, string topic) => DeleteAsync(context, topic, node, authorization));
    }

    /// <summary>
    /// A journal that cannot answer (PostgreSQL down, overloaded, a topic that could not recover)
    /// is a 503 with Retry-After on every route that reads it, not a 500: the client should come
    /// back, nothing is broken. These routes read before they return their result, so the filter
    /// sees every failure.
    /// </summary>
    private static async ValueTask<object?> JournalUnavailableAs503(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        try
        {
            return await next(invocation);
        }
        catch (Exception error) when (error is JournalException or AskTimeoutException && !invocation.HttpContext.Response.HasStarted)
        {
            invocation.HttpContext.Response.Headers.RetryAfter = "1";
            return Results.Problem(title: "Journal unavailable", detail: error.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> HistoryAsync(HttpContext context, string topic, EventActorsNode node, RequestAuthorization authorization)
    {
        if (Problem.ForTopic(topic, out var name) is { } invalid)
        {
            return invalid.ToResult();
        }

        if ((await authorization.AuthorizeReadAsync(context, TopicSet.Create(name))).Refusal is { } refused)
        {
            return refused;
        }

        if (!TryReadNumber(context, "after", 0, ulong.MaxValue, out var after, out var problem) ||
            !TryReadNumber(context, "limit", DefaultHistoryLimit, MaxHistoryLimit, out var limit, out problem))
        {
            return problem!.ToResult();
        }

        if (await StatusAsync(context, name, node) is not { Info: var info })
        {
            return new Problem(404, "No such topic", $"Topic '{name}' has no events and was never created.").ToResult();
        }

        // Read through the read journal, up to the head the topic reported: what is missing at the
        // start of that range was trimmed (retention only ever removes a topic's oldest events).
        var events = limit == 0 ? [] : await node.History.ReadAsync(name, after, info.Head, (int)limit, context.RequestAborted);
        return Results.Json(new
        {
            topic = name.Value,
            epoch = info.Epoch.ToString(),
            head = info.Head,
            firstSequence = info.FirstSequence,
            trimmed = info.IsTrimmedAfter(after) || (events.Count > 0 && events[0].Sequence > after + 1),
            events = events.Select(e => new
            {
                id = new EventCursor(info.Epoch, e.Sequence).ToString(),
                sequence = e.Sequence,
                type = e.Type?.Value,
                data = System.Text.Encoding.UTF8.GetString(e.Data.Span),
                timestamp = e.Timestamp,
            }),
        });
    }

    private static async Task<IResult> InfoAsync(HttpContext context, string topic, EventActorsNode node, RequestAuthorization authorization)
    {
        if (Problem.ForTopic(topic, out var name) is { } invalid)
        {
            return invalid.ToResult();
        }

        if ((await authorization.AuthorizeReadAsync(context, TopicSet.Create(name))).Refusal is { } refused)
        {
            return refused;
        }

        return await StatusAsync(context, name, node) is { } status
            ? Results.Json(Describe(status.Info, status.Subscribers, Cluster.ClusterEndpoints.HostPort(status.Owner)))
            : new Problem(404, "No such topic", $"Topic '{name}' does not exist.").ToResult();
    }

    private static async Task<IResult> ListAsync(HttpContext context, EventActorsNode node, RequestAuthorization authorization)
    {
        if (!TryReadNumber(context, "limit", MaxListLimit, MaxListLimit, out var limit, out var problem))
        {
            return problem!.ToResult();
        }

        // The list shows only the topics the request may read (subscribe patterns, public
        // topics): a name is information. Anonymous on a node with a key: public topics only.
        var (grants, refusal) = await authorization.AuthenticateAsync(context);
        if (grants is null)
        {
            return refusal!;
        }

        TopicName? after = null;
        if (context.Request.Query["after"].ToString() is { Length: > 0 } afterText)
        {
            if (!TopicName.TryParse(afterText, out var afterName, out var error))
            {
                return new Problem(400, "Invalid 'after'", error!).ToResult();
            }

            after = afterName;
        }

        var names = new List<TopicName>();
        while (names.Count < (int)limit)
        {
            // Pages of the catalog until the answer is full or there are no more: a filtered page
            // may be short, and a short answer means "no more" to a client.
            var page = await node.Journal.Catalog.ListAsync(after, (int)limit, context.RequestAborted);
            names.AddRange(page.Where(name => AccessPolicy.MayRead(grants, authorization.Options.PublicTopics, name)).Take((int)limit - names.Count));
            if (page.Count < (int)limit)
            {
                break;
            }

            after = page[^1];
        }

        // Each topic's stored state, read without starting its actor, a few at a time.
        var topics = new TopicInfo?[names.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Count),
            new ParallelOptions { MaxDegreeOfParallelism = StateReadsAtOnce, CancellationToken = context.RequestAborted },
            async (i, token) => topics[i] = await node.StoredStates.ReadAsync(names[i], token));
        // Subscribers as this node's topic actors count them (0 for a topic not running here).
        return Results.Json(new { topics = topics.OfType<TopicInfo>().Select(info => Describe(info, node.Gauges.SubscribersOf(info.Topic) ?? 0, owner: null)) });
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string topic, EventActorsNode node, RequestAuthorization authorization)
    {
        if (Problem.ForTopic(topic, out var name) is { } invalid)
        {
            return invalid.ToResult();
        }

        if (await authorization.RefuseUnlessAdminAsync(context) is { } refused)
        {
            return refused;
        }

        return await node.Topics.Ask<object>(new DeleteTopic(name), TimeSpan.FromSeconds(30), context.RequestAborted) switch
        {
            TopicDeleted deleted => Results.Json(new { topic = name.Value, epoch = deleted.NewEpoch.ToString() }),
            TopicNotFound => new Problem(404, "No such topic", $"Topic '{name}' does not exist.").ToResult(),
            TopicUnavailable unavailable => throw new TopicUnavailableException(unavailable),
            var other => throw new InvalidOperationException($"A topic answered {nameof(DeleteTopic)} with {other.GetType().Name}"),
        };
    }

    /// <summary>The topic's status from its actor, or null when it does not exist; a topic whose journal did not answer is a 503 (<see cref="JournalUnavailableAs503"/>).</summary>
    private static async Task<TopicStatus?> StatusAsync(HttpContext context, TopicName name, EventActorsNode node) =>
        await node.Topics.Ask<object>(new GetTopicStatus(name), TimeSpan.FromSeconds(10), context.RequestAborted) switch
        {
            TopicStatus status => status,
            TopicNotFound => null,
            TopicUnavailable unavailable => throw new TopicUnavailableException(unavailable),
            var other => throw new InvalidOperationException($"A topic answered {nameof(GetTopicStatus)} with {other.GetType().Name}"),
        };

    /// <param name="owner">The node whose shard holds the topic (<c>host:port</c>), for a single topic; the list leaves it out (it does not ask every topic).</param>
    private static TopicDescription Describe(TopicInfo info, int? subscribers, string? owner) =>
        new(info.Topic.Value, info.Epoch.ToString(), info.Head, info.FirstSequence, info.RetainedCount, subscribers, info.CreatedAt, owner);

    private sealed record TopicDescription(string Topic, string Epoch, ulong Head, ulong FirstSequence, ulong Retained, int? Subscribers,
        DateTimeOffset CreatedAt, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Owner);

    private static bool TryReadNumber(HttpContext context, string name, ulong defaultValue, ulong max, out ulong value, out Problem? problem)
    {
        problem = null;
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            value = defaultValue;
            return true;
        }

        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= max)
        {
            return true;
        }

        problem = new Problem(400, $"Invalid '{name}'", $"'{name}' must be a whole number from 0 to {max}.");
        return false;
    }
}

/// <summary>A topic answered that its journal could not give it its state.</summary>
internal sealed class TopicUnavailableException(TopicUnavailable answer) : JournalException(answer.Reason);
