using System.Net;
using System.Net.ServerSentEvents;

namespace EventActors.Host.Tests;

/// <summary>An open SSE stream read with the platform's own <see cref="SseParser"/>.</summary>
public sealed class SseStream : IAsyncDisposable
{
    /// <summary>
    /// The longest a read waits: a deadline that only a broken server reaches, however loaded the
    /// machine (a read returns as soon as its event arrives, so this costs nothing when all is well).
    /// </summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromMinutes(2);

    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _closed = new();
    private readonly SseParser<string> _parser;
    private readonly IAsyncEnumerator<SseItem<string>> _items;

    private SseStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _parser = SseParser.Create(body);
        _items = _parser.EnumerateAsync(_closed.Token).GetAsyncEnumerator(_closed.Token);
    }

    public HttpResponseMessage Response => _response;

    /// <summary>The id a browser would send on reconnection.</summary>
    public string LastEventId => _parser.LastEventId;

    public static async Task<SseStream> OpenAsync(HttpClient client, string path, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return new SseStream(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next event; throws when the stream ends or nothing comes within <see cref="ReadTimeout"/>.</summary>
    public async Task<SseItem<string>> NextAsync()
    {
        var moved = await _items.MoveNextAsync().AsTask().WaitAsync(ReadTimeout);
        return moved ? _items.Current : throw new EndOfStreamException("The server ended the stream");
    }

    public async Task<List<SseItem<string>>> TakeAsync(int count)
    {
        var items = new List<SseItem<string>>(count);
        while (items.Count < count)
        {
            items.Add(await NextAsync());
        }

        return items;
    }

    /// <summary>Whether the server ends the stream (rather than sending another event).</summary>
    public async Task<bool> EndsAsync()
    {
        try
        {
            return !await _items.MoveNextAsync().AsTask().WaitAsync(ReadTimeout);
        }
        catch (Exception error) when (error is HttpIOException or IOException)
        {
            return true; // the connection closed under the read
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closed.CancelAsync();
        _response.Dispose();
        try
        {
            await _items.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
        }

        _closed.Dispose();
    }
}
