using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Transcripts;

namespace Storyweave.Tests.Transcripts;

/// <summary>
/// f4/MAXQDA time marks at the end of paragraphs (#00:00:05-2#, tenths after the dash) and ATLAS.ti-style
/// marks at the start (#00:00:01.5#) are read as times with their speakers, never left in the words; files
/// that are not transcripts (a REFI-QDA project, a bare .qde, a recording…) are named as what they are.
/// </summary>
public sealed class TimeMarkTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static ParsedTranscript Parse(string name) => TranscriptParser.Parse(Samples.Bytes(name), name, null);

    [Fact]
    public void F4_trailing_marks_end_each_paragraph_and_start_the_next()
    {
        var t = Parse("f4-trailing.txt");
        Assert.Equal("f4", t.Format);
        Assert.Equal(
        [
            new ParsedCue(0, 5.2, "I", "How did the garden start?"),
            new ParsedCue(5.2, 12.7, "B", "We had a patch of waste ground behind the flats, and nobody wanted it."),
            new ParsedCue(12.7, 14, "I", "And then?"),
            new ParsedCue(14, 62.5, "B", "Then Mo brought seeds."),
        ], t.Cues);
    }

    [Fact]
    public void Atlas_leading_marks_start_each_turn_and_keep_the_speaker()
    {
        var t = Parse("atlas-leading.txt");
        Assert.Equal("f4", t.Format);
        Assert.Equal(
        [
            new ParsedCue(1.5, 7.2, "Interviewer", "Tell me about the garden."),
            new ParsedCue(7.2, 15, "Sam Rivers", "It started in 2019, behind the flats. We had nothing then."),
            new ParsedCue(15, 21.25, "Interviewer", "What changed?"),
            new ParsedCue(21.25, null, "Sam Rivers", "People."),
        ], t.Cues);
    }

    [Theory]
    [InlineData("#00:00:05-2#", 5.2)]
    [InlineData("#0:01:05.5#", 65.5)]
    [InlineData("#01:00:00,25#", 3600.25)]
    [InlineData("#00:00:07#", 7)]
    public void Mark_styles_are_read_to_the_tenth(string mark, double seconds)
    {
        var t = TranscriptParser.Parse(Encoding.UTF8.GetBytes($"{mark} Sam: Hello.\n"), "x.txt", null);
        Assert.Equal(seconds, t.Cues.Single().Start);
        Assert.Equal("Sam", t.Cues.Single().Speaker);
        Assert.Equal("Hello.", t.Cues.Single().Text);
    }

    [Fact]
    public void A_mark_in_the_middle_of_a_paragraph_is_left_out_of_the_words()
    {
        var t = TranscriptParser.Parse(Encoding.UTF8.GetBytes("I: One #00:00:02-0# two. #00:00:04-0#\nB: Three. #00:00:06-0#\n"), "x.txt", null);
        Assert.Equal("One two.", t.Cues[0].Text);
        Assert.DoesNotContain(t.Cues, c => c.Text.Contains('#', StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_mark_is_named_with_its_line()
    {
        var e = Assert.Throws<TranscriptFormatException>(() =>
            TranscriptParser.Parse(Encoding.UTF8.GetBytes("I: One. #00:00:02-0#\nB: Two. #00:75:04-0#\n"), "x.txt", null));
        Assert.Contains(e.Errors, x => x.Line == 2 && x.Message.Contains("#00:75:04-0#", StringComparison.Ordinal));
    }

    [Fact]
    public void A_word_document_with_f4_marks_is_timed()
    {
        var docx = Samples.Docx(["I: How did it start? #00:00:05-2#", "B: With seeds. #00:00:09-8#"]);
        var t = TranscriptParser.Parse(docx, "f4.docx", null);
        Assert.Equal("docx", t.Format);
        Assert.Equal([new ParsedCue(0, 5.2, "I", "How did it start?"), new ParsedCue(5.2, 9.8, "B", "With seeds.")], t.Cues);
    }

    [Theory]
    [InlineData("atlas-project.qdpx", "REFI-QDA project (.qdpx)")]
    [InlineData("project.qde", "REFI-QDA project (.qde)")]
    public void A_refi_qda_project_is_named_whatever_format_is_chosen(string name, string named)
    {
        foreach (var format in new string?[] { null, "docx", "text", "timestamped" })
        {
            var e = Assert.Throws<TranscriptFormatException>(() => TranscriptParser.Parse(Samples.Bytes(name), name, format));
            Assert.Contains(named, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("not a Word document", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("<?xml version=\"1.0\"?><CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes/></CodeBook>", "REFI-QDA codebook")]
    [InlineData("<!DOCTYPE html><html><body>Hi</body></html>", "web page")]
    [InlineData("<?xml version=\"1.0\"?><tt xmlns=\"http://www.w3.org/ns/ttml\"></tt>", "XML file")]
    [InlineData("{\\rtf1\\ansi I: Hello. #00:00:05-2#}", "RTF document")]
    [InlineData("%PDF-1.7\n", "PDF")]
    [InlineData("SQLite format 3\0rest", "database")]
    [InlineData("ID3\u0004\0\0\0\0\0", "recording")]
    public void Other_kinds_of_file_are_named(string content, string named)
    {
        var e = Assert.Throws<TranscriptFormatException>(() => TranscriptParser.Parse(Encoding.Latin1.GetBytes(content), "upload.txt", null));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Importing_an_f4_file_stores_times_and_speakers_and_a_qdpx_gets_its_message_over_http()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var (storyId, _) = await App.CreateStoryAsync(projectId);
        var api = await App.ApiClientAsync(lead);

        var refused = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import", Upload("atlas-project.qdpx"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("REFI-QDA project", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await App.WithDbAsync(db => db.TranscriptCues.CountAsync(c => c.StoryId == storyId)));

        var imported = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import", Upload("f4-trailing.txt"));
        Assert.Equal(HttpStatusCode.Created, imported.StatusCode);
        Assert.Equal("f4", (string?)(await imported.Content.ReadFromJsonAsync<JsonObject>())!["format"]);
        var cues = await App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == storyId).OrderBy(c => c.Position).ToListAsync());
        Assert.Equal([0, 5.2, 12.7, 14], cues.Select(c => c.StartSeconds!.Value));
        Assert.Equal(["I", "B", "I", "B"], cues.Select(c => c.Speaker));
        Assert.DoesNotContain(cues, c => c.Text.Contains('#', StringComparison.Ordinal));
        // "I" is the f4 label for the interviewer: linked as the reporter.
        Assert.True(await App.WithDbAsync(db => db.SpeakerLabels.Where(l => l.StoryId == storyId && l.Label == "I").Select(l => l.IsReporter).SingleAsync()));
    }

    private static MultipartFormDataContent Upload(string sample) =>
        new() { { new ByteArrayContent(Samples.Bytes(sample)), "file", sample } };
}
