using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace EventActors.Host.Tests;

/// <summary>The publish and admin calls the tests make, as a client would make them.</summary>
public static class Api
{
    public sealed record Published(string Id, ulong Sequence, bool Duplicate);

    public static async Task<Published> PublishAsync(this HttpClient client, string topic, string data, string? type = null, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post,
            $"/topics/{topic}/events" + (type is null ? "" : "?type=" + Uri.EscapeDataString(type)))
        {
            Content = new StringContent(data, Encoding.UTF8, "text/plain"),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new HttpRequestException($"publish to {topic}: {(int)response.StatusCode} {body}");
        }

        return ReadPublished(body).Single();
    }

    public static async Task<IReadOnlyList<Published>> PublishBatchAsync(this HttpClient client, string topic, IEnumerable<string> lines)
    {
        var content = new StringContent(string.Join("\n", lines), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var response = await client.PostAsync($"/topics/{topic}/events", content);
        var body = await response.Content.ReadAsStringAsync();
        return response.StatusCode == HttpStatusCode.Created
            ? ReadPublished(body)
            : throw new HttpRequestException($"batch to {topic}: {(int)response.StatusCode} {body}");
    }

    private static List<Published> ReadPublished(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("events").EnumerateArray()
            .Select(e => new Published(e.GetProperty("id").GetString()!, e.GetProperty("sequence").GetUInt64(), e.GetProperty("duplicate").GetBoolean()))
            .ToList();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Polls the topic until it has <paramref name="count"/> subscribers (a 404 counts as none yet).</summary>
    public static async Task WaitForSubscribersAsync(this HttpClient client, string topic, int count)
    {
        var deadline = DateTime.UtcNow + SseStream.ReadTimeout;
        while (true)
        {
            var response = await client.GetAsync($"/topics/{topic}");
            if (response.IsSuccessStatusCode)
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                if (json.RootElement.GetProperty("subscribers").GetInt32() >= count)
                {
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{topic} did not reach {count} subscribers");
            }
        }
    }

    /// <summary>Polls <c>/health</c> until <paramref name="condition"/> holds or <paramref name="within"/> has passed; returns the last answer.</summary>
    public static async Task<JsonElement> WaitForHealthAsync(this HttpClient client, Func<JsonElement, bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var health = await client.GetJsonAsync("/health");
            if (condition(health) || DateTime.UtcNow > deadline)
            {
                return health;
            }

            await Task.Yield();
        }
    }
}
