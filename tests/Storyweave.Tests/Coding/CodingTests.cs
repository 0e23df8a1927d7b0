using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Coding;
using Storyweave.Features.Projects;
using Storyweave.Features.PublicSite;
using Storyweave.Features.Search;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Coding;

public sealed class CodingTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    // Plain text (cues joined by "\n"):
    //   [0,22) Reporter  [23,48) Dana  [49,88) Dana  [89,97) Reporter  [98,122) Eli
    private static readonly TranscriptService.CueInput[] Cues =
    [
        new(0, 4, "Reporter", "What brought you here?"),
        new(4, 9.5, "Dana", "A leaflet in the library."),
        new(9.5, 15, "Dana", "Then the group became my second family."),
        new(15, 17, "Reporter", "And now?"),
        new(17, 20, "Eli", "I still come every week."),
    ];

    private sealed record Setup(int ProjectId, int StoryId, int ThemeA, int ThemeB, HttpClient Api, TestApp.TestUser Lead);

    private async Task<Setup> SetupAsync(bool eliAgrees = true)
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var (storyId, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Dana"), new("Eli", eliAgrees)], Cues);
        var a = await App.CreateThemeAsync(projectId, "Belonging", "#1f5c4a");
        var b = await App.CreateThemeAsync(projectId, "Finding help", "#a4161a");
        return new Setup(projectId, storyId, a, b, await App.ApiClientAsync(lead), lead);
    }

    private static async Task<JsonArray> PassagesAsync(HttpClient api, Setup s, string query = "") =>
        (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages{query}"))!;

    [Fact]
    public async Task Coding_a_selection_stores_exact_offsets_the_snippet_and_the_media_times_of_the_covered_cues()
    {
        var s = await SetupAsync();
        var generation = App.Services.GetRequiredService<PublicPageCache>().Generation;
        var before = DateTime.UtcNow.AddSeconds(-1);
        // From "library." in Dana's first turn to "group" in her second: 23 + 17 = 40 to 49 + 14 = 63.
        var coded = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages", new { startOffset = 40, endOffset = 63, themeIds = new[] { s.ThemeA } });
        Assert.Equal(HttpStatusCode.OK, coded.StatusCode);
        var passageId = (int)(await coded.Content.ReadFromJsonAsync<JsonObject>())!["passageId"]!;
        // The passage, its theme and its event are written past EF's save (BulkInsert): the public pages' cache still hears of it.
        Assert.True(App.Services.GetRequiredService<PublicPageCache>().Generation > generation);

        var p = await App.WithDbAsync(db => db.Passages.Include(x => x.Themes).SingleAsync(x => x.Id == passageId));
        Assert.Equal(s.ProjectId, p.ProjectId);
        Assert.Equal(s.StoryId, p.StoryId);
        Assert.InRange(p.CreatedAt, before, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(DateTimeKind.Utc, p.CreatedAt.Kind);
        var link = Assert.Single(p.Themes);
        Assert.Equal((s.Lead.Id, p.CreatedAt), (link.CoderUserId, link.CodedAt));
        var pid = passageId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var ev = await App.WithDbAsync(db => db.Events.AsNoTracking().SingleAsync(e => e.ProjectId == s.ProjectId && e.Action == "passage.coded" && e.ObjectId == pid));
        Assert.Equal((s.Lead.Id, "passage", $"theme:{s.ThemeA}"), (ev.ActorUserId, ev.ObjectType, ev.Detail));
        Assert.InRange(ev.OccurredAt, p.CreatedAt, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(40, p.StartOffset);
        Assert.Equal(63, p.EndOffset);
        Assert.Equal("library.\nThen the group", p.Snippet);
        Assert.Equal(4.0, p.StartSeconds);
        Assert.Equal(15.0, p.EndSeconds);
        Assert.Equal("Dana", p.Speaker);
        Assert.Equal(s.Lead.Id, p.CoderUserId);
        Assert.Equal("coding", p.Origin);
        Assert.Equal([s.ThemeA], p.Themes.Select(t => t.ThemeId));

        // The identical span coded again with another theme is the same passage with two themes.
        var again = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages", new { startOffset = 40, endOffset = 63, themeIds = new[] { s.ThemeB, s.ThemeA } });
        Assert.Equal(passageId, (int)(await again.Content.ReadFromJsonAsync<JsonObject>())!["passageId"]!);
        Assert.Equal(2, await App.WithDbAsync(db => db.PassageThemes.CountAsync(x => x.PassageId == passageId)));
        Assert.Equal(2, await App.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == s.ProjectId && e.Action == "passage.coded" && e.ObjectId == passageId.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        var listed = Assert.Single(await PassagesAsync(s.Api, s))!;
        Assert.Equal("library.\nThen the group", (string?)listed["snippet"]);
        Assert.Equal(2, ((JsonArray)listed["themes"]!).Count);
    }

    [Fact]
    public async Task After_the_transcript_is_edited_a_selection_is_placed_on_the_new_words_not_the_old_ones()
    {
        var s = await SetupAsync();
        var passages = $"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages";
        async Task<string> CodeAsync(int start, int end)
        {
            var response = await s.Api.PostAsJsonAsync(passages, new { startOffset = start, endOffset = end, themeIds = new[] { s.ThemeA } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var id = (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["passageId"]!;
            return await App.WithDbAsync(db => db.Passages.Where(p => p.Id == id).Select(p => p.Snippet).SingleAsync());
        }
        Assert.Equal("leaflet", await CodeAsync(25, 32)); // "A leaflet in the library." starts at 23

        // A new first line and a longer second turn move every later word.
        var version = await App.WithDbAsync(db => db.Stories.Where(x => x.Id == s.StoryId).Select(x => x.TranscriptVersion).SingleAsync());
        string[][] lines =
        [
            ["Reporter", "Thank you for coming."],
            ["Reporter", "What brought you here?"],
            ["Dana", "A leaflet I found in the library, pinned to the board."],
            ["Dana", "Then the group became my second family."],
            ["Reporter", ""],
            ["Eli", "I still come every week, \ud83d\ude42 mostly."],
        ];
        var saved = await s.Api.PutAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/transcript",
            new { version, format = "edited", cues = lines.Select((l, i) => new { start = i * 4.0, end = i * 4 + 3.5, speaker = l[0], text = l[1] }) });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var text = string.Join("\n", lines.Select(l => l[1]));

        // Within a line, across lines (from a line's end, over its "\n"), past an empty line and an emoji to the very end.
        foreach (var (from, to) in new[] { ("leaflet I found", "leaflet I found"), ("board.", "Then the"), ("family.", "week, \ud83d\ude42"), ("\ud83d\ude42", " mostly.") })
        {
            var start = text.IndexOf(from, StringComparison.Ordinal);
            var end = text.IndexOf(to, start, StringComparison.Ordinal) + to.Length;
            Assert.Equal(text[start..end], await CodeAsync(start, end));
        }
        var lastLine = text.LastIndexOf('\n') + 1;
        Assert.Equal(text[(lastLine - 1)..], await CodeAsync(lastLine - 1, text.Length)); // starting on the separator itself
        var beyond = await s.Api.PostAsJsonAsync(passages, new { startOffset = 10, endOffset = text.Length + 1, themeIds = new[] { s.ThemeA } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, beyond.StatusCode);
    }

    [Fact]
    public async Task A_span_two_coders_coded_at_the_same_moment_can_still_be_coded_the_oldest_passage_gets_the_theme()
    {
        var s = await SetupAsync();
        // Two passages with the identical span, as two coders coding Dana's first turn at the same moment leave them
        // (each request found none and made one).
        var twins = await App.WithDbAsync(async db =>
        {
            var made = Enumerable.Range(0, 2).Select(_ => new CodedPassage
            {
                ProjectId = s.ProjectId,
                StoryId = s.StoryId,
                StartOffset = 23,
                EndOffset = 48,
                Snippet = "A leaflet in the library.",
                Speaker = "Dana",
                CoderUserId = s.Lead.Id,
                CreatedAt = DateTime.UtcNow,
                Origin = "coding",
                Themes = [new PassageTheme { ThemeId = s.ThemeA, CodedAt = DateTime.UtcNow }],
            }).ToList();
            db.Passages.AddRange(made);
            await db.SaveChangesAsync();
            return made.Select(p => p.Id).Order().ToList();
        });

        var coded = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages", new { startOffset = 23, endOffset = 48, themeIds = new[] { s.ThemeB } });
        Assert.Equal(HttpStatusCode.OK, coded.StatusCode);
        Assert.Equal(twins[0], (int)(await coded.Content.ReadFromJsonAsync<JsonObject>())!["passageId"]!);
        var bySpeaker = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages/by-speaker", new { speaker = "Dana", themeIds = new[] { s.ThemeB } });
        Assert.Equal(HttpStatusCode.OK, bySpeaker.StatusCode);
        Assert.Equal([s.ThemeA, s.ThemeB], await App.WithDbAsync(db => db.PassageThemes.Where(t => t.PassageId == twins[0]).Select(t => t.ThemeId).Order().ToListAsync()));
        Assert.Equal([s.ThemeA], await App.WithDbAsync(db => db.PassageThemes.Where(t => t.PassageId == twins[1]).Select(t => t.ThemeId).ToListAsync()));
    }

    [Fact]
    public async Task A_new_passage_never_takes_the_id_of_a_deleted_one_and_its_event_names_it()
    {
        var s = await SetupAsync();
        var url = $"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages";
        async Task<int> CodeAsync(int start, int end)
        {
            var response = await s.Api.PostAsJsonAsync(url, new { startOffset = start, endOffset = end, themeIds = new[] { s.ThemeA, s.ThemeB } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["passageId"]!;
        }
        // The newest passage of all loses both themes and is deleted; the next one coded must not come back under its id
        // (the activity log and any memo still name the old one).
        var first = await CodeAsync(23, 48);
        foreach (var theme in new[] { s.ThemeA, s.ThemeB })
            Assert.Equal(HttpStatusCode.NoContent, (await s.Api.DeleteAsync($"/api/projects/{s.ProjectId}/passages/{first}/themes/{theme}")).StatusCode);
        var next = await CodeAsync(49, 88);
        Assert.True(next > first, $"passage {next} after deleted passage {first}");

        var p = await App.WithDbAsync(db => db.Passages.Include(x => x.Themes).SingleAsync(x => x.Id == next));
        Assert.Equal("Then the group became my second family.", p.Snippet);
        Assert.Equal([s.ThemeA, s.ThemeB], p.Themes.Select(t => t.ThemeId).Order());
        var id = next.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var ev = await App.WithDbAsync(db => db.Events.SingleAsync(e => e.ProjectId == s.ProjectId && e.Action == "passage.coded" && e.ObjectId == id));
        Assert.Equal($"theme:{s.ThemeA},{s.ThemeB}", ev.Detail);
    }

    [Fact]
    public async Task A_selection_outside_the_text_or_without_a_project_theme_is_refused_with_a_plain_message()
    {
        var s = await SetupAsync();
        var url = $"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages";
        var tooFar = await s.Api.PostAsJsonAsync(url, new { startOffset = 100, endOffset = 500, themeIds = new[] { s.ThemeA } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooFar.StatusCode);
        Assert.Contains("not part of this transcript", (string?)(await tooFar.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!["message"], StringComparison.Ordinal);

        var otherProject = await App.CreateProjectAsync(s.Lead);
        var foreignTheme = await App.CreateThemeAsync(otherProject, "Elsewhere");
        var foreign = await s.Api.PostAsJsonAsync(url, new { startOffset = 0, endOffset = 5, themeIds = new[] { foreignTheme } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, foreign.StatusCode);

        await App.WithDbAsync(db => db.Themes.Where(t => t.Id == s.ThemeB).ExecuteUpdateAsync(u => u.SetProperty(t => t.DeletedAt, DateTime.UtcNow)));
        var deleted = await s.Api.PostAsJsonAsync(url, new { startOffset = 0, endOffset = 5, themeIds = new[] { s.ThemeB } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, deleted.StatusCode);
        Assert.Equal(0, await App.WithDbAsync(db => db.Passages.CountAsync(p => p.StoryId == s.StoryId)));
    }

    [Fact]
    public async Task Coding_by_speaker_codes_exactly_that_speakers_turns_and_not_the_reporters_or_another_storytellers()
    {
        var s = await SetupAsync();
        var coded = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages/by-speaker", new { speaker = "Dana", themeIds = new[] { s.ThemeA, s.ThemeB } });
        Assert.Equal(HttpStatusCode.OK, coded.StatusCode);

        var passages = await App.WithDbAsync(db => db.Passages.Include(p => p.Themes).Where(p => p.StoryId == s.StoryId).OrderBy(p => p.StartOffset).ToListAsync());
        Assert.Equal(2, passages.Count);
        Assert.All(passages, p => Assert.Equal("Dana", p.Speaker));
        Assert.All(passages, p => Assert.Equal(2, p.Themes.Count));
        Assert.Equal((23, 48, "A leaflet in the library.", 4.0, 9.5), (passages[0].StartOffset, passages[0].EndOffset, passages[0].Snippet, passages[0].StartSeconds!.Value, passages[0].EndSeconds!.Value));
        Assert.Equal((49, 88, "Then the group became my second family.", 9.5, 15.0), (passages[1].StartOffset, passages[1].EndOffset, passages[1].Snippet, passages[1].StartSeconds!.Value, passages[1].EndSeconds!.Value));

        var unknown = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages/by-speaker", new { speaker = "Nobody", themeIds = new[] { s.ThemeA } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
    }

    /// <summary>
    /// Coding every turn writes its passages, themes and events in bulk (issue #17): the rows must be the ones a passage
    /// coded on its own gets, one event per passage whose themes changed, and the passages coded afterwards new ids.
    /// </summary>
    [Fact]
    public async Task Coding_every_turn_again_adds_only_the_missing_theme_with_one_event_per_changed_passage_and_later_passages_get_new_ids()
    {
        var s = await SetupAsync();
        var url = $"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages";
        var byHand = await s.Api.PostAsJsonAsync(url, new { startOffset = 23, endOffset = 48, themeIds = new[] { s.ThemeA } });
        var handId = (int)(await byHand.Content.ReadFromJsonAsync<JsonObject>())!["passageId"]!;
        var generation = App.Services.GetRequiredService<PublicPageCache>().Generation;

        var first = await s.Api.PostAsJsonAsync($"{url}/by-speaker", new { speaker = "Dana", themeIds = new[] { s.ThemeA } });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var ids = (await first.Content.ReadFromJsonAsync<JsonObject>())!["passageIds"]!.AsArray().Select(x => (int)x!).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Equal(handId, ids[0]);
        // A write the public pages' cache must hear of, although EF's interceptors do not see bulk inserts.
        Assert.True(App.Services.GetRequiredService<PublicPageCache>().Generation > generation);
        var made = await App.WithDbAsync(db => db.Passages.AsNoTracking().SingleAsync(p => p.Id == ids[1]));
        Assert.Equal((s.ProjectId, 49, 88, "Then the group became my second family.", 9.5, 15.0, "Dana", s.Lead.Id, "coding"),
            (made.ProjectId, made.StartOffset, made.EndOffset, made.Snippet, made.StartSeconds!.Value, made.EndSeconds!.Value, made.Speaker, made.CoderUserId, made.Origin));
        Assert.Equal(DateTimeKind.Utc, made.CreatedAt.Kind);
        Assert.True(made.CreatedAt > DateTime.UtcNow.AddMinutes(-5));

        // Again with both themes: only the second theme is added, to both passages, and each gets one event saying so.
        var again = await s.Api.PostAsJsonAsync($"{url}/by-speaker", new { speaker = "Dana", themeIds = new[] { s.ThemeA, s.ThemeB } });
        Assert.Equal(ids, (await again.Content.ReadFromJsonAsync<JsonObject>())!["passageIds"]!.AsArray().Select(x => (int)x!).ToList());
        var links = await App.WithDbAsync(db => db.PassageThemes.AsNoTracking().Where(t => ids.Contains(t.PassageId)).OrderBy(t => t.PassageId).ThenBy(t => t.ThemeId).ToListAsync());
        Assert.Equal([(handId, s.ThemeA), (handId, s.ThemeB), (ids[1], s.ThemeA), (ids[1], s.ThemeB)], links.Select(t => (t.PassageId, t.ThemeId)));
        Assert.All(links, t => Assert.Equal(s.Lead.Id, t.CoderUserId));
        Assert.All(links, t => Assert.True(t.CodedAt > DateTime.UtcNow.AddMinutes(-5)));

        var events = await App.WithDbAsync(db => db.Events.AsNoTracking().Where(e => e.ProjectId == s.ProjectId && e.Action == "passage.coded").OrderBy(e => e.Id)
            .Select(e => new { e.ActorUserId, e.ObjectType, e.ObjectId, e.Detail }).ToListAsync());
        string Id(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
        [
            (s.Lead.Id, "passage", Id(handId), $"theme:{s.ThemeA}"),
            (s.Lead.Id, "passage", Id(ids[1]), $"theme:{s.ThemeA}"),
            (s.Lead.Id, "passage", Id(handId), $"theme:{s.ThemeB}"),
            (s.Lead.Id, "passage", Id(ids[1]), $"theme:{s.ThemeB}"),
        ], events.Select(e => (e.ActorUserId, e.ObjectType!, e.ObjectId!, e.Detail!)));
        // The coding page's list (what it refetches) shows both turns with both themes.
        var shown = await PassagesAsync(s.Api, s);
        Assert.Equal(2, shown.Count);
        Assert.All(shown, p => Assert.Equal(2, p!["themes"]!.AsArray().Count));

        // Nothing new: no passage, no theme, no event.
        await s.Api.PostAsJsonAsync($"{url}/by-speaker", new { speaker = "Dana", themeIds = new[] { s.ThemeB } });
        Assert.Equal(4, await App.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == s.ProjectId && e.Action == "passage.coded")));
        Assert.Equal(2, await App.WithDbAsync(db => db.Passages.CountAsync(p => p.StoryId == s.StoryId)));

        // A passage and an event made afterwards get ids after these.
        var later = await s.Api.PostAsJsonAsync(url, new { startOffset = 98, endOffset = 122, themeIds = new[] { s.ThemeA } });
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.True((int)(await later.Content.ReadFromJsonAsync<JsonObject>())!["passageId"]! > ids.Max());
        Assert.Equal(5, await App.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == s.ProjectId && e.Action == "passage.coded")));
    }

    [Fact]
    public async Task A_storyteller_without_analysis_consent_has_their_turns_hidden_and_they_cannot_be_coded()
    {
        var s = await SetupAsync(eliAgrees: false);
        var page = await (await App.SignInAsync(s.Lead)).GetStringAsync($"/projects/{s.ProjectId}/stories/{s.StoryId}/coding");
        Assert.DoesNotContain("I still come every week.", page, StringComparison.Ordinal);
        Assert.Contains("has not agreed to use in analysis", page, StringComparison.Ordinal);
        Assert.Contains("A leaflet in the library.", page, StringComparison.Ordinal);

        var url = $"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages";
        var overEli = await s.Api.PostAsJsonAsync(url, new { startOffset = 98, endOffset = 105, themeIds = new[] { s.ThemeA } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, overEli.StatusCode);
        Assert.Equal(CodingService.NotInScopeMessage, (string?)(await overEli.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!["message"]);
        // A selection that runs from the reporter's turn into Eli's is refused as a whole.
        var across = await s.Api.PostAsJsonAsync(url, new { startOffset = 89, endOffset = 105, themeIds = new[] { s.ThemeA } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, across.StatusCode);
        var bySpeaker = await s.Api.PostAsJsonAsync($"{url}/by-speaker", new { speaker = "Eli", themeIds = new[] { s.ThemeA } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bySpeaker.StatusCode);
        Assert.Equal(0, await App.WithDbAsync(db => db.Passages.CountAsync(p => p.StoryId == s.StoryId)));

        // A passage coded before Eli withdrew is no longer shown or counted.
        await App.WithDbAsync(async db =>
        {
            db.Passages.Add(new CodedPassage { ProjectId = s.ProjectId, StoryId = s.StoryId, StartOffset = 98, EndOffset = 105, Snippet = "I still", Speaker = "Eli", CreatedAt = DateTime.UtcNow, Themes = [new PassageTheme { ThemeId = s.ThemeA, CodedAt = DateTime.UtcNow }] });
            return await db.SaveChangesAsync();
        });
        Assert.Empty(await PassagesAsync(s.Api, s));
        var counts = (await s.Api.GetFromJsonAsync<JsonArray>($"/api/projects/{s.ProjectId}/theme-counts"))!;
        Assert.Equal(0, (int)counts.Single(c => (int)c!["themeId"]! == s.ThemeA)!["passages"]!);
    }

    [Fact]
    public async Task Removing_the_last_theme_deletes_the_passage()
    {
        var s = await SetupAsync();
        var coded = await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages", new { startOffset = 23, endOffset = 48, themeIds = new[] { s.ThemeA, s.ThemeB } });
        var passageId = (int)(await coded.Content.ReadFromJsonAsync<JsonObject>())!["passageId"]!;

        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.DeleteAsync($"/api/projects/{s.ProjectId}/passages/{passageId}/themes/{s.ThemeA}")).StatusCode);
        Assert.Equal([s.ThemeB], await App.WithDbAsync(db => db.PassageThemes.Where(x => x.PassageId == passageId).Select(x => x.ThemeId).ToListAsync()));

        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.DeleteAsync($"/api/projects/{s.ProjectId}/passages/{passageId}/themes/{s.ThemeB}")).StatusCode);
        Assert.False(await App.WithDbAsync(db => db.Passages.AnyAsync(p => p.Id == passageId)));
        Assert.Equal(HttpStatusCode.NotFound, (await s.Api.DeleteAsync($"/api/projects/{s.ProjectId}/passages/{passageId}/themes/{s.ThemeB}")).StatusCode);
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.Action == "passage.deleted" && e.ObjectId == passageId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task Counts_per_theme_count_exactly_the_turns_the_consent_rule_shows()
    {
        // A group story (Dana agrees, Eli does not) with a turn of someone nobody is linked to; a story both of whose
        // storytellers agree, with a speaker that has no label and a label linked to Eli; a story nobody agreed to.
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var (group, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Dana"), new("Eli", false)],
            [.. Cues, new(20, 22, "Someone unnamed", "Can I say something?")]);
        var (agreed, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Fran"), new("Gus")], [new(0, 3, "Fran", "The bus stopped running."), new(3, 5, "Gus", "So we walked.")]);
        var (refused, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Hal", false)], [new(0, 3, "Hal", "Not for sharing.")]);
        var theme = await App.CreateThemeAsync(projectId, "Getting there");
        var api = await App.ApiClientAsync(lead);
        await App.WithDbAsync(async db =>
        {
            var eli = await db.Storytellers.SingleAsync(t => t.ProjectId == projectId && t.Name == "Eli");
            db.SpeakerLabels.Add(new SpeakerLabel { StoryId = agreed, Label = "Eli", StorytellerId = eli.Id });
            foreach (var (storyId, speaker) in new[] { (group, "Dana"), (group, "Reporter"), (group, "Eli"), (group, "Someone unnamed"), (agreed, "Fran"), (agreed, "Visitor"), (agreed, "Eli"), (refused, "Hal") })
                db.Passages.Add(new CodedPassage { ProjectId = projectId, StoryId = storyId, StartOffset = 0, EndOffset = 3, Snippet = "abc", Speaker = speaker, CreatedAt = DateTime.UtcNow, Themes = [new PassageTheme { ThemeId = theme, CodedAt = DateTime.UtcNow }] });
            return await db.SaveChangesAsync();
        });


        // The database's condition and the rule agree passage by passage.
        await using var scope = App.Services.CreateAsyncScope();
        var coding = scope.ServiceProvider.GetRequiredService<CodingService>();
        var db = scope.ServiceProvider.GetRequiredService<Storyweave.Data.StoryweaveDb>();
        var rule = await coding.ScopeAsync(projectId, CancellationToken.None);
        var all = await db.Passages.Where(p => p.ProjectId == projectId).Select(p => new { p.Id, p.StoryId, p.Speaker }).ToListAsync();
        var byDatabase = await rule.WhereTurnVisible(db.Passages.Where(p => p.ProjectId == projectId)).Select(p => p.Id).ToListAsync();
        Assert.Equal(all.Where(p => rule.IsTurnVisible(p.StoryId, p.Speaker)).Select(p => p.Id).Order(), byDatabase.Order());
        Assert.Equal(4, byDatabase.Count);
        // Shown: Dana and the reporter in the group story; Fran and the unlabelled visitor where everyone agreed.
        var counts = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{projectId}/theme-counts?storyId={group}"))!.Single(c => (int)c!["themeId"]! == theme)!;
        Assert.Equal((4, 2, 2), ((int)counts["passages"]!, (int)counts["stories"]!, (int)counts["inStory"]!));
    }

    [Fact]
    public async Task Counts_per_theme_cover_the_story_and_the_whole_project()
    {
        var s = await SetupAsync();
        var (otherStory, _) = await App.CreateCodingStoryAsync(s.ProjectId, s.Lead, [new("Fran")], [new(0, 3, "Fran", "The bus stopped running.")]);
        var url = $"/api/projects/{s.ProjectId}/stories";
        await s.Api.PostAsJsonAsync($"{url}/{s.StoryId}/passages/by-speaker", new { speaker = "Dana", themeIds = new[] { s.ThemeA } });
        await s.Api.PostAsJsonAsync($"{url}/{s.StoryId}/passages", new { startOffset = 0, endOffset = 22, themeIds = new[] { s.ThemeB } });
        await s.Api.PostAsJsonAsync($"{url}/{otherStory}/passages", new { startOffset = 0, endOffset = 7, themeIds = new[] { s.ThemeA } });

        var counts = (await s.Api.GetFromJsonAsync<JsonArray>($"/api/projects/{s.ProjectId}/theme-counts?storyId={s.StoryId}"))!;
        var a = counts.Single(c => (int)c!["themeId"]! == s.ThemeA)!;
        var b = counts.Single(c => (int)c!["themeId"]! == s.ThemeB)!;
        Assert.Equal((3, 2, 2), ((int)a["passages"]!, (int)a["stories"]!, (int)a["inStory"]!));
        Assert.Equal((1, 1, 1), ((int)b["passages"]!, (int)b["stories"]!, (int)b["inStory"]!));
    }

    [Fact]
    public async Task The_coding_page_counts_its_own_story_and_counts_the_project_only_when_asked()
    {
        var s = await SetupAsync(eliAgrees: false);
        var (otherStory, _) = await App.CreateCodingStoryAsync(s.ProjectId, s.Lead, [new("Fran")], [new(0, 3, "Fran", "The bus stopped running.")]);
        var (withheldStory, _) = await App.CreateCodingStoryAsync(s.ProjectId, s.Lead, [new("Gus")], [new(0, 3, "Gus", "Nobody came to the meeting.")]);
        var url = $"/api/projects/{s.ProjectId}/stories";
        await s.Api.PostAsJsonAsync($"{url}/{s.StoryId}/passages/by-speaker", new { speaker = "Dana", themeIds = new[] { s.ThemeA } });
        await s.Api.PostAsJsonAsync($"{url}/{otherStory}/passages", new { startOffset = 0, endOffset = 7, themeIds = new[] { s.ThemeA } });
        await s.Api.PostAsJsonAsync($"{url}/{withheldStory}/passages", new { startOffset = 0, endOffset = 6, themeIds = new[] { s.ThemeA } });
        var gus = await App.WithDbAsync(db => db.StoryStorytellers.Where(x => x.StoryId == withheldStory).Select(x => x.StorytellerId).SingleAsync());
        await App.WithdrawAnalysisConsentAsync(s.ProjectId, gus);
        // A passage of Eli's (who never agreed) coded before that was known: not counted here or in the project.
        await App.WithDbAsync(async db =>
        {
            db.Passages.Add(new CodedPassage { ProjectId = s.ProjectId, StoryId = s.StoryId, StartOffset = 98, EndOffset = 105, Snippet = "I still", Speaker = "Eli", CreatedAt = DateTime.UtcNow, Themes = [new PassageTheme { ThemeId = s.ThemeA, CodedAt = DateTime.UtcNow }] });
            return await db.SaveChangesAsync();
        });

        var client = await App.SignInAsync(s.Lead);
        var page = $"/projects/{s.ProjectId}/stories/{s.StoryId}/coding";
        static string Row(string html, int themeId) =>
            System.Text.RegularExpressions.Regex.Match(html, $"<tr data-theme=\"{themeId}\">.*?</tr>").Value;

        // The page itself counts only this story (Dana's two turns) and leaves the project's columns to coding.js.
        var html = await client.GetStringAsync(page);
        var a = Row(html, s.ThemeA);
        Assert.Contains("<td data-count=\"inStory\">2</td><td data-count=\"passages\"></td><td data-count=\"stories\"></td>", a, StringComparison.Ordinal);
        Assert.Contains("<td data-count=\"inStory\">0</td>", Row(html, s.ThemeB), StringComparison.Ordinal);
        Assert.Contains("href=\"?counts=project#theme-counts\"", html, StringComparison.Ordinal);

        // Asked (the link for pages without script), the server counts the whole project as the API does: the withheld story is left out.
        var counted = await client.GetStringAsync(page + "?counts=project");
        Assert.Contains("<td data-count=\"inStory\">2</td><td data-count=\"passages\">3</td><td data-count=\"stories\">2</td>", Row(counted, s.ThemeA), StringComparison.Ordinal);
        Assert.DoesNotContain("?counts=project", counted, StringComparison.Ordinal);
        var api = (await s.Api.GetFromJsonAsync<JsonArray>($"/api/projects/{s.ProjectId}/theme-counts?storyId={s.StoryId}"))!.Single(c => (int)c!["themeId"]! == s.ThemeA)!;
        Assert.Equal((3, 2, 2), ((int)api["passages"]!, (int)api["stories"]!, (int)api["inStory"]!));

        // The withheld story's own coding page shows none of it.
        var withheld = await client.GetStringAsync($"/projects/{s.ProjectId}/stories/{withheldStory}/coding");
        Assert.DoesNotContain("Nobody came to the meeting.", withheld, StringComparison.Ordinal);
        Assert.Contains("<td data-count=\"inStory\">0</td>", Row(withheld, s.ThemeA), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_coder_filter_shows_mine_or_everyones_codes()
    {
        var s = await SetupAsync();
        var analyst = await App.CreateUserAsync(name: "Ana Lyst");
        await App.AddMemberAsync(s.ProjectId, analyst, ProjectRole.Analyst);
        var analystApi = await App.ApiClientAsync(analyst);
        await s.Api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages", new { startOffset = 23, endOffset = 48, themeIds = new[] { s.ThemeA } });
        await analystApi.PostAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages", new { startOffset = 49, endOffset = 88, themeIds = new[] { s.ThemeB } });

        Assert.Equal(2, (await PassagesAsync(s.Api, s)).Count);
        var mine = Assert.Single(await PassagesAsync(analystApi, s, "?coder=me"))!;
        Assert.Equal("Ana Lyst", (string?)mine["themes"]![0]!["coderName"]);
        Assert.Equal(49, (int)Assert.Single(await PassagesAsync(s.Api, s, $"?coder={analyst.Id}"))!["startOffset"]!);

        // Without JavaScript: the same filter by query string, and the "Code this line" form.
        var client = await App.SignInAsync(analyst);
        var page = $"/projects/{s.ProjectId}/stories/{s.StoryId}/coding";
        var filtered = await client.GetStringAsync(page + "?coder=me");
        Assert.Contains("Then the group became", filtered, StringComparison.Ordinal);
        Assert.DoesNotContain("by Team Person", filtered, StringComparison.Ordinal);
        var posted = await TestApp.PostFormAsync(client, page, new() { ["position"] = "3", ["themeIds"] = s.ThemeA.ToString(System.Globalization.CultureInfo.InvariantCulture) }, page + "?handler=CodeLine");
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var line = await App.WithDbAsync(db => db.Passages.SingleAsync(p => p.StoryId == s.StoryId && p.Speaker == "Reporter"));
        Assert.Equal((89, 97, "And now?"), (line.StartOffset, line.EndOffset, line.Snippet));
    }

    [Fact]
    public async Task The_coding_page_lists_a_passages_themes_by_name_leaves_out_deleted_ones_and_filtered_still_offers_every_coder()
    {
        var s = await SetupAsync();
        var analyst = await App.CreateUserAsync(name: "Ana Lyst");
        await App.AddMemberAsync(s.ProjectId, analyst, ProjectRole.Analyst);
        var analystApi = await App.ApiClientAsync(analyst);
        var gone = await App.CreateThemeAsync(s.ProjectId, "Accessibility", "#333333");
        var url = $"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages";
        // "Finding help" first, then "Belonging": the page lists them by name. "Accessibility" is deleted afterwards.
        Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsJsonAsync(url, new { startOffset = 23, endOffset = 48, themeIds = new[] { s.ThemeB, gone } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsJsonAsync(url, new { startOffset = 23, endOffset = 48, themeIds = new[] { s.ThemeA } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await analystApi.PostAsJsonAsync(url, new { startOffset = 49, endOffset = 88, themeIds = new[] { s.ThemeB } })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await s.Api.DeleteAsync($"/api/projects/{s.ProjectId}/codebook/themes/{gone}?confirm=true")).StatusCode);

        var client = await App.SignInAsync(s.Lead);
        var page = $"/projects/{s.ProjectId}/stories/{s.StoryId}/coding";
        static List<string> Codes(string html) =>
            System.Text.RegularExpressions.Regex.Matches(html, "<span class=\"code-theme\">([^<]+)</span> <span class=\"code-by\">by ([^<]+)</span>").Select(m => $"{m.Groups[1].Value} by {m.Groups[2].Value}").ToList();

        var everyone = await client.GetStringAsync(page);
        Assert.Equal(["Belonging by Team Person", "Finding help by Team Person", "Finding help by Ana Lyst"], Codes(everyone));
        Assert.DoesNotContain("Accessibility", everyone, StringComparison.Ordinal);
        var themes = (await PassagesAsync(s.Api, s))[0]!["themes"]!.AsArray().Select(t => (string?)t!["name"]).ToList();
        Assert.Equal(["Belonging", "Finding help"], themes);

        // Only the lead's own codes, while the filter still offers the analyst (who coded this story).
        var mine = await client.GetStringAsync(page + "?coder=me");
        Assert.Equal(["Belonging by Team Person", "Finding help by Team Person"], Codes(mine));
        Assert.Contains($"<option value=\"{analyst.Id}\">Ana Lyst</option>", mine, StringComparison.Ordinal);
        var hers = await client.GetStringAsync(page + $"?coder={analyst.Id}");
        Assert.Equal(["Finding help by Ana Lyst"], Codes(hers));
        Assert.DoesNotContain("A leaflet in the library.</q>", hers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_can_read_passages_but_not_code()
    {
        var s = await SetupAsync();
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(s.ProjectId, viewer, ProjectRole.Viewer);
        var api = await App.ApiClientAsync(viewer);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages")).StatusCode);
        var refused = await api.PostAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{s.StoryId}/passages", new { startOffset = 23, endOffset = 48, themeIds = new[] { s.ThemeA } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(0, await App.WithDbAsync(db => db.SearchEntries.CountAsync(e => e.StoryId == s.StoryId && e.Kind == SearchKind.Memo)));
    }
}
