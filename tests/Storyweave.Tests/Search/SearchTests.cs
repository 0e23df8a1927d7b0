using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Features.Projects;
using Storyweave.Features.Review;
using Storyweave.Features.Search;

namespace Storyweave.Tests.Search;

public sealed class SearchTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private async Task<(int ProjectId, TestApp.TestUser Lead, HttpClient Api)> ProjectAsync()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        return (projectId, lead, await App.ApiClientAsync(lead));
    }

    private static async Task<(JsonArray Results, int Total)> SearchAsync(HttpClient api, int projectId, string query, string filters = "")
    {
        var response = await api.GetAsync($"/api/projects/{projectId}/search?q={Uri.EscapeDataString(query)}{filters}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return ((JsonArray)body["results"]!, (int)body["total"]!);
    }

    private static List<string> Snippets(JsonArray results) => results.Select(r => (string)r!["snippet"]!).ToList();

    [Fact]
    public async Task A_phrase_is_found_and_the_closer_match_ranks_first()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Rowan Hale");
        // The far match is shorter (which alone would rank it first) and saved first (lower id).
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller],
            ("Reporter", "What happened next?"),
            ("Rowan", "The nurse said it was kind of late."),
            ("Rowan", "Then a kind nurse sat with me the whole night, and I will never forget how that felt to me."));

        var (results, total) = await SearchAsync(api, projectId, "kind nurse");
        Assert.Equal(2, total);
        Assert.StartsWith("Then a kind nurse", (string)results[0]!["snippet"]!, StringComparison.Ordinal);
        var best = results[0]!;
        Assert.Equal(storyId, (int)best["storyId"]!);
        Assert.Equal("Rowan", (string?)best["speaker"]);
        Assert.Equal(20.0, (double)best["start"]!);
        Assert.Equal("What happened next?".Length + 1 + "The nurse said it was kind of late.".Length + 1, (int)best["startOffset"]!);
        Assert.Equal("Cue", (string?)best["kind"]);
        Assert.Contains("<mark>kind</mark> <mark>nurse</mark>", (string)best["snippetHtml"]!, StringComparison.Ordinal);

        var (phrase, phraseTotal) = await SearchAsync(api, projectId, "\"kind nurse\"");
        Assert.Equal(1, phraseTotal);
        Assert.StartsWith("Then a kind nurse", (string)phrase[0]!["snippet"]!, StringComparison.Ordinal);

        var (either, _) = await SearchAsync(api, projectId, "happened OR forget");
        Assert.Equal(2, either.Count);
        var (prefix, _) = await SearchAsync(api, projectId, "forg*");
        Assert.Single(prefix);
    }

    /// <summary>
    /// Pins what a phrase means today, on both engines (issue #17: a smaller word index without word positions
    /// would have to keep it): its words stemmed ("walked home" finds "walking home"), next to each other and in
    /// the order typed; the same words apart, or the other way round, are not the phrase.
    /// </summary>
    [Fact]
    public async Task A_phrase_finds_its_words_in_any_form_side_by_side_and_in_order_but_not_apart()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Sam Vale");
        await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller],
            ("Sam", "I was walking home after the late shift."),
            ("Sam", "Home is where I walked to, slowly."),
            ("Sam", "We walked to the home of a friend."));

        var (phrase, total) = await SearchAsync(api, projectId, "\"walked home\"");
        Assert.Equal(1, total);
        Assert.StartsWith("I was walking home", (string)phrase[0]!["snippet"]!, StringComparison.Ordinal);
        Assert.Contains("<mark>walking", (string)phrase[0]!["snippetHtml"]!, StringComparison.Ordinal);

        var (_, wordsTotal) = await SearchAsync(api, projectId, "walked home");
        Assert.Equal(3, wordsTotal);

        var (reversed, reversedTotal) = await SearchAsync(api, projectId, "\"home walked\"");
        Assert.Equal(0, reversedTotal);
        Assert.Empty(reversed);
    }

    [Fact]
    public async Task Each_filter_narrows_the_results_to_what_it_names()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var callOut = await App.PublishCallOutAsync(projectId, lead);
        var option = callOut.Questions[0].Options[0].Id;
        var ticked = await App.CreateStorytellerAsync(projectId, lead, "Ash Ticked", optionIds: [option]);
        var other = await App.CreateStorytellerAsync(projectId, lead, "Bo Other");
        var coder = await App.CreateUserAsync(name: "Cass Coder");
        var first = await App.CreateStoryWithTranscriptAsync(projectId, lead, [ticked],
            ("Ash", "The allotment garden kept me going."),
            ("Reporter", "Tell me more about the garden."));
        var second = await App.CreateStoryWithTranscriptAsync(projectId, lead, [other],
            ("Bo", "I never had a garden of my own."));
        var themeId = await App.WithDbAsync(async db =>
        {
            var theme = new Theme { ProjectId = projectId, Name = "Green spaces", CreatedAt = DateTime.UtcNow };
            db.Themes.Add(theme);
            await db.SaveChangesAsync();
            // A passage over Ash's line only (offsets 0–10 of the story's plain text).
            db.Passages.Add(new CodedPassage
            {
                ProjectId = projectId,
                StoryId = first,
                StartOffset = 0,
                EndOffset = 10,
                Snippet = "The allotm",
                Speaker = "Ash",
                CoderUserId = coder.Id,
                CreatedAt = DateTime.UtcNow,
                Themes = [new PassageTheme { ThemeId = theme.Id, CoderUserId = coder.Id, CodedAt = DateTime.UtcNow }],
            });
            await db.SaveChangesAsync();
            return theme.Id;
        });

        Assert.Equal(3, (await SearchAsync(api, projectId, "garden")).Total);

        var (byTheme, _) = await SearchAsync(api, projectId, "garden", $"&themeId={themeId}");
        Assert.Equal(["The allotment garden kept me going."], Snippets(byTheme));

        var (byCoder, _) = await SearchAsync(api, projectId, "garden", $"&coderId={coder.Id}");
        Assert.Equal(["The allotment garden kept me going."], Snippets(byCoder));

        var (byAnswer, _) = await SearchAsync(api, projectId, "garden", $"&optionId={option}");
        Assert.Equal(2, byAnswer.Count);
        Assert.All(byAnswer, r => Assert.Equal(first, (int)r!["storyId"]!));

        var (bySpeaker, _) = await SearchAsync(api, projectId, "garden", "&speaker=Bo");
        Assert.Equal(second, (int)Assert.Single(bySpeaker)!["storyId"]!);

        // The page offers the same filters as labelled selects and applies them.
        var client = await App.SignInAsync(lead);
        var html = await client.GetStringAsync($"/projects/{projectId}/search?q=garden&themeId={themeId}");
        Assert.Contains("<label for=\"themeId\">", html, StringComparison.Ordinal);
        Assert.Contains("Green spaces", html, StringComparison.Ordinal);
        Assert.Contains("Cass Coder", html, StringComparison.Ordinal);
        Assert.Contains("<mark>garden</mark>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("I never had a", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_theme_filter_finds_only_the_lines_its_own_passages_cover()
    {
        // The theme's passages are read once per search and each match is checked against them by
        // story and character range: a passage of the theme in another story, a passage ending where
        // the next line starts, or another theme's passage on the same words must not count.
        var (projectId, lead, api) = await ProjectAsync();
        var ash = await App.CreateStorytellerAsync(projectId, lead, "Ash Green");
        var bo = await App.CreateStorytellerAsync(projectId, lead, "Bo Grey");
        string[] linesA = ["The garden was mine.", "Tell me about the garden.", "A garden again, later on."];
        var storyA = await App.CreateStoryWithTranscriptAsync(projectId, lead, [ash], ("Ash", linesA[0]), ("Reporter", linesA[1]), ("Ash", linesA[2]));
        var storyB = await App.CreateStoryWithTranscriptAsync(projectId, lead, [bo], ("Bo", "A garden of my own."), ("Bo", "Nothing green at all."));
        var green = await App.CreateThemeAsync(projectId, "Green spaces");
        var other = await App.CreateThemeAsync(projectId, "Something else");
        var coder = await App.CreateUserAsync(name: "Cass Coder");
        var thirdLine = linesA[0].Length + 1 + linesA[1].Length + 1;
        var secondLineOfB = "A garden of my own.".Length + 1;
        await App.WithDbAsync(async db =>
        {
            CodedPassage Passage(int storyId, int start, int end, int themeId) => new()
            {
                ProjectId = projectId,
                StoryId = storyId,
                StartOffset = start,
                EndOffset = end,
                Snippet = "…",
                CoderUserId = coder.Id,
                CreatedAt = DateTime.UtcNow,
                Themes = [new PassageTheme { ThemeId = themeId, CoderUserId = coder.Id, CodedAt = DateTime.UtcNow }],
            };
            db.Passages.AddRange(
                Passage(storyA, thirdLine, thirdLine + linesA[2].Length, green), // the third line of A exactly
                Passage(storyA, 0, linesA[0].Length, other),                     // A's first line, another theme
                Passage(storyB, secondLineOfB, secondLineOfB + 7, green));       // B's line without the word
            await db.SaveChangesAsync();
            return 0;
        });

        Assert.Equal(4, (await SearchAsync(api, projectId, "garden")).Total);
        var (byGreen, total) = await SearchAsync(api, projectId, "garden", $"&themeId={green}");
        Assert.Equal(1, total);
        var hit = Assert.Single(byGreen)!;
        Assert.Equal(storyA, (int)hit["storyId"]!);
        Assert.Equal(thirdLine, (int)hit["startOffset"]!);
        var (byOther, _) = await SearchAsync(api, projectId, "garden", $"&themeId={other}");
        Assert.Equal(["The garden was mine."], Snippets(byOther));
    }

    [Fact]
    public async Task Theme_and_coder_filters_find_every_line_a_passage_touches_from_mid_line_across_lines_but_not_the_line_it_starts_after()
    {
        // The filters start from the lines the passages cover (issue #17): a passage starting in the middle
        // of a line, running across a whole line into the middle of a third, covers all three; a passage
        // starting on the newline right after a line does not cover that line; a coder counts for a passage
        // when they applied one of its themes, even if someone else made it.
        var (projectId, lead, api) = await ProjectAsync();
        var ash = await App.CreateStorytellerAsync(projectId, lead, "Ash Green");
        var bo = await App.CreateStorytellerAsync(projectId, lead, "Bo Grey");
        string[] a = ["First the garden was small.", "Then the garden grew.", "The garden is wild now.", "A garden, at the end."];
        string[] b = ["My garden line one.", "Their garden line two.", "Our garden line three."];
        var storyA = await App.CreateStoryWithTranscriptAsync(projectId, lead, [ash], ("Ash", a[0]), ("Reporter", a[1]), ("Ash", a[2]), ("Ash", a[3]));
        var storyB = await App.CreateStoryWithTranscriptAsync(projectId, lead, [bo], ("Bo", b[0]), ("Bo", b[1]), ("Bo", b[2]));
        var green = await App.CreateThemeAsync(projectId, "Green spaces");
        var maker = await App.CreateUserAsync(name: "Mo Maker");
        var tagger = await App.CreateUserAsync(name: "Tam Tagger");
        int Start(string[] lines, int i) => lines.Take(i).Sum(l => l.Length + 1);
        await App.WithDbAsync(async db =>
        {
            CodedPassage Passage(int storyId, int start, int end) => new()
            {
                ProjectId = projectId,
                StoryId = storyId,
                StartOffset = start,
                EndOffset = end,
                Snippet = "…",
                CoderUserId = maker.Id,
                CreatedAt = DateTime.UtcNow,
                Themes = [new PassageTheme { ThemeId = green, CoderUserId = tagger.Id, CodedAt = DateTime.UtcNow }],
            };
            db.Passages.AddRange(
                Passage(storyA, Start(a, 0) + 6, Start(a, 2) + 4),       // mid first line to mid third line of A
                Passage(storyB, Start(b, 1) - 1, Start(b, 1) + 5));      // from the newline after B's first line into its second
            await db.SaveChangesAsync();
            return 0;
        });

        Assert.Equal(7, (await SearchAsync(api, projectId, "garden")).Total);
        string[] expected = [a[0], a[1], a[2], b[1]];
        foreach (var filter in new[] { $"&themeId={green}", $"&coderId={maker.Id}", $"&coderId={tagger.Id}" })
        {
            var (results, total) = await SearchAsync(api, projectId, "garden", filter);
            Assert.Equal(4, total);
            Assert.Equal(expected.Order(StringComparer.Ordinal), Snippets(results).Order(StringComparer.Ordinal));
        }
        var (byLead, leadTotal) = await SearchAsync(api, projectId, "garden", $"&coderId={lead.Id}");
        Assert.Equal(0, leadTotal);
        Assert.Empty(byLead);
        Assert.Equal(storyA, (int)Assert.Single((await SearchAsync(api, projectId, "wild", $"&themeId={green}")).Results)!["storyId"]!);
        Assert.Empty((await SearchAsync(api, projectId, "end", $"&themeId={green}")).Results);
    }

    [Fact]
    public async Task The_search_page_offers_as_coders_everyone_who_coded_in_this_project_and_no_one_else()
    {
        // "Coded by" lists whoever made a passage here or put a theme on one, asked of each person by index (issue #17:
        // reading every passage and link of a 20,000-passage project for it took ~20 ms of each search page). Someone who
        // coded only in another project, or never coded, is not offered.
        var (projectId, lead, _) = await ProjectAsync();
        var otherProject = await App.CreateProjectAsync(lead, "Another project");
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Ash Green");
        var elsewhereTeller = await App.CreateStorytellerAsync(otherProject, lead, "Bo Grey");
        var story = await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], ("Ash", "The garden was small."));
        var elsewhere = await App.CreateStoryWithTranscriptAsync(otherProject, lead, [elsewhereTeller], ("Bo", "The garden was big."));
        var green = await App.CreateThemeAsync(projectId, "Green spaces");
        var blue = await App.CreateThemeAsync(otherProject, "Blue spaces");
        var maker = await App.CreateUserAsync(name: "Mo Maker");
        var tagger = await App.CreateUserAsync(name: "Tam Tagger");
        var outsider = await App.CreateUserAsync(name: "Oz Outsider");
        await App.WithDbAsync(async db =>
        {
            CodedPassage Passage(int project, int storyId, string? coder, int theme, string tagged) => new()
            {
                ProjectId = project,
                StoryId = storyId,
                StartOffset = 0,
                EndOffset = 10,
                Snippet = "…",
                CoderUserId = coder,
                CreatedAt = DateTime.UtcNow,
                Themes = [new PassageTheme { ThemeId = theme, CoderUserId = tagged, CodedAt = DateTime.UtcNow }],
            };
            db.Passages.AddRange(Passage(projectId, story, maker.Id, green, tagger.Id), Passage(otherProject, elsewhere, outsider.Id, blue, outsider.Id));
            await db.SaveChangesAsync();
            return 0;
        });

        var html = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/search");
        var coders = System.Text.RegularExpressions.Regex.Match(html, "<select id=\"coderId\"[^>]*>(.*?)</select>", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        var offered = System.Text.RegularExpressions.Regex.Matches(coders, "<option value=\"([^\"]*)\"[^>]*>([^<]*)</option>").Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        Assert.Equal([("", "Anyone"), (maker.Id, "Mo Maker"), (tagger.Id, "Tam Tagger")], offered);

        // The other project's page offers its own coder only.
        html = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{otherProject}/search");
        Assert.Contains("Oz Outsider", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Mo Maker", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Tam Tagger", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Past_sixty_speakers_said_by_is_typed_in_any_case_and_a_name_nobody_has_gets_a_clear_message_with_close_names()
    {
        // At 1,000 stories the list held ~2,000 names (most of the page, and no one can scroll it on a phone). Past
        // SpeakerListLimit names it is a text field; a hidden speaker's name is never accepted or suggested.
        var (projectId, lead, _) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Ash Green");
        var lines = Enumerable.Range(1, SearchModel.SpeakerListLimit).Select(i => ($"Speaker {i:D2}", $"Line {i} about the harbour."))
            .Prepend(("Ash", "The harbour was cold.")).ToArray();
        await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], lines);
        var declined = await App.CreateStorytellerAsync(projectId, lead, "Eli Declined", analysis: false);
        await App.CreateStoryWithTranscriptAsync(projectId, lead, [declined], ("Eli", "The harbour at night."));
        var pages = await App.SignInAsync(lead);
        async Task<string> PageAsync(string query) => WebUtility.HtmlDecode(await pages.GetStringAsync($"/projects/{projectId}/search{query}"));

        var html = await PageAsync("");
        Assert.Contains("<input id=\"speaker\" name=\"speaker\" type=\"text\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<select id=\"speaker\"", html, StringComparison.Ordinal);
        Assert.Contains($"{SearchModel.SpeakerListLimit + 1} people speak in these stories: type a name as the transcripts write it", html, StringComparison.Ordinal);

        // Any case finds the name as written; the field then shows it so.
        html = await PageAsync("?q=harbour&speaker=speaker%2007");
        Assert.Contains("Showing 1 to 1 of 1 results", html, StringComparison.Ordinal);
        Assert.Contains("said by Speaker 07", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Speaker 07\"", html, StringComparison.Ordinal);

        // A name nobody here has: said plainly, nothing searched, names containing the words offered.
        html = await PageAsync("?q=harbour&speaker=aker%201");
        Assert.Contains("Nobody called \u201caker 1\u201d speaks in the stories you can search.", html, StringComparison.Ordinal);
        Assert.Contains("aria-invalid=\"true\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("search-results", html, StringComparison.Ordinal);
        var offered = System.Text.RegularExpressions.Regex.Matches(html, "Search what (Speaker \\d+) said").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["Speaker 10", "Speaker 11", "Speaker 12", "Speaker 13", "Speaker 14"], offered);
        Assert.Contains("speaker=Speaker%2010", html, StringComparison.Ordinal);

        // The storyteller who did not agree to analysis is not a speaker anyone can search for, or be told of.
        html = await PageAsync("?q=harbour&speaker=Eli");
        Assert.Contains("Nobody called \u201cEli\u201d speaks", html, StringComparison.Ordinal);
        Assert.DoesNotContain("at night", html, StringComparison.Ordinal);
        html = await PageAsync("?q=harbour&speaker=E"); // every "Speaker NN" has an e: five are offered, and Eli would come first
        Assert.Contains("Search what Speaker 05 said", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Search what Eli said", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Words_of_a_storyteller_without_analysis_consent_are_never_found()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var yes = await App.CreateStorytellerAsync(projectId, lead, "Dee Agreed");
        var no = await App.CreateStorytellerAsync(projectId, lead, "Eli Declined", analysis: false);
        await App.CreateStoryWithTranscriptAsync(projectId, lead, [yes, no],
            ("Dee", "We both remember the marmalade factory."),
            ("Eli", "The marmalade factory closed in the winter."));
        var alone = await App.CreateStoryWithTranscriptAsync(projectId, lead, [no],
            ("Eli", "My marmalade story, told alone."));
        await App.WithDbAsync(async db =>
        {
            db.ReviewSheets.Add(new ReviewSheet { StoryId = alone, ProjectId = projectId, Ideas = "Marmalade memories matter.", UpdatedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        await App.ReindexStoryAsync(projectId, alone);

        var (results, total) = await SearchAsync(api, projectId, "marmalade");
        Assert.Equal(1, total);
        Assert.Equal(["We both remember the marmalade factory."], Snippets(results));
        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/search?q=marmalade");
        Assert.DoesNotContain("closed in the winter", page, StringComparison.Ordinal);
        Assert.DoesNotContain("told alone", page, StringComparison.Ordinal);
        Assert.DoesNotContain("memories matter", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Words_edited_out_of_a_transcript_are_no_longer_found_and_the_new_words_are()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Fen Edit");
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], ("Fen", "I lived on Quarry Lane for years."));
        Assert.Equal(1, (await SearchAsync(api, projectId, "quarry")).Total);

        await App.SaveTranscriptAsync(projectId, storyId, lead, ("Fen", "I lived near the harbour for years."));

        Assert.Equal(0, (await SearchAsync(api, projectId, "quarry")).Total);
        Assert.Equal(0, (await SearchAsync(api, projectId, "\"Quarry Lane\"")).Total);
        Assert.Equal(1, (await SearchAsync(api, projectId, "harbour")).Total);
    }

    /// <summary>The story's line rows (text → id): the full-text index reads them where they are, so a row kept is an index entry kept.</summary>
    private async Task<Dictionary<string, long>> CueEntriesAsync(int storyId) =>
        await App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == storyId && c.Text != "").ToDictionaryAsync(c => c.Text, c => c.Id));

    private static async Task<int> PutTranscriptAsync(HttpClient api, int projectId, int storyId, int version, IReadOnlyList<(string Speaker, string Text)> lines)
    {
        var response = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/transcript",
            new { version, format = "edited", cues = lines.Select((l, i) => new { start = i * 10.0, end = i * 10 + 9.0, speaker = l.Speaker, text = l.Text }) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["version"]!;
    }

    [Fact]
    public async Task Saving_edits_rewrites_only_the_changed_lines_and_every_result_still_opens_at_its_words()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Ash Lines");
        List<(string Speaker, string Text)> lines =
        [
            ("Reporter", "Tell me about the allotment."),
            ("Ash", "The allotment gave me a reason to get up."),
            ("Ash", "My neighbour taught me to grow beans."),
            ("Reporter", "What changed for you?"),
            ("Ash", "I stopped feeling like a ghost on the estate."),
            ("Ash", "Now I run the seed swap on Saturdays."),
        ];
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], [.. lines]);
        var before = await CueEntriesAsync(storyId);
        var version = await App.WithDbAsync(db => db.Stories.Where(s => s.Id == storyId).Select(s => s.TranscriptVersion).SingleAsync());

        // One corrected line, then a line added at the top and the last one deleted.
        lines[2] = ("Ash", "My neighbour Winifred taught me to grow runner beans.");
        version = await PutTranscriptAsync(api, projectId, storyId, version, lines);
        var after = await CueEntriesAsync(storyId);
        Assert.Equal(before.Count, after.Count);
        foreach (var unchanged in lines.Where((_, i) => i != 2)) Assert.Equal(before[unchanged.Text], after[unchanged.Text]);
        Assert.Equal(1, (await SearchAsync(api, projectId, "Winifred")).Total);

        lines.Insert(0, ("Reporter", "We are recording now, is that still all right?"));
        lines.RemoveAt(lines.Count - 1);
        await PutTranscriptAsync(api, projectId, storyId, version, lines);
        Assert.Equal(0, (await SearchAsync(api, projectId, "\"seed swap\"")).Total);
        Assert.Equal(0, (await SearchAsync(api, projectId, "\"grow beans\"")).Total);

        // Every line is found at its own place in the story's text, in the order saved.
        var plain = string.Join("\n", lines.Select(l => l.Text));
        var stored = await App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == storyId).OrderBy(c => c.Position).Select(c => c.Text).ToListAsync());
        Assert.Equal(lines.Select(l => l.Text), stored);
        foreach (var (word, line) in new[] { ("recording", 0), ("allotment", 2), ("Winifred", 3), ("ghost", 5) })
        {
            var (results, total) = await SearchAsync(api, projectId, word);
            var hit = Assert.Single(results, r => (string)r!["snippet"]! == lines[line].Text);
            Assert.Equal(plain.IndexOf(lines[line].Text, StringComparison.Ordinal), (int)hit!["startOffset"]!);
            Assert.Equal(line * 10.0, (double)hit["start"]!);
            Assert.True(total >= 1);
        }
    }

    [Fact]
    public async Task Coding_leaves_the_search_index_alone_and_a_passage_memo_is_found_until_its_passage_goes()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Kit Coded");
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], ("Kit", "The food bank volunteers remembered my name."), ("Kit", "That mattered more than the food."));
        var themeId = await App.CreateThemeAsync(projectId, "Being known");
        var before = await CueEntriesAsync(storyId);

        var coded = await api.PostAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/passages", new { startOffset = 0, endOffset = 20, themeIds = new[] { themeId } });
        Assert.Equal(HttpStatusCode.OK, coded.StatusCode);
        var passageId = (int)(await coded.Content.ReadFromJsonAsync<JsonObject>())!["passageId"]!;
        Assert.Equal(before, await CueEntriesAsync(storyId));

        var memo = await api.PostAsJsonAsync($"/api/projects/{projectId}/memos?targetType=passage&targetId={passageId}", new { text = "Names as dignity: compare with the hostel stories." });
        Assert.True(memo.IsSuccessStatusCode, await memo.Content.ReadAsStringAsync());
        Assert.Equal(1, (await SearchAsync(api, projectId, "dignity")).Total);

        var removed = await api.DeleteAsync($"/api/projects/{projectId}/passages/{passageId}/themes/{themeId}");
        Assert.True(removed.IsSuccessStatusCode, await removed.Content.ReadAsStringAsync());
        Assert.Equal(0, (await SearchAsync(api, projectId, "dignity")).Total);
        Assert.Equal(before, await CueEntriesAsync(storyId));
    }

    [Fact]
    public async Task Transcript_lines_are_searched_where_they_are_stored_and_a_deleted_lines_words_leave_the_index_itself()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Ivo Index");
        var edited = "zq" + Guid.NewGuid().ToString("N")[..10] + "x";
        var deleted = "zq" + Guid.NewGuid().ToString("N")[..10] + "w"; // not "y": the porter stemmer stores a final y as i
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], ("Ivo", $"The word {edited} was said here."), ("Ivo", "The pier at dusk."));
        var otherId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], ("Ivo", $"And {deleted} in another story."));

        // No copy: search has no entry for a line; it finds the line's own row.
        Assert.Equal(0, await App.WithDbAsync(db => db.SearchEntries.CountAsync(e => e.StoryId == storyId || e.StoryId == otherId)));
        Assert.Equal(1, (await SearchAsync(api, projectId, edited)).Total);
        Assert.Equal(1, (await SearchAsync(api, projectId, deleted)).Total);
        Assert.True(await App.LineIndexHoldsAsync(edited));
        Assert.True(await App.LineIndexHoldsAsync(deleted));

        // A line edited away (the editor's save) and a whole story deleted (as a withdrawal deletes a story told alone):
        // nothing to remember in the code, and the words are gone from the index's own storage, not only from results.
        await App.SaveTranscriptAsync(projectId, storyId, lead, ("Ivo", "The word was said here."), ("Ivo", "The pier at dusk."));
        await App.WithDbAsync(db => db.Stories.Where(s => s.Id == otherId).ExecuteDeleteAsync());

        Assert.Equal(0, (await SearchAsync(api, projectId, edited)).Total);
        Assert.Equal(0, (await SearchAsync(api, projectId, deleted)).Total);
        Assert.False(await App.LineIndexHoldsAsync(edited));
        Assert.False(await App.LineIndexHoldsAsync(deleted));
        var (results, total) = await SearchAsync(api, projectId, "pier");
        Assert.Equal(1, total);
        Assert.Equal("The word was said here.".Length + 1, (int)results[0]!["startOffset"]!);
    }

    [Fact]
    public async Task Nothing_of_a_removed_story_is_found()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Gil Gone");
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], ("Gil", "The lighthouse keeper taught me to swim."));
        await App.WithDbAsync(async db =>
        {
            db.Memos.Add(new Memo { ProjectId = projectId, TargetType = MemoTarget.Story, TargetId = storyId, Text = "Lighthouse as safety.", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        await App.ReindexStoryAsync(projectId, storyId);
        Assert.Equal(2, (await SearchAsync(api, projectId, "lighthouse")).Total);

        await App.WithDbAsync(db => db.Stories.Where(s => s.Id == storyId).ExecuteDeleteAsync());

        Assert.Equal(0, (await SearchAsync(api, projectId, "lighthouse")).Total);
        Assert.Equal(0, await App.WithDbAsync(db => db.SearchEntries.CountAsync(e => e.StoryId == storyId)));
    }

    [Fact]
    public async Task Review_sheet_key_quote_and_memo_text_is_found()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Hal Review");
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], ("Hal", "Nothing to see in the transcript."));
        await App.WithDbAsync(async db =>
        {
            db.ReviewSheets.Add(new ReviewSheet
            {
                StoryId = storyId,
                ProjectId = projectId,
                Ideas = "Peer mentors made the difference.",
                ChangesForSociety = "Fund peer mentoring.",
                UpdatedAt = DateTime.UtcNow,
                KeyQuotes = [new KeyQuote { StoryId = storyId, Text = "A peer mentor believed me.", Speaker = "Hal", StartOffset = 0, EndOffset = 10, StartSeconds = 0 }],
            });
            db.Memos.Add(new Memo { ProjectId = projectId, TargetType = MemoTarget.Story, TargetId = storyId, Text = "Compare peer support across stories.", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        await App.ReindexStoryAsync(projectId, storyId);

        var (results, total) = await SearchAsync(api, projectId, "peer");
        Assert.Equal(3, total);
        Assert.Equal(["KeyQuote", "Memo", "ReviewSheet"], results.Select(r => (string)r!["kind"]!).Order(StringComparer.Ordinal).ToList());
        Assert.All(results, r => Assert.Equal(storyId, (int)r!["storyId"]!));
    }

    [Theory]
    [InlineData("\"unclosed")]
    [InlineData("AND OR")]
    [InlineData("OR")]
    [InlineData("NEAR(one two")]
    [InlineData("col:word ^start -minus")]
    [InlineData("***")]
    [InlineData("\"\"")]
    [InlineData("(((")]
    [InlineData("don't")]
    [InlineData("a:* | b & !c <-> d")]
    public async Task Query_syntax_gives_results_or_a_plain_message_never_an_error(string query)
    {
        var (projectId, lead, api) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Ivy Syntax");
        await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], ("Ivy", "One and two, or unclosed words: don't start the col word."));

        var response = await api.GetAsync($"/api/projects/{projectId}/search?q={Uri.EscapeDataString(query)}");
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{query}: {(int)response.StatusCode}");
        if (response.StatusCode == HttpStatusCode.BadRequest)
            Assert.Contains("Type a word or phrase", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var page = await (await App.SignInAsync(lead)).GetAsync($"/projects/{projectId}/search?q={Uri.EscapeDataString(query)}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task A_word_in_more_lines_than_are_listed_reads_more_than_and_the_page_and_api_say_only_the_best_are_listed()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Rowan Hale");
        var lines = Enumerable.Range(1, SearchService.MaxCandidates + 10).Select(i => ("Rowan", $"Day {i}: down at the harbour again."))
            .Append(("Rowan", "The lighthouse keeper waved.")).ToArray();
        await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], lines);

        var harbour = (await (await api.GetAsync($"/api/projects/{projectId}/search?q=harbour")).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(200, SearchService.MaxCandidates);
        Assert.Equal(200, (int)harbour["total"]!);
        Assert.True((bool)harbour["totalIsCapped"]!);
        Assert.Equal(200, (int)harbour["maxResults"]!);
        var lastPage = (await (await api.GetAsync($"/api/projects/{projectId}/search?q=harbour&page=10")).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(20, ((JsonArray)lastPage["results"]!).Count);
        var browser = await App.SignInAsync(lead);
        var page = await browser.GetStringAsync($"/projects/{projectId}/search?q=harbour");
        Assert.Contains("Showing 1 to 20 of more than 200 results", page, StringComparison.Ordinal);
        Assert.Contains("Only the best 200 matches are listed: to find others, add a word or choose a filter.", page, StringComparison.Ordinal);
        Assert.Contains("Page 1 of 10", page, StringComparison.Ordinal);

        var lighthouse = (await (await api.GetAsync($"/api/projects/{projectId}/search?q=lighthouse")).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1, (int)lighthouse["total"]!);
        Assert.False((bool)lighthouse["totalIsCapped"]!);
        var fewPage = await browser.GetStringAsync($"/projects/{projectId}/search?q=lighthouse");
        Assert.Contains("Showing 1 to 1 of 1 results", fewPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Only the best", fewPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_query_is_a_400_with_a_plain_message()
    {
        var (projectId, _, api) = await ProjectAsync();
        var response = await api.GetAsync($"/api/projects/{projectId}/search?q=%20");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Type a word or phrase to search for.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Highlighting_escapes_markup_in_stored_text()
    {
        var (projectId, lead, api) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Jay Markup");
        await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], ("Jay", "Someone wrote <script>alert(1)</script> & <b>bold</b> on the greenhouse wall."));

        var (results, _) = await SearchAsync(api, projectId, "greenhouse");
        var html = (string)Assert.Single(results)!["snippetHtml"]!;
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("<mark>greenhouse</mark>", html, StringComparison.Ordinal);
        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/search?q=greenhouse");
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>bold", page, StringComparison.Ordinal);
        Assert.Contains("<mark>greenhouse</mark>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_result_links_to_its_place_in_the_transcript_and_coders_get_a_code_this_link()
    {
        var (projectId, lead, _) = await ProjectAsync();
        var teller = await App.CreateStorytellerAsync(projectId, lead, "Kit Link");
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [teller], ("Reporter", "Hello."), ("Kit", "The canal boat was home."));
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, viewer, ProjectRole.Viewer);

        var leadPage = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/search?q=canal");
        Assert.Contains($"href=\"/projects/{projectId}/stories/{storyId}#t-7\"", leadPage, StringComparison.Ordinal);
        Assert.Contains($"href=\"/projects/{projectId}/stories/{storyId}/coding#t-7\"", leadPage, StringComparison.Ordinal);
        Assert.Contains($"href=\"/projects/{projectId}/search\"", leadPage, StringComparison.Ordinal); // the project menu

        var viewerClient = await App.SignInAsync(viewer);
        var viewerPage = await viewerClient.GetStringAsync($"/projects/{projectId}/search?q=canal");
        Assert.Contains($"/stories/{storyId}#t-7", viewerPage, StringComparison.Ordinal);
        Assert.DoesNotContain("/coding#", viewerPage, StringComparison.Ordinal);

        var story = await viewerClient.GetStringAsync($"/projects/{projectId}/stories/{storyId}");
        Assert.Contains("<li id=\"t-0\">", story, StringComparison.Ordinal);
        Assert.Contains("<li id=\"t-7\">", story, StringComparison.Ordinal);
    }
}
