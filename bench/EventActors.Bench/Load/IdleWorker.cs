namespace EventActors.Bench.Load;

/// <summary>
/// One generator process of an idle run split over several (<c>--worker-index I</c>, started
/// by <see cref="IdleCoordinator"/>): opens its share of the streams, reports them connected,
/// waits for the coordinator to sample the server, holds them, and reports how they fared.
/// </summary>
internal static class IdleWorker
{
    public static async Task<int> RunAsync(LoadOptions share, int index, int processes)
    {
        var channel = GeneratorChannel.Open();
        await using var run = LoadRun.Create(share, publishes: false);
        var sources = run.Subscribers.SourceAddresses;
        Console.Error.WriteLine($"generator process {index} of {processes}: connections {share.FirstSubscriber:N0} to " +
                                $"{share.FirstSubscriber + share.Subscribers - 1:N0}, " +
                                (sources.Count == 0 ? "no source addresses" : $"source addresses {sources[0]} to {sources[^1]}"));
        var before = run.Generator.TakeSample();
        var connect = await run.ConnectAsync();
        await channel.SendAsync(IdleWorkerMessages.Connected, new IdleWorkerConnected(connect));

        // The coordinator lets every process's streams settle, samples the server, then says hold.
        await channel.WaitForAsync(IdleWorkerMessages.Hold);

        var after = run.Generator.TakeSample();
        await run.PublishAsync(); // no publisher: holds for the duration, sampling CPU over it
        await channel.SendAsync(IdleWorkerMessages.Held, new IdleWorkerHeld(
            IdleHoldCounts.Of(run.Subscribers.Connections),
            before is { } b && after is { } a ? a.RssKiB - b.RssKiB : null,
            run.Generator.MaxRssMiB,
            run.GeneratorCpuPercent));
        return 0;
    }
}
