using System.Text;
using EventActors.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace EventActors.Protocol.Tests;

/// <summary>Properties of the frame encoder over generated payloads, types and ids.</summary>
public sealed class SsePropertyTests
{
    private static readonly Gen<int> s_chunkSize = Gen.Elements(1, 2, 3, 5, 64, int.MaxValue);

    /// <summary>
    /// For any string, including lone surrogates, NUL, CR, LF and every mix of them, a parser
    /// yields exactly <see cref="SseWire.AsClientSeesIt"/>: the string as UTF-8 can carry it (a
    /// lone surrogate becomes U+FFFD) with each CRLF and each lone CR turned into LF, since the
    /// spec ends a line at any of CRLF, LF and CR and joins data lines with LF. Nothing else changes.
    /// </summary>
    [Fact]
    public void Any_text_payload_round_trips_through_a_parser_with_line_endings_as_LF() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Text.ToArbitrary(), s_chunkSize.ToArbitrary(), (payload, chunkSize) =>
        {
            var item = Assert.Single(SseWire.Parse(SseFrame.Encode(payload), chunkSize).Events);
            Assert.Equal(SseWire.AsClientSeesIt(payload), item.Data);
        }));

    [Fact]
    public void Any_utf8_payload_encodes_to_the_same_bytes_as_its_text() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Text.ToArbitrary(), payload =>
        {
            var utf8 = Encoding.UTF8.GetBytes(payload);
            Assert.Equal(SseFrame.Encode(payload).Utf8Bytes.ToArray(), SseFrame.Encode(utf8).Utf8Bytes.ToArray());
        }));

    [Fact]
    public void Encoding_once_and_writing_into_a_writer_give_the_same_bytes() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Text.ToArbitrary(), payload =>
        {
            var type = new SseEventType("t");
            var encoded = SseFrame.Encode(payload, type).Utf8Bytes.ToArray();
            var stingy = new StingyBufferWriter();
            SseFrame.Write(stingy, payload, type);
            Assert.Equal(encoded, stingy.Written);
            Assert.Equal(encoded, SseWire.Written(w => SseFrame.Write(w, Encoding.UTF8.GetBytes(payload), type)));
        }));

    [Fact]
    public void Any_frame_has_no_CR_and_its_only_blank_line_is_its_last() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Text.ToArbitrary(), payload =>
        {
            foreach (var frame in new[] { SseFrame.Encode(payload), SseFrame.Comment(payload) })
            {
                var bytes = frame.Utf8Bytes.ToArray();
                Assert.DoesNotContain((byte)'\r', bytes);
                Assert.Equal(bytes.Length - 2, bytes.AsSpan().IndexOf("\n\n"u8));
            }
        }));

    [Fact]
    public void Any_comment_dispatches_nothing_and_leaves_the_next_event_untouched() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Text.ToArbitrary(), text =>
        {
            var parsed = SseWire.Parse(SseWire.Concat(SseFrame.Comment(text), SseFrame.Encode("after")));
            var item = Assert.Single(parsed.Events);
            Assert.Equal(("message", "after", (string?)null), (item.EventType, item.Data, item.EventId));
            Assert.Equal(string.Empty, parsed.LastEventId);
        }));

    [Fact]
    public void Any_type_and_id_that_can_be_made_arrive_exactly_as_made() =>
        Check.One(Generators.Config, Prop.ForAll(Generators.Text.ToArbitrary(), Generators.Text.ToArbitrary(), (typeText, idText) =>
        {
            var typeOk = SseEventType.TryCreate(typeText, out var type);
            var idOk = SseEventId.TryCreate(idText, out var id);
            Assert.Equal(typeText.Length > 0 && IsSingleWellFormedLine(typeText), typeOk);
            Assert.Equal(IsSingleWellFormedLine(idText), idOk);

            var parsed = SseWire.Parse(SseFrame.Encode("x", typeOk ? type : null, idOk ? id : null));
            var item = Assert.Single(parsed.Events);
            Assert.Equal(typeOk ? typeText : "message", item.EventType);
            Assert.Equal(idOk ? idText : null, item.EventId);
        }));

    [Fact]
    public void Any_retry_value_sets_the_reconnection_interval() =>
        Check.One(Generators.Config, Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), milliseconds =>
        {
            var parsed = SseWire.Parse(SseWire.Concat(SseFrame.Retry(milliseconds), SseFrame.Encode("x")));
            Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), parsed.ReconnectionInterval);
            Assert.Single(parsed.Events);
        }));

    private static bool IsSingleWellFormedLine(string text) =>
        text.IndexOfAny(['\r', '\n', '\0']) < 0 && Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)) == text;
}
