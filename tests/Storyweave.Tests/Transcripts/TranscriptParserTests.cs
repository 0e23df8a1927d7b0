using System.Globalization;
using System.Text;
using Storyweave.Features.Transcripts;

namespace Storyweave.Tests.Transcripts;

public sealed class TranscriptParserTests
{
    /// <summary>Parses "start | end | speaker | text" (an empty time is null; \n in text is a line break).</summary>
    private static ParsedCue Cue(string row)
    {
        var parts = row.Split(" | ");
        Assert.Equal(4, parts.Length);
        static double? Time(string s) => s.Trim().Length == 0 ? null : double.Parse(s, CultureInfo.InvariantCulture);
        return new ParsedCue(Time(parts[0]), Time(parts[1]), parts[2].Trim(), parts[3]);
    }

    private static ParsedTranscript ParseSample(string name, string? format = null) =>
        TranscriptParser.Parse(new MemoryStream(Samples.Bytes(name)), name, format);

    private static void AssertCues(ParsedTranscript parsed, string[] expected)
    {
        var want = expected.Select(Cue).ToList();
        Assert.Equal(want.Count, parsed.Cues.Count);
        for (var i = 0; i < want.Count; i++)
        {
            Assert.Equal(want[i].Start, parsed.Cues[i].Start);
            Assert.Equal(want[i].End, parsed.Cues[i].End);
            Assert.Equal(want[i].Speaker, parsed.Cues[i].Speaker);
            Assert.Equal(want[i].Text, parsed.Cues[i].Text);
        }
    }

    [Theory]
    [InlineData("zoom.vtt", "vtt", new[]
    {
        "1.5 | 4 | Tavi Quorrel | Thanks for sitting down with me today.",
        "4.2 | 9.75 | Benna Strake | Happy to. I brought the old photos from the quillary.",
        "10 | 12 | Benna Strake | That one is my grandmother.",
        "12.5 | 15 | jo pellam | We kept the brindlewick by the door.",
        "62 | 64.5 | Tavi Quorrel | Tell me about the flood & after.",
    })]
    [InlineData("interview.srt", "srt", new[]
    {
        "0.8 | 3.2 | Interviewer | Where did you grow up?",
        "3.5 | 8 | Priya Vennick | In Marlow Fen, near the old canal.",
        "8.1 | 10 |  | It flooded every spring.",
    })]
    [InlineData("interview.otr", "otr", new[]
    {
        "0.5 | 12.3 | Tomas Ferrowind | We moved in the spring & stayed.",
        "12.3 | 15 | Lena Quisterly | Why there?",
        "15 |  | Tomas Ferrowind | The rent was low.\nAnd the orchard <smelled> good.",
    })]
    [InlineData("timestamped-brackets.txt", "timestamped", new[]
    {
        "2 | 9 | Nell Braskett | I started at the mill in the autumn.",
        "9 | 14 | Interviewer | How old were you?",
        "14 | 65 | Nell Braskett | Fifteen. My aunt\nsaid I was too young.",
        "65 |  |  | The whistle went at six.",
    })]
    [InlineData("timestamped-inline.txt", "timestamped", new[]
    {
        "4 | 10 | Kesta Lummery | The bakery opened before dawn.",
        "10 | 12.5 | Interviewer | Who ran it?",
        "12.5 |  | Kesta Lummery | My uncle Pell, and later me.",
    })]
    [InlineData("timestamped-headers.txt", "timestamped", new[]
    {
        "3 | 11 | Mira Sollenvey | We came over on the ferry, the two of us.",
        "11 | 15 | Orrin Valeworth | What was the crossing like?",
        "15 |  | Mira Sollenvey | Rough. I remember the gulls.\nThe whole deck smelled of tar.",
    })]
    [InlineData("plain.txt", "text", new[]
    {
        " |  | Interviewer | Tell me about the harvest festival.",
        " |  | Rook Ellerby | We built a straw figure every year. The children\nnamed it Old Gummet.",
        " |  | Interviewer | And then?",
        " |  |  | Here is the thing: nobody remembers who started it.",
    })]
    [InlineData("plain-lines.txt", "text", new[]
    {
        " |  |  | We walked to the quarry every Sunday.",
        " |  |  | My brother carried the flask.",
        " |  |  | Nobody else went that far.",
    })]
    [InlineData("word-timed.docx", "docx", new[]
    {
        "1 | 6 | Vessa Krainholt | I kept a diary that year.",
        "6 | 9 | Interviewer | Do you still have it?",
        "9 |  | Vessa Krainholt | Somewhere in the loft, under the sails.",
    })]
    [InlineData("word-speakers.docx", "docx", new[]
    {
        " |  | Interviewer | What did the square look like then?",
        " |  | Vessa Krainholt | Cobbles, and a pump that never worked.\nWe called it the Grumbler.",
    })]
    [InlineData("teams-captions.docx", "docx", new[]
    {
        "3.12 | 8.5 | Tavi Quorrel | Welcome, everyone, to the listening circle.",
        "8.9 | 12.4 | Benna Strake | Thanks. Shall I start?",
    })]
    [InlineData("teams-headers.docx", "docx", new[]
    {
        "3 | 75 | Tavi Quorrel | Welcome back to the second session.",
        "75 |  | Benna Strake | I brought the map of the old allotments.",
    })]
    public void Each_sample_gives_exactly_these_cues_with_and_without_a_format_hint(string sample, string format, string[] expected)
    {
        var detected = ParseSample(sample);
        Assert.Equal(format, detected.Format);
        AssertCues(detected, expected);
        var hinted = ParseSample(sample, format);
        Assert.Equal(format, hinted.Format);
        AssertCues(hinted, expected);
    }

    [Fact]
    public void Zoom_vtt_splits_name_prefixes_into_speakers_and_keeps_consecutive_cues_of_one_speaker_apart()
    {
        var cues = ParseSample("zoom.vtt").Cues;
        Assert.Equal(["Tavi Quorrel", "Benna Strake", "Benna Strake", "jo pellam", "Tavi Quorrel"], cues.Select(c => c.Speaker));
        Assert.DoesNotContain(cues, c => c.Text.Contains(':', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("bad-time.vtt", "vtt", 8, "Line 8: the time '00:00:7.000' is not a valid time; expected hh:mm:ss.mmm.")]
    [InlineData("backwards.vtt", "vtt", 6, "Line 6: the time 00:00:02.000 is earlier than the cue before it (00:00:10.000)")]
    [InlineData("no-header.vtt", "vtt", 1, "Line 1: a WebVTT file must start with the word WEBVTT")]
    [InlineData("bad-time.srt", "srt", 14, "Line 14: the time '00:01:7,000' is not a valid time; expected hh:mm:ss,mmm.")]
    [InlineData("bad-time.srt", null, 14, "Line 14: the time '00:01:7,000' is not a valid time; expected hh:mm:ss,mmm.")]
    [InlineData("end-before-start.srt", "srt", 2, "Line 2: the cue ends (00:00:03.000) before it starts (00:00:05.000).")]
    [InlineData("missing-text.srt", null, 6, "Line 6: this cue has a time but no text.")]
    [InlineData("damaged.otr", "otr", 3, "Line 3: this oTranscribe (.otr) file is damaged")]
    [InlineData("bad-timestamp.otr", null, null, "Timestamp 2: the time 'abc' is not a number of seconds")]
    [InlineData("no-text.otr", null, null, "This is not an oTranscribe (.otr) file: it has no transcript text")]
    [InlineData("bad-time-timestamped.txt", null, 3, "Line 3: the time '00:75:10' is not a valid time; minutes and seconds go up to 59.")]
    [InlineData("backwards-timestamped.txt", "timestamped", 4, "Line 4: the time 00:00:05.000 is earlier than the cue before it (00:01:10.000)")]
    [InlineData("missing-text-timestamped.txt", null, 4, "Line 4: there is a time here but no text after it.")]
    [InlineData("not-utf8.txt", null, 3, "Line 3: this is not readable text")]
    [InlineData("not-utf8.txt", "vtt", 3, "Line 3: this is not readable text")]
    [InlineData("blank.txt", null, null, "has no transcript text in it.")]
    [InlineData("bad-time-teams.docx", null, null, "Paragraph 4 ('0:0:9.000 --> 0:75:8'): the time '0:75:8' is not a valid time; minutes and seconds go up to 59.")]
    public void Malformed_samples_name_the_line_and_the_problem(string sample, string? format, int? line, string message)
    {
        var e = Assert.Throws<TranscriptFormatException>(() => ParseSample(sample, format));
        Assert.Contains(e.Errors, x => x.Line == line && x.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Several_problems_in_one_file_are_all_reported()
    {
        var e = Assert.Throws<TranscriptFormatException>(() => SrtParser.Parse("1\n00:00:0x,000 --> 00:00:01,000\nA.\n\n2\n00:00:05,000 --> 00:00:04,000\nB.\n"));
        Assert.Equal([2, 6], e.Errors.Select(x => x.Line));
    }

    [Fact]
    public void Small_overlaps_between_cues_are_accepted_but_large_jumps_back_are_not()
    {
        var overlap = VttParser.Parse("WEBVTT\n\n00:00:05.000 --> 00:00:08.000\nA: one\n\n00:00:04.500 --> 00:00:09.000\nB: two\n");
        Assert.Equal(2, overlap.Cues.Count);
        Assert.Throws<TranscriptFormatException>(() => VttParser.Parse("WEBVTT\n\n00:00:05.000 --> 00:00:08.000\nA: one\n\n00:00:03.500 --> 00:00:09.000\nB: two\n"));
    }

    [Theory]
    [InlineData("Sam Pellow: hello", "Sam Pellow", "hello")]
    [InlineData("Speaker 2: hello", "Speaker 2", "hello")]
    [InlineData("Ama de la Cruzet: hello", "Ama de la Cruzet", "hello")]
    [InlineData("Dr. Ilo Marrow: hello", "Dr. Ilo Marrow", "hello")]
    [InlineData("Here is the thing: nobody came.", "", "Here is the thing: nobody came.")]
    [InlineData("We met at 10:30 that day.", "", "We met at 10:30 that day.")]
    [InlineData("See https://example.org: it is there.", "", "See https://example.org: it is there.")]
    [InlineData("Why, though: she asked.", "", "Why, though: she asked.")]
    [InlineData("10: the number", "", "10: the number")]
    [InlineData("Yes.: odd", "", "Yes.: odd")]
    public void Speaker_prefixes_are_split_only_when_they_look_like_a_name(string line, string speaker, string text)
    {
        Assert.Equal((speaker, text), TranscriptText.SplitSpeaker(line));
    }

    [Theory]
    [InlineData("zoom.vtt", "vtt")]
    [InlineData("interview.srt", "srt")]
    [InlineData("interview.otr", "otr")]
    [InlineData("timestamped-brackets.txt", "timestamped")]
    [InlineData("timestamped-inline.txt", "timestamped")]
    [InlineData("timestamped-headers.txt", "timestamped")]
    [InlineData("plain.txt", "text")]
    [InlineData("plain-lines.txt", "text")]
    [InlineData("word-timed.docx", "docx")]
    [InlineData("word-speakers.docx", "docx")]
    [InlineData("teams-captions.docx", "docx")]
    [InlineData("teams-headers.docx", "docx")]
    [InlineData("bad-time.srt", "srt")]
    [InlineData("no-header.vtt", "vtt")]
    public void Detection_uses_the_content_whatever_the_file_is_called(string sample, string format)
    {
        var bytes = Samples.Bytes(sample);
        Assert.Equal(format, TranscriptParser.Detect(bytes));
        if (!Samples.Valid.Contains(sample)) return; // malformed samples are detected, then refused by their parser
        foreach (var misleadingName in new[] { "notes.txt", "captions.vtt", "subtitles.srt", "recording.docx", "transcript.otr", null })
            Assert.Equal(format, TranscriptParser.Parse(new MemoryStream(bytes), misleadingName, null).Format);
    }

    [Theory]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF })]
    [InlineData(new byte[0])]
    public void Utf8_with_and_without_bom_and_utf16_with_bom_read_the_same(byte[] utf8Prefix)
    {
        const string text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nZoë Ashcombe: Crème brûlée, ça va?\n";
        var expected = VttParser.Parse(text).Cues;
        Assert.Equal("Zoë Ashcombe", expected[0].Speaker);
        Assert.Equal(expected, TranscriptParser.Parse(new MemoryStream([.. utf8Prefix, .. Encoding.UTF8.GetBytes(text)]), null, null).Cues);
        Assert.Equal(expected, TranscriptParser.Parse(new MemoryStream([0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)]), null, null).Cues);
        Assert.Equal(expected, TranscriptParser.Parse(new MemoryStream([0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(text)]), null, null).Cues);
    }

    [Fact]
    public void Binary_data_behind_a_utf16_byte_order_mark_is_refused_as_binary_not_read_as_text()
    {
        // Like a quiet 16-bit recording: small sample values decode without error (and without NULs)
        // as control codes and non-characters, so only the look of the result can tell.
        var random = new Random(7);
        var bytes = Enumerable.Range(0, 2048).SelectMany(_ => BitConverter.GetBytes((short)(random.Next(1, 20) * (random.Next(2) == 0 ? 1 : -1)))).ToArray();
        var e = Assert.Throws<TranscriptFormatException>(() => TranscriptParser.Parse(new MemoryStream([0xFF, 0xFE, .. bytes]), "photo.vtt", null));
        Assert.Contains("this file contains binary data, not text", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a", " ", "b")]
    [InlineData("", "<", "")]
    [InlineData("<v", " ", "")]
    [InlineData("[1:", "0", "")]
    [InlineData("Sam", " ", "0:03")]
    [InlineData("{\"text\":\"", "<span class=\\\"timestamp\\\" data-timestamp=\\\"1\\\">", "\"}")]
    public void Long_pathological_lines_are_read_or_refused_in_linear_time(string head, string repeated, string tail)
    {
        // About 1 MB of one character, or up to 8 MB of longer pieces: far past what a quadratic pattern survives.
        var line = head + string.Concat(Enumerable.Repeat(repeated, Math.Min(1_000_000, 8_000_000 / repeated.Length))) + tail;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var text in new[] { line, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" + line, "1\n00:00:01,000 --> 00:00:02,000\n" + line })
        {
            foreach (var format in TranscriptParser.Formats.Where(f => f != "docx").Append(null))
            {
                try
                {
                    TranscriptParser.Parse(new MemoryStream(Encoding.UTF8.GetBytes(text)), null, format);
                }
                catch (TranscriptFormatException)
                {
                }
            }
        }
        // A hang guard, not a timing: linear parsing takes seconds (17 s once on a loaded 2-core machine),
        // a quadratic pattern over 1 MB takes hours. The bound is far from both, so load cannot flip it.
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Windows_line_endings_read_like_unix_ones()
    {
        var unix = File.ReadAllText(Samples.Path("interview.srt"));
        Assert.Equal(SrtParser.Parse(unix).Cues, SrtParser.Parse(unix.Replace("\n", "\r\n", StringComparison.Ordinal)).Cues);
    }

    [Theory]
    [InlineData("mp3", "'mp3' is not a transcript format Storyweave knows. Use one of: vtt, srt, otr, timestamped, f4, docx, text")]
    [InlineData(" VTT ", null)]
    public void Format_ids_are_checked_and_case_does_not_matter(string format, string? error)
    {
        var bytes = Samples.Bytes("zoom.vtt");
        if (error is null)
        {
            Assert.Equal("vtt", TranscriptParser.Parse(new MemoryStream(bytes), null, format).Format);
            return;
        }
        var e = Assert.Throws<TranscriptFormatException>(() => TranscriptParser.Parse(new MemoryStream(bytes), null, format));
        Assert.Contains(error, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_is_refused_by_name()
    {
        var e = Assert.Throws<TranscriptFormatException>(() => TranscriptParser.Parse(new MemoryStream(), "interview.vtt", null));
        Assert.Equal("The file 'interview.vtt' is empty.", e.Message);
    }

    [Fact]
    public void A_stream_longer_than_the_limit_is_refused_after_reading_just_past_the_limit()
    {
        var stream = new CountingStream(TranscriptParser.MaxFileBytes * 10);
        var e = Assert.Throws<TranscriptFormatException>(() => TranscriptParser.Parse(stream, null, null));
        Assert.Contains("larger than 20 MB", e.Message, StringComparison.Ordinal);
        Assert.True(stream.Position <= TranscriptParser.MaxFileBytes + 81920, $"read {stream.Position} bytes");
    }

    [Fact]
    public void A_docx_chosen_as_another_format_says_so()
    {
        var e = Assert.Throws<TranscriptFormatException>(() => TranscriptParser.Parse(new MemoryStream(Samples.Bytes("word-timed.docx")), "a.docx", "srt"));
        Assert.Contains("is a Word document or another ZIP archive, not srt text", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("not-a-zip")]
    [InlineData("zip-without-document")]
    public void Corrupt_or_foreign_docx_files_get_a_clear_message(string kind)
    {
        var good = Samples.Bytes("word-timed.docx");
        var bytes = kind switch
        {
            "truncated" => good[..(good.Length / 2)],
            "not-a-zip" => Encoding.UTF8.GetBytes("This is just text pretending to be a Word document."),
            _ => ZipWithOneTextFile(),
        };
        var e = Assert.Throws<TranscriptFormatException>(() => TranscriptParser.Parse(new MemoryStream(bytes), "x.docx", "docx"));
        // A ZIP holding no Word document is named for what it is.
        Assert.Contains(kind == "zip-without-document" ? "This file is a compressed archive (ZIP), not a transcript" : "This file is not a Word document (.docx), or it is damaged",
            e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_zip_bomb_docx_is_refused_after_unpacking_no_more_than_the_limit(bool lieAboutSize)
    {
        var bomb = Samples.ZipBomb(400L * 1024 * 1024, lieAboutSize);
        Assert.True(bomb.Length < 2 * 1024 * 1024, $"the bomb is {bomb.Length} bytes compressed");
        var before = GC.GetAllocatedBytesForCurrentThread();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<TranscriptFormatException>(() => DocxParser.Parse(bomb));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        Assert.True(allocated < 80L * 1024 * 1024, $"allocated {allocated / 1024 / 1024} MB");
        // Honest sizes are counted while unpacking; sizes that lie are caught by the ZIP reader as damage.
        Assert.Contains(lieAboutSize ? "This file is not a Word document (.docx), or it is damaged" : "This Word document unpacks to more than 50 MB", e.Message, StringComparison.Ordinal);
    }

    private static byte[] ZipWithOneTextFile()
    {
        using var stream = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(stream, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        using (var entry = zip.CreateEntry("readme.txt").Open())
            entry.Write("hello"u8);
        return stream.ToArray();
    }

    /// <summary>An endless-looking stream of the letter a that counts how much was read.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get; set; }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - Position);
            Array.Fill(buffer, (byte)'a', offset, n);
            Position += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
