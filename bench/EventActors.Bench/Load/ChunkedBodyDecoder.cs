namespace EventActors.Bench.Load;

/// <summary>What <see cref="ChunkedBodyDecoder.Read"/> found.</summary>
internal enum ChunkStatus
{
    /// <summary>More input is needed (any payload found is in the out parameter).</summary>
    Continue,

    /// <summary>The last chunk and its trailers were read: the body is complete.</summary>
    End,

    /// <summary>The framing is broken; the connection cannot be read further.</summary>
    Invalid,
}

/// <summary>
/// HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), decoded incrementally: a chunk's size line,
/// its data and the CRLF after it may each be split across reads. Payload bytes are handed out as
/// slices of the input, never copied.
/// </summary>
internal sealed class ChunkedBodyDecoder
{
    private State _state = State.Size;
    private long _size;          // the chunk size being read, then the bytes of the chunk still to come
    private bool _sizeHasDigit;
    private bool _trailerLineEmpty = true;

    private enum State
    {
        Size,
        Extension,
        SizeLf,
        Data,
        DataCr,
        DataLf,
        Trailer,
        Done,
    }

    public void Reset()
    {
        _state = State.Size;
        _size = 0;
        _sizeHasDigit = false;
        _trailerLineEmpty = true;
    }

    /// <summary>
    /// Consumes framing from <paramref name="input"/> up to and including the next run of payload,
    /// which it returns in <paramref name="payload"/> (empty when there is none yet). Call again
    /// while input remains.
    /// </summary>
    public ChunkStatus Read(ref ReadOnlySpan<byte> input, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        while (!input.IsEmpty)
        {
            var b = input[0];
            switch (_state)
            {
                case State.Size:
                    var digit = HexValue(b);
                    if (digit >= 0)
                    {
                        if (_size > (long.MaxValue >> 4))
                        {
                            return ChunkStatus.Invalid;
                        }

                        _size = _size * 16 + digit;
                        _sizeHasDigit = true;
                    }
                    else if (!_sizeHasDigit)
                    {
                        return ChunkStatus.Invalid;
                    }
                    else if (b is (byte)';' or (byte)' ' or (byte)'\t')
                    {
                        _state = State.Extension; // chunk extensions: ignored, as RFC 9112 allows
                    }
                    else if (b == (byte)'\r')
                    {
                        _state = State.SizeLf;
                    }
                    else if (b == (byte)'\n')
                    {
                        EndSizeLine();
                    }
                    else
                    {
                        return ChunkStatus.Invalid;
                    }

                    break;
                case State.Extension:
                    if (b == (byte)'\r')
                    {
                        _state = State.SizeLf;
                    }
                    else if (b == (byte)'\n')
                    {
                        EndSizeLine();
                    }

                    break;
                case State.SizeLf:
                    if (b != (byte)'\n')
                    {
                        return ChunkStatus.Invalid;
                    }

                    EndSizeLine();
                    break;
                case State.Data:
                    var take = (int)Math.Min(_size, input.Length);
                    payload = input[..take];
                    input = input[take..];
                    _size -= take;
                    if (_size == 0)
                    {
                        _state = State.DataCr;
                    }

                    return ChunkStatus.Continue;
                case State.DataCr:
                    if (b == (byte)'\r')
                    {
                        _state = State.DataLf;
                    }
                    else if (b == (byte)'\n')
                    {
                        _state = State.Size;
                    }
                    else
                    {
                        return ChunkStatus.Invalid;
                    }

                    break;
                case State.DataLf:
                    if (b != (byte)'\n')
                    {
                        return ChunkStatus.Invalid;
                    }

                    _state = State.Size;
                    break;
                case State.Trailer:
                    // Trailer fields after the last chunk, up to an empty line: skipped.
                    if (b == (byte)'\n')
                    {
                        if (_trailerLineEmpty)
                        {
                            _state = State.Done;
                            input = input[1..];
                            return ChunkStatus.End;
                        }

                        _trailerLineEmpty = true;
                    }
                    else if (b != (byte)'\r')
                    {
                        _trailerLineEmpty = false;
                    }

                    break;
                case State.Done:
                    return ChunkStatus.End;
            }

            input = input[1..];
        }

        return _state == State.Done ? ChunkStatus.End : ChunkStatus.Continue;
    }

    private void EndSizeLine()
    {
        _state = _size == 0 ? State.Trailer : State.Data;
        _sizeHasDigit = false;
        _trailerLineEmpty = true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
