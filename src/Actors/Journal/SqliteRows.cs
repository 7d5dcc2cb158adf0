using EventActors.Protocol;
using Microsoft.Data.Sqlite;

namespace EventActors.Actors.Journal;

/// <summary>Reading rows back into journal types, shared by the writer and the readers.</summary>
internal static class SqliteRows
{
    /// <summary>The columns <see cref="ReadTopic"/> expects, in order.</summary>
    public const string TopicColumns = "id, name, epoch, head, first_seq, created_at";

    public static (long Id, TopicInfo Info) ReadTopic(SqliteDataReader reader) =>
        (reader.GetInt64(0), new TopicInfo(
            TopicName.Parse(reader.GetString(1)),
            TopicEpoch.Parse(reader.GetString(2)),
            (ulong)reader.GetInt64(3),
            (ulong)reader.GetInt64(4),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));

    /// <summary>Binds an event's payload, without a copy when it is a whole array (the common case).</summary>
    public static void BindBlob(SqliteParameter parameter, ReadOnlyMemory<byte> data) =>
        // Microsoft.Data.Sqlite binds byte[] only; a slice has to become an array of its own.
        parameter.Value = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out var segment)
            && segment.Offset == 0 && segment.Array is { } array && array.Length == segment.Count
                ? array
                : data.ToArray();
}
