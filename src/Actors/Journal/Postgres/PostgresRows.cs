using System.Data.Common;
using EventActors.Protocol;

namespace EventActors.Actors.Journal.Postgres;

/// <summary>Reading rows back into journal types, shared by the writer and the readers.</summary>
internal static class PostgresRows
{
    /// <summary>The columns <see cref="ReadTopic"/> expects, in order, from its first column on.</summary>
    public const string TopicColumns = "id, name, epoch, head, first_seq, created_at";

    public static (long Id, TopicInfo Info) ReadTopic(DbDataReader reader) =>
        (reader.GetInt64(0), new TopicInfo(
            TopicName.Parse(reader.GetString(1)),
            TopicEpoch.Parse(reader.GetString(2)),
            (ulong)reader.GetInt64(3),
            (ulong)reader.GetInt64(4),
            ToOffset(reader.GetDateTime(5))));

    /// <summary>Npgsql reads timestamptz as a UTC <see cref="DateTime"/>.</summary>
    public static DateTimeOffset ToOffset(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
}
