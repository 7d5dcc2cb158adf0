using System.Text.Json;
using Akka.Actor;
using EventActors.Actors.Journal;
using EventActors.Actors.Topics;
using EventActors.Host.Auth;
using EventActors.Host.Limits;
using EventActors.Protocol;

namespace EventActors.Host.Publishing;

/// <summary>
/// <c>POST /topics/{topic}/events</c>: answered after the commit, with the ids the events got.
/// </summary>
/// <remarks>
/// A plain request delegate, and its 201 written with a <see cref="Utf8JsonWriter"/> straight into
/// the response: publishing is the per-request hot path, and a minimal-API handler with an endpoint
/// filter and a serialized anonymous object cost it an invocation context, a service scope and the
/// serializer's frames on every publish (docs/benchmarks.md, the move to Akka.NET). It reads no
/// journal itself (the topic answers with typed replies), so it needs no journal-error filter.
/// </remarks>
internal static class PublishEndpoint
{
    public static void MapPublishEndpoint(this IEndpointRouteBuilder app, EventActorsNode node, RequestAuthorization authorization) =>
        app.MapPost("/topics/{topic}/events", context => PublishAsync(context, node, authorization))
            .WithRateLimit(RateLimits.PublishPolicy, node.Options.Limits.LimitsPublishes);

    private static async Task PublishAsync(HttpContext context, EventActorsNode node, RequestAuthorization authorization)
    {
        var result = await PublishOrProblemAsync(context, node, authorization);
        if (result is not null)
        {
            await result.ExecuteAsync(context);
        }
    }

    /// <summary>Publishes and writes the 201 itself; returns the problem to answer instead, if any.</summary>
    private static async Task<IResult?> PublishOrProblemAsync(HttpContext context, EventActorsNode node, RequestAuthorization authorization)
    {
        if (Problem.ForTopic(context.Request.RouteValues["topic"] as string ?? "", out var name) is { } invalid)
        {
            return invalid.ToResult();
        }

        if (await authorization.RefusePublishAsync(context, name) is { } refused)
        {
            return refused; // before the body is read: an unauthorized client's upload costs nothing
        }

        var (inputs, problem) = await PublishInputReader.ReadAsync(context.Request, node.Options, context.RequestAborted);
        if (problem is not null)
        {
            return problem.ToResult();
        }

        var events = new NewEvent[inputs!.Count];
        for (var i = 0; i < events.Length; i++)
        {
            var input = inputs[i];
            events[i] = new NewEvent(input.Data, input.Type is null ? null : new SseEventType(input.Type), input.IdempotencyKey);
        }

        object answer;
        try
        {
            answer = await node.Topics.Ask<object>(new Publish(name, events), node.Options.PublishTimeout, context.RequestAborted);
        }
        catch (AskTimeoutException)
        {
            // The commit may still happen after we stop waiting: say so, so that a publisher
            // retries with the same key instead of assuming nothing was written.
            return OutcomeUnknown(context, $"The event was not acknowledged within {node.Options.PublishTimeout.TotalSeconds:0.###} s; it may still be committed.");
        }

        switch (answer)
        {
            case PublishAccepted accepted:
                await WriteAcceptedAsync(context.Response, accepted);
                return null;
            case PublishRejected { OutcomeUnknown: true } rejected:
                return OutcomeUnknown(context, $"The journal lost track of the event while committing it; it may have been committed ({rejected.Reason}).");
            case PublishRejected rejected:
                // Nothing is acknowledged that was not committed; the publisher may retry.
                return Unavailable(context, "Not committed", $"The event was not written: {rejected.Reason}");
            default:
                throw new InvalidOperationException($"A topic answered a publish with {answer.GetType().Name}");
        }
    }

    /// <summary>A 503 whose events may have been committed: a retry must carry the same keys.</summary>
    private static IResult OutcomeUnknown(HttpContext context, string what) => Unavailable(context, "Outcome unknown",
        what + " Retry with the same Idempotency-Key: a retry of an event that was committed appends nothing.");

    /// <summary>503 with Retry-After: the publisher should come back, nothing is broken.</summary>
    private static IResult Unavailable(HttpContext context, string title, string detail)
    {
        context.Response.Headers.RetryAfter = "1";
        return new Problem(503, title, detail).ToResult();
    }

    /// <summary><c>{"topic":…,"epoch":…,"events":[{"id":…,"sequence":…,"duplicate":…}]}</c>, as docs/api.md shows it.</summary>
    private static async Task WriteAcceptedAsync(HttpResponse response, PublishAccepted accepted)
    {
        response.StatusCode = StatusCodes.Status201Created;
        response.ContentType = "application/json; charset=utf-8";
        var epoch = accepted.Epoch.ToString();
        await using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("topic", accepted.Topic.Value);
            json.WriteString("epoch", epoch);
            json.WriteStartArray("events");
            foreach (var appended in accepted.Events)
            {
                json.WriteStartObject();
                json.WriteString("id", new EventCursor(accepted.Epoch, appended.Sequence).ToString());
                json.WriteNumber("sequence", appended.Sequence);
                json.WriteBoolean("duplicate", appended.Duplicate);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync();
    }
}
