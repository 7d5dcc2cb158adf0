using System.Globalization;
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
    /// A journal that cannot answer (PostgreSQL down, overloaded) is a 503 with Retry-After on
    /// every route that reads it, not a 500: the client should come back, nothing is broken. These
    /// routes read the journal before they return their result, so the filter sees every failure.
    /// </summary>
    private static async ValueTask<object?> JournalUnavailableAs503(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        try
        {
            return await next(invocation);
        }
        catch (Exception error) when (error is JournalException && !invocation.HttpContext.Response.HasStarted)
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

        var page = await node.Journal.ReadAsync(name, after, (int)limit, cancellationToken: context.RequestAborted);
        if (page.Topic is not { } info)
        {
            return new Problem(404, "No such topic", $"Topic '{name}' has no events and was never created.").ToResult();
        }

        return Results.Json(new
        {
            topic = name.Value,
            epoch = info.Epoch.ToString(),
            head = info.Head,
            firstSequence = info.FirstSequence,
            trimmed = info.IsTrimmedAfter(after),
            events = page.Events.Select(e => new
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

        if (await node.Journal.GetTopicAsync(name, context.RequestAborted) is null)
        {
            return new Problem(404, "No such topic", $"Topic '{name}' does not exist.").ToResult();
        }

        return await node.Topics.Ask<object>(new GetTopicStatus(name), TimeSpan.FromSeconds(10), context.RequestAborted) switch
        {
            TopicStatus status => Results.Json(Describe(status.Info, status.Subscribers)),
            var other => Unavailable(context, other),
        };
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

        var topics = new List<TopicInfo>();
        while (topics.Count < (int)limit)
        {
            // Pages of the journal until the answer is full or the journal has no more: a
            // filtered page may be short, and a short answer means "no more" to a client.
            var page = await node.Journal.ListTopicsAsync(after, (int)limit, context.RequestAborted);
            topics.AddRange(page.Where(info => AccessPolicy.MayRead(grants, authorization.Options.PublicTopics, info.Topic)).Take((int)limit - topics.Count));
            if (page.Count < (int)limit)
            {
                break;
            }

            after = page[^1].Topic;
        }

        var counts = (await node.Topics.Ask<SubscriberCounts>(GetSubscriberCounts.Instance, TimeSpan.FromSeconds(10), context.RequestAborted)).ByTopic;
        return Results.Json(new { topics = topics.Select(info => Describe(info, counts.GetValueOrDefault(info.Topic))) });
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

        if (await node.Journal.GetTopicAsync(name, context.RequestAborted) is null)
        {
            return new Problem(404, "No such topic", $"Topic '{name}' does not exist.").ToResult();
        }

        return await node.Topics.Ask<object>(new DeleteTopic(name), TimeSpan.FromSeconds(30), context.RequestAborted) switch
        {
            TopicDeleted deleted => Results.Json(new { topic = name.Value, epoch = deleted.NewEpoch.ToString() }),
            var other => Unavailable(context, other),
        };
    }

    /// <summary>A topic whose journal did not answer: 503 with Retry-After, as for the journal itself.</summary>
    private static IResult Unavailable(HttpContext context, object answer)
    {
        if (answer is not TopicUnavailable unavailable)
        {
            throw new InvalidOperationException($"A topic answered with {answer.GetType().Name}");
        }

        context.Response.Headers.RetryAfter = "1";
        return Results.Problem(title: "Journal unavailable", detail: unavailable.Reason, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static object Describe(TopicInfo info, int? subscribers) => new
    {
        topic = info.Topic.Value,
        epoch = info.Epoch.ToString(),
        head = info.Head,
        firstSequence = info.FirstSequence,
        retained = info.RetainedCount,
        subscribers,
        createdAt = info.CreatedAt,
    };

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
