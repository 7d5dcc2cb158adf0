using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace EventActors.Bench.Load;

/// <summary>
/// Many topics, one event each (the notification pattern: a topic per user): publishes one event
/// to each of N distinct topics, each a first publish to a topic that did not exist, and reports
/// the server's RSS per live topic and the latency of those first publishes. With
/// <c>--rounds 2</c> it publishes a second event to every topic: after the idle timeout (they
/// passivated meanwhile), that is the latency of a first publish to a cold topic. With
/// <c>--await-dormant</c> it waits after round 1 until no topic actor runs (every topic passivated
/// into the node's dormant table, or cold), then <c>--settle-seconds</c> again, and reports the
/// RSS per topic then too.
/// </summary>
internal sealed class TopicsBenchmark : IBenchmark
{
    public string Description => "many topics, one event each: server RSS per live topic, latency of first publishes (new or cold topics)";

    public string Usage => "--pub-url http://HOST:PORT/topics/{topic}/events --topics 100000 [--concurrency 64] [--payload-bytes 100] [--prefix bench.topics] " +
                           "[--rounds 1] [--pause-seconds 0] [--settle-seconds 5] [--await-dormant] [--server-pid PID] [--json]";

    public async Task<int> RunAsync(BenchmarkOptions options)
    {
        // --pub-url as the other scenarios take it (bench/peers/ab.sh passes it, with --server-pid).
        var template = options.String("pub-url") ?? throw new BenchmarkOptionException("--pub-url is required (a publish URL template with {topic})");
        if (!template.Contains("{topic}", StringComparison.Ordinal))
        {
            throw new BenchmarkOptionException("--pub-url must contain {topic}");
        }

        var origin = new Uri(template.Replace("{topic}", "x", StringComparison.Ordinal)).GetLeftPart(UriPartial.Authority);
        var topics = options.Int("topics", 100_000);
        var concurrency = options.Int("concurrency", 64);
        var payload = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new string('x', Math.Max(0, options.Int("payload-bytes", 100) - 2))));
        var prefix = options.String("prefix") ?? $"bench.topics.{Environment.ProcessId}";
        var rounds = options.Int("rounds", 1);
        var pause = TimeSpan.FromSeconds(options.Int("pause-seconds", 0));
        var settle = TimeSpan.FromSeconds(options.Int("settle-seconds", 5));
        var awaitDormant = options.Flag("await-dormant");
        await using var sampler = options.String("server-pid") is { } pid ? new ProcessSampler(int.Parse(pid)) : null;

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(origin), Timeout = TimeSpan.FromSeconds(60) };
        var report = new LoadReport("topics");
        report.Set("topics", topics);
        report.Set("concurrency", concurrency);
        report.Set("payloadBytes", payload.Length);
        var before = sampler?.TakeSample();
        report.Set("serverRssBeforeMiB", before?.RssKiB / 1024.0, 1);
        for (var round = 1; round <= rounds; round++)
        {
            if (round > 1 && pause > TimeSpan.Zero)
            {
                Console.Error.WriteLine($"topics: waiting {pause.TotalSeconds:F0} s before round {round} (the topics passivate meanwhile)");
                await Task.Delay(pause);
            }

            var (latency, errors, seconds) = await PublishToEveryTopicAsync(client, template, prefix, topics, concurrency, payload);
            Console.Error.WriteLine($"topics: round {round}: {topics:N0} publishes in {seconds:F1} s, {errors} errors, p50 {LoadReport.Ms(latency.PercentileMillis(0.5))} ms, p99 {LoadReport.Ms(latency.PercentileMillis(0.99))} ms");
            report.Set($"round{round}PublishesPerSecond", topics / seconds, 1);
            report.Set($"round{round}Errors", errors);
            report.Set($"round{round}P50Ms", latency.PercentileMillis(0.5));
            report.Set($"round{round}P99Ms", latency.PercentileMillis(0.99));
            if (round == 1)
            {
                await Task.Delay(settle);
                var health = await client.GetFromJsonAsync<JsonElement>("/health");
                var after = sampler?.TakeSample();
                var running = health.TryGetProperty("topicActors", out var count) ? count.GetInt32() : -1;
                report.Set("topicActorsRunning", running);
                report.Set("serverRssAfterMiB", after?.RssKiB / 1024.0, 1);
                if (before is { } b && after is { } a)
                {
                    var perTopic = BytesPerTopic(b, a, topics);
                    report.Set("serverBytesPerTopic", Math.Round(perTopic));
                    Console.Error.WriteLine($"topics: server RSS {b.RssKiB / 1024.0:F1} -> {a.RssKiB / 1024.0:F1} MiB, {perTopic:N0} B per topic, {running:N0} topic actors running");
                }

                if (awaitDormant)
                {
                    await ReportDormantAsync(client, sampler, before, topics, settle, report);
                }
            }
        }

        report.Print(options.Json);
        return 0;
    }

    /// <summary>Waits until no topic actor runs (polling /health each second), then samples the server's RSS.</summary>
    private static async Task ReportDormantAsync(HttpClient client, ProcessSampler? sampler, ProcessSampler.Sample? before, int topics, TimeSpan settle, LoadReport report)
    {
        var waited = Stopwatch.StartNew();
        JsonElement health;
        while ((health = await client.GetFromJsonAsync<JsonElement>("/health")).GetProperty("topicActors").GetInt32() > 0)
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(30))
            {
                throw new TimeoutException("topic actors still running 30 minutes after the publishes: is TopicIdleTimeout that long?");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        // Settled again: the node gives the stopped actors' memory back after the wave (checked every 30 s).
        await Task.Delay(settle);
        var dormant = health.TryGetProperty("dormantTopics", out var count) ? count.GetInt32() : -1;
        var after = sampler?.TakeSample();
        report.Set("dormantTopics", dormant);
        report.Set("secondsUntilDormant", waited.Elapsed.TotalSeconds, 1);
        report.Set("serverRssDormantMiB", after?.RssKiB / 1024.0, 1);
        if (before is { } b && after is { } a)
        {
            var perTopic = BytesPerTopic(b, a, topics);
            report.Set("serverBytesPerDormantTopic", Math.Round(perTopic));
            Console.Error.WriteLine($"topics: no topic actor running after {waited.Elapsed.TotalSeconds:F0} s, {dormant:N0} dormant; server RSS {a.RssKiB / 1024.0:F1} MiB, {perTopic:N0} B per topic");
        }
    }

    /// <summary>What the server's RSS grew by, per topic.</summary>
    private static double BytesPerTopic(ProcessSampler.Sample before, ProcessSampler.Sample after, int topics) =>
        (after.RssKiB - before.RssKiB) * 1024.0 / topics;

    /// <summary>One event to each topic, <paramref name="concurrency"/> publishes in flight; each publish timed.</summary>
    private static async Task<(LatencyHistogram Latency, long Errors, double Seconds)> PublishToEveryTopicAsync(
        HttpClient client, string template, string prefix, int topics, int concurrency, byte[] payload)
    {
        var latency = new LatencyHistogram();
        long errors = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var own = new LatencyHistogram();
            int index;
            while ((index = Interlocked.Increment(ref next)) < topics)
            {
                var started = LoadClock.Micros();
                using var content = new ByteArrayContent(payload);
                content.Headers.ContentType = new("application/json");
                try
                {
                    using var response = await client.PostAsync(template.Replace("{topic}", $"{prefix}.{index}", StringComparison.Ordinal), content);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }

                own.Record(LoadClock.Micros() - started);
            }

            lock (latency)
            {
                latency.Add(own);
            }
        })));
        return (latency, errors, clock.Elapsed.TotalSeconds);
    }
}
