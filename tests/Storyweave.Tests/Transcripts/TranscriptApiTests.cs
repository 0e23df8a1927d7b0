using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Storyweave.Features.Transcripts;

namespace Storyweave.Tests.Transcripts;

public sealed class TranscriptApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private const string Url = "/api/transcripts/parse";

    private TestApp App => fixture.App;

    private async Task<HttpClient> ApiAsync() => await App.ApiClientAsync(await App.CreateUserAsync());

    private static MultipartFormDataContent Upload(byte[] bytes, string fileName, string? format = null)
    {
        var content = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", fileName } };
        if (format is not null) content.Add(new StringContent(format), "format");
        return content;
    }

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    private static string FirstMessage(JsonObject body) => (string)body["errors"]![0]!["message"]!;

    public static TheoryData<string> ValidSamples => new(Samples.Valid);

    [Theory]
    [MemberData(nameof(ValidSamples))]
    public async Task Each_sample_round_trips_through_the_parse_endpoint(string sample)
    {
        var bytes = Samples.Bytes(sample);
        var expected = TranscriptParser.Parse(new MemoryStream(bytes), sample, null);

        var response = await (await ApiAsync()).PostAsync(Url, Upload(bytes, sample));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Equal(expected.Format, (string)body["format"]!);
        var cues = body["cues"]!.AsArray();
        Assert.Equal(expected.Cues.Count, cues.Count);
        for (var i = 0; i < cues.Count; i++)
        {
            var cue = cues[i]!;
            Assert.Equal(expected.Cues[i], new ParsedCue((double?)cue["start"], (double?)cue["end"], (string)cue["speaker"]!, (string)cue["text"]!));
        }
    }

    [Fact]
    public async Task A_zoom_vtt_named_txt_comes_back_as_vtt_with_speakers_and_times_in_seconds()
    {
        var response = await (await ApiAsync()).PostAsync(Url, Upload(Samples.Bytes("zoom.vtt"), "meeting notes.txt"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Equal("vtt", (string)body["format"]!);
        var first = body["cues"]![0]!;
        Assert.Equal(1.5, (double)first["start"]!);
        Assert.Equal(4.0, (double)first["end"]!);
        Assert.Equal("Tavi Quorrel", (string)first["speaker"]!);
        Assert.Equal("Thanks for sitting down with me today.", (string)first["text"]!);
    }

    [Theory]
    [InlineData("form")]
    [InlineData("query")]
    public async Task The_format_can_be_given_as_a_form_field_or_in_the_query(string where)
    {
        var api = await ApiAsync();
        // Plain text read as "timestamped" still parses, but as plain text it would be "text": the hint is what decides.
        var bytes = Samples.Bytes("timestamped-brackets.txt");
        var response = where == "form"
            ? await api.PostAsync(Url, Upload(bytes, "a.txt", "text"))
            : await api.PostAsync(Url + "?format=text", Upload(bytes, "a.txt"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text", (string)(await JsonAsync(response))["format"]!);
    }

    [Fact]
    public async Task A_malformed_file_gives_422_with_the_line_and_a_plain_message()
    {
        var response = await (await ApiAsync()).PostAsync(Url, Upload(Samples.Bytes("bad-time.srt"), "interview.srt"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = (await JsonAsync(response))["errors"]![0]!;
        Assert.Equal(14, (int)error["line"]!);
        Assert.Equal("Line 14: the time '00:01:7,000' is not a valid time; expected hh:mm:ss,mmm.", (string)error["message"]!);
    }

    [Fact]
    public async Task A_request_without_a_file_gives_400()
    {
        var api = await ApiAsync();
        var onlyFormat = new MultipartFormDataContent { { new StringContent("vtt"), "format" } };
        var response = await api.PostAsync(Url, onlyFormat);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Null(body["errors"]![0]!["line"]);
        Assert.StartsWith("No file was sent.", FirstMessage(body), StringComparison.Ordinal);

        var json = await api.PostAsJsonAsync(Url, new { file = "WEBVTT" });
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Contains("multipart/form-data", FirstMessage(await JsonAsync(json)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_upload_without_a_boundary_gives_400()
    {
        using var content = new ByteArrayContent("WEBVTT"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");
        var response = await (await ApiAsync()).PostAsync(Url, content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("multipart/form-data", FirstMessage(await JsonAsync(response)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_format_or_an_empty_file_gives_400()
    {
        var api = await ApiAsync();
        var unknown = await api.PostAsync(Url, Upload(Samples.Bytes("zoom.vtt"), "a.vtt", "mp4"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.StartsWith("'mp4' is not a transcript format Storyweave knows.", FirstMessage(await JsonAsync(unknown)), StringComparison.Ordinal);

        var empty = await api.PostAsync(Url, Upload([], "empty.vtt"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("The file 'empty.vtt' is empty.", FirstMessage(await JsonAsync(empty)));
    }

    [Fact]
    public async Task Anonymous_callers_get_401_whatever_they_send()
    {
        var anonymous = App.AnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync(Url, Upload(Samples.Bytes("zoom.vtt"), "a.vtt"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync(Url, new { file = "WEBVTT" })).StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_limit_gives_400_with_a_clear_message()
    {
        var response = await (await ApiAsync()).PostAsync(Url, Upload(new byte[TranscriptParser.MaxFileBytes + 1], "recording.vtt"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is larger than 20 MB, the most Storyweave reads", FirstMessage(await JsonAsync(response)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_over_the_limit_sent_without_a_content_length_gives_400_too()
    {
        // A stream of unknown length makes the client send the body in chunks, with no Content-Length to check up front.
        var file = new StreamContent(new UnknownLengthStream(TranscriptParser.MaxFileBytes + 1));
        var content = new MultipartFormDataContent { { file, "file", "long.txt" } };
        var response = await (await ApiAsync()).PostAsync(Url, content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("larger than 20 MB", FirstMessage(await JsonAsync(response)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Random_bytes_named_like_a_vtt_file_give_422_saying_it_is_not_text()
    {
        var bytes = new byte[4096];
        new Random(20260501).NextBytes(bytes);
        bytes[0] = 0x80; // not a byte order mark, not a ZIP signature
        var response = await (await ApiAsync()).PostAsync(Url, Upload(bytes, "x.vtt"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Equal(1, (int)body["errors"]![0]!["line"]!);
        Assert.StartsWith("Line 1: this is not readable text", FirstMessage(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zip_bomb_docx_is_refused_quickly_with_a_clear_message()
    {
        var bomb = Samples.ZipBomb(1024L * 1024 * 1024);
        Assert.True(bomb.Length < 5 * 1024 * 1024, $"the bomb is {bomb.Length} bytes compressed");
        var api = await ApiAsync();
        var clock = Stopwatch.StartNew();
        var response = await api.PostAsync(Url, Upload(bomb, "minutes.docx"));
        clock.Stop();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("unpacks to more than 50 MB", FirstMessage(await JsonAsync(response)), StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task The_endpoint_is_described_in_openapi_as_a_multipart_upload_with_400_and_422()
    {
        using var doc = JsonDocument.Parse(await App.AnonymousClient().GetStringAsync("/openapi/v1.json"));
        var post = doc.RootElement.GetProperty("paths").GetProperty(Url).GetProperty("post");
        Assert.Equal("Transcripts", post.GetProperty("tags")[0].GetString());
        var form = post.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema");
        Assert.Equal("binary", form.GetProperty("properties").GetProperty("file").GetProperty("format").GetString());
        Assert.Equal(TranscriptParser.Formats, form.GetProperty("properties").GetProperty("format").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        foreach (var status in new[] { "200", "400", "422" })
            Assert.True(post.GetProperty("responses").TryGetProperty(status, out _), $"no {status} response");
    }

    /// <summary>Zeros of a given length, from a stream that will not tell its length.</summary>
    private sealed class UnknownLengthStream(long length) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _read);
            Array.Clear(buffer, offset, n);
            _read += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
