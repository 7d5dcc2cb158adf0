using System.Text.Json;
using Akka.Actor;
using EventActors.Actors.Journal;
using EventActors.Actors.Topics;
using EventActors.Protocol;

namespace EventActors.Host.Demo;

/// <summary>
/// Feeds the demo pages on a fresh start (<c>--demo</c>): a random-walk price for each ticker
/// symbol about once a second, and a made-up headline on <c>news.world</c> about every four
/// seconds. It publishes through the topic actors, as the HTTP endpoint does, so every event is
/// journaled and resumable like any other. A failed publish is logged and the next tick goes on.
/// </summary>
internal sealed partial class DemoPublisher(EventActorsNode node, ILogger<DemoPublisher> logger) : BackgroundService
{
    /// <summary>One price per symbol per tick.</summary>
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    /// <summary>A headline every this many ticks (about every four seconds).</summary>
    private const int TicksPerHeadline = 4;

    private static readonly SseEventType PriceType = new("price");
    private static readonly SseEventType HeadlineType = new("headline");
    private static readonly TopicName NewsTopic = TopicName.Parse("news.world");

    private static readonly string[] Subjects = ["Central bank", "Researchers", "City council", "Tech giant", "Football club", "Weather service", "Space agency", "Startup"];
    private static readonly string[] Verbs = ["announces", "delays", "celebrates", "questions", "unveils", "rethinks", "doubles down on", "quietly drops"];
    private static readonly string[] Objects = ["new plan", "record quarter", "bridge repairs", "rate decision", "moon mission", "summer schedule", "open-source release", "transfer window"];

    private readonly Ticker[] _tickers =
    [
        new("AAPL", 189.30),
        new("MSFT", 415.10),
        new("GOOG", 172.60),
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, string.Join(", ", _tickers.Select(t => t.Topic.Value)), NewsTopic.Value);
        using var timer = new PeriodicTimer(TickInterval);
        var tick = 0;
        try
        {
            do
            {
                foreach (var ticker in _tickers)
                {
                    await PublishAsync(ticker.Topic, PriceType, ticker.Step(Random.Shared), stoppingToken);
                }

                if (tick++ % TicksPerHeadline == 0)
                {
                    await PublishAsync(NewsTopic, HeadlineType, Headline(Random.Shared), stoppingToken);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the host is shutting down.
        }
    }

    private async Task PublishAsync(TopicName topic, SseEventType type, byte[] data, CancellationToken cancellationToken)
    {
        try
        {
            if (await node.Topics.Ask<object>(new Publish(topic, [new NewEvent(data, type)]), node.Options.PublishTimeout, cancellationToken)
                is PublishRejected rejected)
            {
                LogPublishRejected(logger, topic.Value, rejected.Reason);
            }
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A demo keeps going: the journal may be briefly overloaded or unavailable.
            LogPublishFailed(logger, topic.Value, error);
        }
    }

    private static byte[] Headline(Random random) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        title = $"{Pick(random, Subjects)} {Pick(random, Verbs)} {Pick(random, Objects)}",
        at = DateTimeOffset.UtcNow,
    });

    private static string Pick(Random random, string[] words) => words[random.Next(words.Length)];

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo publisher started: prices on {PriceTopics}, headlines on {NewsTopic}")]
    private static partial void LogStarted(ILogger logger, string priceTopics, string newsTopic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo publish to {Topic} was not committed ({Reason}); going on with the next tick")]
    private static partial void LogPublishRejected(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo publish to {Topic} failed; going on with the next tick")]
    private static partial void LogPublishFailed(ILogger logger, string topic, Exception error);

    /// <summary>One symbol's random walk; <c>change</c> is against the opening price.</summary>
    private sealed class Ticker(string symbol, double open)
    {
        /// <summary>Standard deviation of one step, as a fraction of the price (0.2 %).</summary>
        private const double Volatility = 0.002;

        private readonly double _open = open;
        private double _price = open;

        public TopicName Topic { get; } = TopicName.Parse("stocks." + symbol);

        public byte[] Step(Random random)
        {
            // Box-Muller: a normal step, so the walk looks like a price rather than a staircase.
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            _price = Math.Max(0.01, _price * (1 + Volatility * normal));
            return JsonSerializer.SerializeToUtf8Bytes(new
            {
                symbol,
                price = Math.Round(_price, 2),
                change = Math.Round(_price - _open, 2),
            });
        }
    }
}
