using Storyweave.Features.Media;
using Storyweave.Features.Redaction;

namespace Storyweave.Tests.Redaction;

public sealed class RedactorTests
{
    private static string Apply(string text, params (string Term, string Replacement)[] rules) =>
        RedactionService.Apply(text, rules.Select(r => new RedactionPair(r.Term, r.Replacement)));

    [Fact]
    public void Possessives_keep_their_ending() =>
        Assert.Equal("[name]'s flat and [name]\u2019s dog", Apply("Sarah's flat and Sarah\u2019s dog", ("Sarah", "[name]")));

    [Fact]
    public void Case_is_ignored_and_the_replacement_is_written_as_typed() =>
        Assert.Equal("[name], [name] and [name]", Apply("Sarah, SARAH and sarah", ("sarah", "[name]")));

    [Fact]
    public void The_longest_term_wins_whatever_the_order_of_the_rules() =>
        Assert.Equal("[full name] met [first name] at [employer].",
            Apply("Sarah Jones met Sarah at Greggs Bakery.", ("Sarah", "[first name]"), ("Sarah Jones", "[full name]"), ("Greggs Bakery", "[employer]"), ("Greggs", "[shop]")));

    [Fact]
    public void Only_whole_words_are_replaced_not_parts_of_longer_words() =>
        Assert.Equal("We drove from Sarahville past Hannah's house with [name].", Apply("We drove from Sarahville past Hannah's house with Anna.", ("Sarah", "[name]"), ("Anna", "[name]")));

    [Fact]
    public void Punctuation_and_hyphens_end_a_word() =>
        Assert.Equal("([name]) \"[name]\" [name]-Jane [name].", Apply("(Sarah) \"Sarah\" Sarah-Jane Sarah.", ("Sarah", "[name]")));

    [Fact]
    public void A_term_of_several_words_matches_across_line_breaks_and_double_spaces() =>
        Assert.Equal("I worked at [place] for years; [place] again.", Apply("I worked at St  Mungo's\nHospital for years; st mungo's hospital again.", ("St Mungo's Hospital", "[place]")));

    [Fact]
    public void Counting_finds_each_term_the_same_way() =>
        Assert.Equal(3, new Redactor([new RedactionPair("Sarah", "[name]")]).Count("Sarah, sarah's and SARAH but not Sarahville")["Sarah"]);

    [Theory]
    [InlineData("", "[name]", "Write the word or name to hide")]
    [InlineData("Sarah", " ", "Write what to show instead")]
    [InlineData("Sarah", "Sarah B.", "must not contain")]
    [InlineData("!!", "[x]", "at least one letter or number")]
    public void Bad_rules_are_refused_with_a_specific_message(string term, string replacement, string message)
    {
        var (_, _, errors) = RedactionService.Validate(term, replacement);
        Assert.Contains(errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_silencing_graph_covers_the_cues_with_a_redacted_word_relative_to_the_clip()
    {
        var redactor = new Redactor([new RedactionPair("Sarah", "[name]")]);
        var cues = new[]
        {
            new AudioSilencing.TimedText(8, 12, "I met Sarah."), // starts before the clip: silenced from 0:00
            new AudioSilencing.TimedText(12, 14, "sarah's sister too"), // touches the first: merged
            new AudioSilencing.TimedText(15, 17, "Nothing to hide here."),
            new AudioSilencing.TimedText(18, 25, "Sarah again"), // ends after the clip: cut at its end
            new AudioSilencing.TimedText(null, null, "Sarah without times"),
        };
        var windows = AudioSilencing.Windows(cues, 10, 20, redactor);
        Assert.Equal([new AudioSilencer.Span(0, 4), new AudioSilencer.Span(8, 10)], windows);
        // Split at exact samples, the stretches through volume=0, joined again (see AudioSilencer).
        Assert.Equal("[0:a:0]aresample=async=1:first_pts=0,asegment=timestamps=0.000000|4.000000|8.000000|10.000000[p0][p1][p2][p3][p4];\n"
            + "[p0]asetpts=PTS-STARTPTS[r0];\n[p1]volume=0,asetpts=PTS-STARTPTS[r1];\n[p2]asetpts=PTS-STARTPTS[r2];\n"
            + "[p3]volume=0,asetpts=PTS-STARTPTS[r3];\n[p4]asetpts=PTS-STARTPTS[r4];\n[r0][r1][r2][r3][r4]concat=n=5:v=0:a=1[silenced]\n", AudioSilencer.Graph(windows));
        Assert.Equal("[0:a:0]anull[silenced]", AudioSilencer.Graph([]));
    }
}
