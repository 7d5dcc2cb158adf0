using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace EventActors.Bench.Load;

/// <summary>Why a subscriber's connection ended.</summary>
internal enum ConnectionEnd
{
    Open,
    ClosedByUs,
    ClosedByServer,   // end of stream: FIN, or the end of a chunked or sized body
    Reset,            // a socket error: RST, or the socket failed
    Refused,          // no 200 response: a status, a malformed head, a connect error, a timeout
    ProtocolError,    // broken chunked framing, or a line beyond SseParser.MaxBytes
}

/// <summary>
/// One subscriber: a raw socket speaking HTTP/1.1 to one SSE stream, so that 20,000 of them fit
/// in a few KB each (an HttpClient request per stream costs far more). One async receive loop
/// per connection; it waits for data with a zero-byte receive, and only then rents a buffer from
/// the shared pool, reads what is there and gives the buffer back, so an idle connection holds
/// no buffer (Kestrel does the same). It parses the response head, then the body, chunked or
/// not, then SSE, and checks every event's sequence number. The checker and the last event id
/// survive a reconnection, so a resumed stream is checked as one.
/// </summary>
internal sealed class SseClientConnection : ISseEventSink
{
    private const int ReceiveBufferBytes = 16 * 1024;
    private const int IpProtocolLevel = 0;        // SOL_IP
    private const int IpBindAddressNoPort = 24;   // IP_BIND_ADDRESS_NO_PORT, Linux 4.2+

    private readonly SubscriberTarget _target;
    private readonly IPAddress? _source;
    private readonly LoadWindow _window;
    private readonly LatencyRecorder _latency;
    private readonly SseParser _parser = new();
    private ChunkedBodyDecoder? _chunked;
    private Socket? _socket;
    private Task _loop = Task.CompletedTask;
    private TaskCompletionSource<bool>? _headReceived;
    private TaskCompletionSource? _pauseGate;
    private volatile bool _closing;
    private byte[]? _head;            // rented only while the response head is being read
    private int _headLength;
    private bool _inBody;
    private BodyFraming _framing;
    private long _bodyRemaining;      // for BodyFraming.ContentLength
    private long _now;                // when the bytes being parsed arrived

    public SseClientConnection(int index, int topic, int lanes, SubscriberTarget target, IPAddress? source, LoadWindow window, LatencyRecorder latency)
    {
        Index = index;
        Topic = topic;
        Checker = new SequenceChecker(lanes);
        _target = target;
        _source = source;
        _window = window;
        _latency = latency;
    }

    public int Index { get; }

    public int Topic { get; }

    public SequenceChecker Checker { get; }

    public ConnectionEnd End { get; private set; } = ConnectionEnd.Open;

    public string? FailureReason { get; private set; }

    public bool IsOpen => _inBody && End == ConnectionEnd.Open;

    /// <summary>SO_RCVBUF for the next connection, or null for the system's auto-tuned default.</summary>
    public int? SocketReceiveBufferBytes { get; set; }

    /// <summary>Leave this subscriber's deliveries out of the latency histogram (it stopped reading on purpose).</summary>
    public bool ExcludeFromLatency { get; set; }

    // Counters, written only by the receive loop and read by the run when it reports.
    public long Events { get; private set; }             // every dispatched SSE event, ours or not

    public long EventsInWindow { get; private set; }     // ours, received inside the measured window

    public long Comments { get; private set; }           // heartbeats and other comment lines

    public long Resets { get; private set; }             // eventactors.reset events (our server's "cannot resume exactly")

    public long OtherEvents { get; private set; }        // events of another type, not ours

    public long Malformed { get; private set; }          // message events whose data is not our payload

    public long Misrouted { get; private set; }          // our payload, but published to another topic

    public long? RetryMilliseconds { get; private set; }

    public long ConnectedAtMicros { get; private set; }  // response head received, on the latest connection

    public long FirstBodyAtMicros { get; private set; }  // first body byte, on the latest connection

    public long FirstEventAtMicros { get; private set; } // first of our events, on the latest connection

    public long EndedAtMicros { get; private set; }      // when the latest connection ended, 0 while open

    /// <summary>Connection attempts, successful or not.</summary>
    public int Connections { get; private set; }

    /// <summary>A response head with 200 arrived at least once: this subscriber's losses count.</summary>
    public bool EverConnected { get; private set; }

    /// <summary>
    /// Opens the stream: connects (from the source address, if any), sends the request (with
    /// Last-Event-ID when resuming and an id was received) and waits for the response head.
    /// False, with <see cref="FailureReason"/>, when no 200 came.
    /// </summary>
    public async Task<bool> ConnectAsync(bool resume, TimeSpan timeout)
    {
        _parser.Reset();
        _chunked?.Reset();
        _inBody = false;
        _headLength = 0;
        _closing = false;
        End = ConnectionEnd.Open;
        FailureReason = null;
        ConnectedAtMicros = FirstBodyAtMicros = FirstEventAtMicros = EndedAtMicros = 0;
        Connections++;

        var socket = new Socket(_target.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket = socket;
        var headReceived = _headReceived = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            if (SocketReceiveBufferBytes is { } receiveBuffer)
            {
                socket.ReceiveBufferSize = receiveBuffer; // before connect, so the window it advertises is the small one
            }

            if (_source is not null)
            {
                // Each loopback source address has its own 28,232 ephemeral ports: binding to
                // 127.0.0.2, .3, … is how one machine opens more connections than that to one server port.
                // IP_BIND_ADDRESS_NO_PORT: the port is then chosen by connect(), which only needs
                // the 4-tuple to be unique; bind() with port 0 scans for a port unused by any
                // socket, TIME_WAIT included, and slows down badly as the range fills.
                try
                {
                    socket.SetRawSocketOption(IpProtocolLevel, IpBindAddressNoPort, BitConverter.GetBytes(1));
                }
                catch (SocketException)
                {
                    // a kernel without the option: bind() picks the port, only more slowly
                }

                socket.Bind(new IPEndPoint(_source, 0));
            }

            await socket.ConnectAsync(_target.Endpoint, deadline.Token);
            var request = resume && _parser.LastEventId.Length > 0 ? _target.RequestResumingAfter(_parser.LastEventId) : _target.Request;
            for (var sent = 0; sent < request.Length;)
            {
                sent += await socket.SendAsync(request.AsMemory(sent), SocketFlags.None, deadline.Token);
            }

            _loop = ReceiveLoopAsync(socket);
            if (await headReceived.Task.WaitAsync(deadline.Token))
            {
                return true;
            }
        }
        catch (SocketException error)
        {
            FailureReason ??= $"connect: {error.SocketErrorCode}";
        }
        catch (OperationCanceledException)
        {
            FailureReason ??= "timeout waiting for the response head";
        }

        End = ConnectionEnd.Refused;
        _closing = true;
        socket.Dispose();
        await _loop;
        return false;
    }

    /// <summary>Closes the socket (as a client going away would) and waits for the receive loop to end.</summary>
    public async Task CloseAsync()
    {
        _closing = true;
        _socket?.Dispose();
        Resume();
        await _loop;
    }

    /// <summary>Stops reading the socket (from the next read on): the server's writes back up as they would for a stalled client.</summary>
    public void Pause() => Interlocked.CompareExchange(ref _pauseGate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    public void Resume() => Interlocked.Exchange(ref _pauseGate, null)?.TrySetResult();

    private async Task ReceiveLoopAsync(Socket socket)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                // Wait for data without holding a buffer; a paused subscriber waits here, leaving
                // what arrived in the kernel's socket buffer.
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                if (Volatile.Read(ref _pauseGate) is { } gate)
                {
                    await gate.Task;
                }

                buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
                int read;
                do
                {
                    read = await socket.ReceiveAsync(buffer, SocketFlags.None);
                    if (read == 0)
                    {
                        Finish(ConnectionEnd.ClosedByServer, "the server closed the connection");
                        return;
                    }

                    if (!OnReceived(buffer.AsSpan(0, read)))
                    {
                        return;
                    }
                }
                // A full buffer suggests more is waiting; anything less, back to waiting without
                // a buffer (asking with socket.Available would cost a syscall per read).
                while (read == buffer.Length && Volatile.Read(ref _pauseGate) is null);

                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            Finish(ConnectionEnd.Reset, error is SocketException socketError ? $"socket: {socketError.SocketErrorCode}" : "socket closed");
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (_head is not null)
            {
                ArrayPool<byte>.Shared.Return(_head);
                _head = null;
            }

            socket.Dispose();
            _headReceived?.TrySetResult(false);
        }
    }

    /// <summary>Handles bytes just read; false when the connection is finished.</summary>
    private bool OnReceived(ReadOnlySpan<byte> bytes)
    {
        _now = LoadClock.Micros(); // one timestamp per read: every event in it arrived together
        if (!_inBody)
        {
            var already = _headLength;
            _head ??= ArrayPool<byte>.Shared.Rent(HttpResponseHead.MaxBytes);
            var copied = Math.Min(bytes.Length, HttpResponseHead.MaxBytes - already);
            bytes[..copied].CopyTo(_head.AsSpan(already));
            _headLength += copied;
            var end = HttpResponseHead.FindEnd(_head.AsSpan(0, _headLength));
            if (end < 0)
            {
                return _headLength < HttpResponseHead.MaxBytes || Fail(ConnectionEnd.Refused, "response head over 16 KiB");
            }

            if (!HttpResponseHead.TryParse(_head.AsSpan(0, end), out var head))
            {
                return Fail(ConnectionEnd.Refused, "not an HTTP/1.x response");
            }

            ArrayPool<byte>.Shared.Return(_head);
            _head = null;
            if (head.Status != 200)
            {
                return Fail(ConnectionEnd.Refused, $"status {head.Status}");
            }

            _inBody = true;
            _framing = head.Framing;
            _bodyRemaining = head.ContentLength;
            if (_framing == BodyFraming.Chunked)
            {
                _chunked ??= new ChunkedBodyDecoder();
            }

            ConnectedAtMicros = _now;
            EverConnected = true;
            _headReceived?.TrySetResult(true);
            bytes = bytes[(end - already)..];
            if (bytes.IsEmpty)
            {
                return true;
            }
        }

        if (FirstBodyAtMicros == 0)
        {
            FirstBodyAtMicros = _now;
        }

        return _framing switch
        {
            BodyFraming.Chunked => OnChunkedBody(bytes),
            BodyFraming.ContentLength => OnSizedBody(bytes),
            _ => _parser.Parse(bytes, this) || Fail(ConnectionEnd.ProtocolError, "SSE line or event over 1 MiB"),
        };
    }

    private bool OnChunkedBody(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var status = _chunked!.Read(ref bytes, out var payload);
            if (!payload.IsEmpty && !_parser.Parse(payload, this))
            {
                return Fail(ConnectionEnd.ProtocolError, "SSE line or event over 1 MiB");
            }

            if (status == ChunkStatus.End)
            {
                return Fail(ConnectionEnd.ClosedByServer, "the server ended the response");
            }

            if (status == ChunkStatus.Invalid)
            {
                return Fail(ConnectionEnd.ProtocolError, "invalid chunked framing");
            }
        }

        return true;
    }

    private bool OnSizedBody(ReadOnlySpan<byte> bytes)
    {
        var take = (int)Math.Min(bytes.Length, _bodyRemaining);
        _bodyRemaining -= take;
        if (!_parser.Parse(bytes[..take], this))
        {
            return Fail(ConnectionEnd.ProtocolError, "SSE line or event over 1 MiB");
        }

        return _bodyRemaining > 0 || Fail(ConnectionEnd.ClosedByServer, "the server ended the response");
    }

    /// <summary>Ends the connection from the receive loop; always false, for <c>return Fail(…)</c>.</summary>
    private bool Fail(ConnectionEnd end, string reason)
    {
        Finish(end, reason);
        return false;
    }

    private void Finish(ConnectionEnd end, string reason)
    {
        if (End != ConnectionEnd.Open)
        {
            return;
        }

        End = _closing ? ConnectionEnd.ClosedByUs : end;
        FailureReason ??= _closing ? null : reason;
        EndedAtMicros = LoadClock.Micros();
        _headReceived?.TrySetResult(false);
    }

    void ISseEventSink.OnEvent(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, ReadOnlySpan<byte> lastEventId)
    {
        Events++;
        if (!eventType.SequenceEqual("message"u8))
        {
            if (eventType.SequenceEqual("eventactors.reset"u8))
            {
                Resets++;
            }
            else
            {
                OtherEvents++;
            }

            return;
        }

        if (!EventPayload.TryParse(data, out var fields))
        {
            Malformed++;
            return;
        }

        if (fields.Topic != Topic)
        {
            Misrouted++;
            return;
        }

        if (!Checker.Observe(fields.Lane, fields.Sequence))
        {
            Malformed++;
            return;
        }

        if (FirstEventAtMicros == 0)
        {
            FirstEventAtMicros = _now;
        }

        if (_window.Contains(_now))
        {
            EventsInWindow++;
        }

        // Latency of events sent in the window, wherever they arrive (a late arrival during the
        // drain is part of the picture); from the intended send time, so it includes queueing.
        if (!ExcludeFromLatency && _window.Contains(fields.SentMicros))
        {
            _latency.Record(_now - fields.SentMicros);
        }
    }

    void ISseEventSink.OnComment(ReadOnlySpan<byte> comment) => Comments++;

    void ISseEventSink.OnRetry(long milliseconds) => RetryMilliseconds = milliseconds;
}
