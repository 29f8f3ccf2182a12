using System.Buffers;
using System.Text;
using System.Text.Json;
using MFuser.Edge.Core.Control;
using MFuser.TestSupport;
using static MFuser.TestSupport.ControlFixtures;

namespace MFuser.Edge.Core.Tests.Control;

/// <summary>The control surface's validation and dispatch, without MQTT.</summary>
public class ControlRouterTests
{
    private static ControlReply Send(ControlRouter router, string topic, string payload) =>
        router.Handle(topic, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)))!.Value;

    private static JsonElement Json(ControlReply reply) => JsonDocument.Parse(reply.ResultPayload).RootElement;

    [Fact]
    public void Valid_settings_change_the_value_and_report_the_new_state()
    {
        var (router, settings, _) = NewRouter();
        var changed = new List<string>();
        settings.Changed += changed.Add;
        var reply = Send(router, "segmentation_hz/set", " 0.5 ");
        Assert.True(reply.Accepted);
        Assert.Equal(0.5, settings.SegmentationHz);
        Assert.Equal(("segmentation_hz/state", "0.5"), (reply.StateTopic, reply.StateValue));
        Assert.Equal("segmentation_hz/result", reply.ResultTopic);
        Assert.True(Json(reply).GetProperty("ok").GetBoolean());
        Assert.Equal("0.5", Json(reply).GetProperty("data").GetProperty("value").GetString());

        Assert.True(Send(router, "recording/set", "on").Accepted);
        Assert.True(settings.Recording);
        Assert.Equal("ON", settings.StateText("recording"));
        Assert.True(Send(router, "overlay_hz/set", "60").Accepted);
        Assert.Equal(["segmentation_hz", "recording", "overlay_hz"], changed);
        Assert.Equal(3, router.Counters.Accepted);
    }

    [Theory]
    [InlineData("segmentation_hz/set", "61", "segmentation_hz: expected 0 (off) or a number from 0.001 to 60, got '61'")]
    [InlineData("segmentation_hz/set", "-1", "segmentation_hz: expected 0 (off) or a number from 0.001 to 60, got '-1'")]
    [InlineData("segmentation_hz/set", "NaN", "segmentation_hz: expected 0 (off) or a number from 0.001 to 60, got 'NaN'")]
    [InlineData("segmentation_hz/set", "1e1", "segmentation_hz: expected 0 (off) or a number from 0.001 to 60, got '1e1'")]
    [InlineData("segmentation_hz/set", "-Infinity", "segmentation_hz: expected 0 (off) or a number from 0.001 to 60, got '-Infinity'")]
    [InlineData("overlay_hz/set", "-0.5", "overlay_hz: expected 0 (off) or a number from 0.001 to 60, got '-0.5'")]
    [InlineData("overlay_hz/set", "", "overlay_hz: expected 0 (off) or a number from 0.001 to 60, got ''")]
    [InlineData("overlay_hz/set", "2\u0000", "overlay_hz: expected 0 (off) or a number from 0.001 to 60, got '2\\u0000'")] // .NET parses it
    [InlineData("overlay_hz/set", "0.0005", "overlay_hz: expected 0 (off) or a number from 0.001 to 60, got '0.0005'")] // shown as 0.001
    [InlineData("recording/set", "yes", "recording: expected ON or OFF, got 'yes'")]
    [InlineData("recording/set", "000000000000000000000000000000000", "recording: payload of 33 bytes exceeds 32")]
    [InlineData("fps/set", "2", "unknown setting 'fps' (known: segmentation_hz, overlay_hz, recording)")]
    public void Invalid_settings_are_rejected_and_change_nothing(string topic, string payload, string error)
    {
        var (router, settings, _) = NewRouter();
        var reply = Send(router, topic, payload);
        Assert.False(reply.Accepted);
        Assert.Equal(error, reply.Error);
        Assert.Null(reply.StateTopic);
        Assert.False(Json(reply).GetProperty("ok").GetBoolean());
        Assert.Equal(error, Json(reply).GetProperty("error").GetString());
        Assert.Equal((2.0, 0.0, false), (settings.SegmentationHz, settings.OverlayHz, settings.Recording));
        Assert.Equal(1, router.Counters.Rejected);
    }

    [Fact]
    public void Commands_run_with_validated_arguments_and_echo_the_request_id()
    {
        var (router, _, calls) = NewRouter();
        var reply = Send(router, "cmd/mark_event", """{"label":"pothole","note":"left lane, Ω ok","id":"req-7"}""");
        Assert.True(reply.Accepted, reply.Error);
        Assert.Equal("cmd/mark_event/result", reply.ResultTopic);
        Assert.Equal("req-7", Json(reply).GetProperty("id").GetString());
        var call = Assert.Single(calls);
        Assert.Equal("pothole", call.Arguments["label"]);
        Assert.Equal("left lane, Ω ok", call.Arguments["note"]);
        Assert.Equal("req-7", call.Id);

        var snapshot = Send(router, "cmd/snapshot", "");
        Assert.True(snapshot.Accepted);
        Assert.Equal("snap-1.mcap", Json(snapshot).GetProperty("data").GetProperty("file").GetString());

        var failed = Send(router, "cmd/mark_event", """{"label":"fail"}""");
        Assert.False(failed.Accepted);
        Assert.Equal("recorder is not running", failed.Error);
        Assert.Equal((2, 0, 1), (router.Counters.Accepted, router.Counters.Rejected, router.Counters.Failed));
    }

    [Theory]
    [InlineData("cmd/mark_event", "{}", "mark_event: required member 'label' is missing")]
    [InlineData("cmd/mark_event", "", "mark_event: required member 'label' is missing")]
    [InlineData("cmd/mark_event", """{"label":""}""", "mark_event.label: expected 1..64 characters, got 0")]
    [InlineData("cmd/mark_event", """{"label":42}""", "mark_event.label: expected a string, got Number")]
    [InlineData("cmd/mark_event", """{"label":"a/b"}""", "mark_event.label: expected letters, digits, space and _ - . :, got U+002F in 'a/b'")]
    [InlineData("cmd/mark_event", """{"label":"x","label":"y"}""", "mark_event: member 'label' appears twice")]
    [InlineData("cmd/mark_event", """{"label":"x","extra":"y"}""", "mark_event: unknown member 'extra' (allowed: label, note, id)")]
    [InlineData("cmd/mark_event", """["label"]""", "mark_event: expected a JSON object, got Array")]
    [InlineData("cmd/snapshot", """{"reason":"a\u0007b"}""", "snapshot.reason: expected text without control characters, got U+0007 in 'a\\u0007b'")]
    [InlineData("cmd/snapshot", """{"reason":{"x":"y"}}""", "snapshot.reason: expected a string, got Object")]
    [InlineData("cmd/reboot", "", "unknown command 'reboot' (known: snapshot, mark_event)")]
    public void Invalid_commands_are_rejected_without_running_the_handler(string topic, string payload, string error)
    {
        var (router, _, calls) = NewRouter();
        var reply = Send(router, topic, payload);
        Assert.False(reply.Accepted);
        Assert.Equal(error, reply.Error);
        Assert.Empty(calls);
        Assert.Equal(1, router.Counters.Rejected);
    }

    [Fact]
    public void Oversized_and_non_json_command_payloads_are_rejected()
    {
        var (router, _, calls) = NewRouter();
        Assert.StartsWith("mark_event: payload of 1025 bytes exceeds 1024", Send(router, "cmd/mark_event", new string('x', 1025)).Error);
        Assert.StartsWith("mark_event: payload is not a JSON object", Send(router, "cmd/mark_event", "{label:").Error);
        var bad = router.Handle("cmd/mark_event", new ReadOnlySequence<byte>([0x7B, 0xFF, 0xFE, 0x7D]))!.Value;
        Assert.False(bad.Accepted);
        // invalid UTF-8 inside a JSON string (JsonDocument would only notice when the string is read, and throw)
        var inString = router.Handle("cmd/mark_event", new ReadOnlySequence<byte>([.. "{\"label\":\""u8, 0xE4, .. "\"}"u8]))!.Value;
        Assert.Equal("mark_event: payload is not valid UTF-8", inString.Error);
        Assert.Equal("recording: payload is not valid UTF-8", router.Handle("recording/set", new ReadOnlySequence<byte>([0x4F, 0xC3]))!.Value.Error);
        Assert.Empty(calls);
        Assert.Equal(5, router.Counters.Rejected);
        Assert.Null(router.Handle("drivable", ReadOnlySequence<byte>.Empty));
    }

    [Fact]
    public void A_command_without_a_handler_is_reported_unavailable()
    {
        var router = new ControlRouter(new RuntimeSettings(2, 0, false), new Dictionary<string, CommandHandler>());
        Assert.Equal("command 'snapshot' is not available on this device", Send(router, "cmd/snapshot", "").Error);
        Assert.Throws<ArgumentException>(() => new ControlRouter(new RuntimeSettings(2, 0, false),
            new Dictionary<string, CommandHandler> { ["reboot"] = _ => CommandOutcome.Success() }));
    }

    [Fact]
    public void A_lone_surrogate_escape_is_answered_and_counted_not_thrown()
    {
        var (router, _, calls) = NewRouter();
        var reply = Send(router, "cmd/mark_event", """{"label":"\ud800"}""");
        Assert.False(reply.Accepted);
        Assert.Equal("mark_event: payload holds a \\u escape that is not valid Unicode (a lone surrogate)", reply.Error);
        Assert.Equal(RejectReason.InvalidJson, Json(reply).GetProperty("reason").GetString());
        Assert.Equal(RejectReason.InvalidJson, Send(router, "cmd/snapshot", """{"\udc00":"x"}""").Reason);
        Assert.Empty(calls);
        Assert.Equal(2, router.Counters.RejectedByReason()[RejectReason.InvalidJson]);
    }

    [Fact]
    public void A_name_too_long_for_its_result_topic_is_counted_and_not_answered()
    {
        var (router, _, _) = NewRouter();
        var name = new string('n', 65_530);
        foreach (var topic in new[] { $"{name}/set", $"cmd/{name}" })
        {
            var reply = Send(router, topic, "1");
            Assert.Null(reply.ResultTopic);
            Assert.Equal(RejectReason.NameTooLong, reply.Reason);
        }
        var longest = Send(router, $"{new string('n', ControlSchema.MaxNameLength)}/set", "1");
        Assert.Equal($"{new string('n', ControlSchema.MaxNameLength)}/result", longest.ResultTopic);
        Assert.Equal(3, router.Counters.Rejected);
        Assert.Equal(2, router.Counters.RejectedByReason()[RejectReason.NameTooLong]);
        Assert.Equal((0, 3, 0), router.Counters.For("unknown"));
    }

    [Fact]
    public void Commands_beyond_their_per_minute_limit_are_answered_rate_limited()
    {
        var (router, _, calls) = NewRouter();
        var replies = Enumerable.Range(0, 150).Select(i => Send(router, "cmd/snapshot", $$"""{"id":"r{{i}}"}""")).ToList();
        Assert.Equal(ControlSchema.DefaultCommandsPerMinute, replies.Count(r => r.Accepted));
        Assert.Equal(ControlSchema.DefaultCommandsPerMinute, calls.Count);
        var limited = replies.Last();
        Assert.Equal(RejectReason.RateLimited, Json(limited).GetProperty("reason").GetString());
        Assert.Equal("r149", Json(limited).GetProperty("id").GetString());
        Assert.StartsWith("snapshot: rate limited to 6 per minute; next allowed in ", limited.Error);
        Assert.Equal(150 - ControlSchema.DefaultCommandsPerMinute, router.Counters.RejectedByReason()[RejectReason.RateLimited]);
        Assert.True(Send(router, "cmd/mark_event", """{"label":"own limit"}""").Accepted, "each command has its own bucket");
    }

    [Fact]
    public void A_configured_limit_refills_at_its_rate()
    {
        var clock = new ManualClock();
        var (_, settings, _) = NewRouter();
        var router = new ControlRouter(settings, new Dictionary<string, CommandHandler> { ["snapshot"] = _ => CommandOutcome.Success() },
            new Dictionary<string, int> { ["snapshot"] = 2 }, clock);
        Assert.True(Send(router, "cmd/snapshot", "").Accepted);
        Assert.True(Send(router, "cmd/snapshot", "").Accepted);
        Assert.Equal("snapshot: rate limited to 2 per minute; next allowed in 30.0 s", Send(router, "cmd/snapshot", "").Error);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(Send(router, "cmd/snapshot", "").Accepted);
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(Send(router, "cmd/snapshot", "").Accepted);
        Assert.Throws<ArgumentException>(() => new ControlRouter(settings, new Dictionary<string, CommandHandler>(),
            new Dictionary<string, int> { ["snapshot"] = 0 }));
        Assert.Throws<ArgumentException>(() => new ControlRouter(settings, new Dictionary<string, CommandHandler>(),
            new Dictionary<string, int> { ["reboot"] = 5 }));
    }

    [Fact]
    public void Hostile_topics_and_payloads_never_throw_and_each_is_answered_or_counted_once()
    {
        var (router, settings, _) = NewRouter();
        var random = new Random(20261126);
        var handled = 0;
        for (var i = 0; i < 3000; i++)
        {
            var topic = ControlFuzz.Topic(random);
            var reply = router.Handle(topic, new ReadOnlySequence<byte>(ControlFuzz.Payload(random)));
            if (reply is not { } r)
                continue;
            handled++;
            if (r.ResultTopic is { } resultTopic)
            {
                Assert.True(resultTopic.Length <= ControlSchema.MaxNameLength + "cmd//result".Length,
                    $"result topic of {resultTopic.Length} characters");
                using var json = JsonDocument.Parse(r.ResultPayload);
                Assert.Equal(r.Accepted, json.RootElement.GetProperty("ok").GetBoolean());
            }
            else
                Assert.Equal(RejectReason.NameTooLong, r.Reason);
        }
        Assert.Equal(handled, router.Counters.Accepted + router.Counters.Rejected + router.Counters.Failed);
        Assert.Equal(router.Counters.Rejected, router.Counters.RejectedByReason().Values.Sum());
        Assert.True(handled > 1500, $"only {handled} of 3000 fuzzed topics were control topics");
        Assert.InRange(settings.SegmentationHz, 0, RuntimeSettings.MaxHz);
        Assert.InRange(settings.OverlayHz, 0, RuntimeSettings.MaxHz);
    }
}
