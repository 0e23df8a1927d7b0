using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Storyweave.Features.Codebook;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Review;
using Storyweave.Features.Sessions;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Findings;

public sealed partial class FindingsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private sealed record Person(string Name, bool Analysis, string[] Answers, bool Withdrawn = false, string Self = "");

    /// <summary>
    /// Writes storytellers (with answers to the 2022 call-out questions and a consent record each) and
    /// their sessions: <paramref name="groups"/> lists, per session, the indexes of its storytellers.
    /// </summary>
    private async Task<List<int>> PeopleAsync(int projectId, IReadOnlyList<Person> people, IReadOnlyList<int[]> groups)
    {
        return await App.WithDbAsync(async db =>
        {
            var options = db.CategoryOptions.Where(o => o.Question!.ProjectId == projectId).ToDictionary(o => o.Label, o => o.Id);
            var now = DateTime.UtcNow;
            var rows = people.Select(p => new Storyteller { ProjectId = projectId, Name = p.Name, SelfDescription = p.Self, CreatedAt = now, WithdrawnAt = p.Withdrawn ? now : null }).ToList();
            db.Storytellers.AddRange(rows);
            await db.SaveChangesAsync();
            foreach (var (row, p) in rows.Zip(people))
            {
                foreach (var a in p.Answers) db.StorytellerAnswers.Add(new StorytellerAnswer { StorytellerId = row.Id, OptionId = options[a] });
                db.ConsentRecords.Add(new ConsentRecord { ProjectId = projectId, StorytellerId = row.Id, Recording = true, Analysis = p.Analysis, Method = ConsentMethod.PaperForm, GivenAt = now, RecordedAt = now });
            }
            foreach (var group in groups)
            {
                var session = new InterviewSession { ProjectId = projectId, Date = new DateOnly(2026, 5, 1), Mode = SessionMode.Online, CreatedAt = now };
                var story = new Story { ProjectId = projectId, Title = App.Unique("Story "), CreatedAt = now, Session = session };
                foreach (var i in group) story.Storytellers.Add(new StoryStoryteller { StorytellerId = rows[i].Id });
                db.Stories.Add(story);
            }
            await db.SaveChangesAsync();
            return rows.Select(r => r.Id).ToList();
        });
    }

    private static JsonObject Answer(JsonNode question, string label) =>
        question["answers"]!.AsArray().Single(a => a!["label"]!.GetValue<string>() == label)!["count"]!.AsObject();

    private static JsonNode Question(JsonNode findings, string startsWith) =>
        findings["whoTold"]!["questions"]!.AsArray().Single(q => q!["text"]!.GetValue<string>().StartsWith(startsWith, StringComparison.Ordinal))!;

    [Fact]
    public async Task Who_told_the_stories_gives_exact_percentages_of_100_storytellers_counting_only_those_who_agreed_to_analysis()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        await GuardOffAsync(projectId, lead); // this test reads exact small figures (3 group sessions)
        await App.PublishCallOutAsync(projectId, lead);
        // 100 storytellers like the 2022 report: research 64, services 63, policy 43;
        // lived experience 55, facilitator 62, part of their job 55.
        var people = Enumerable.Range(0, 100).Select(i => new Person($"Teller {i}", true,
            new[]
            {
                i < 64 ? "Research" : null, i is >= 10 and < 53 ? "Policy" : null, i >= 37 ? "Services" : null,
                i < 55 ? "A person with lived experience" : null, i >= 38 ? "A facilitator of co-production" : null, i >= 45 ? "Involved as part of my job" : null,
            }.OfType<string>().ToArray())).ToList();
        // Not counted: five who did not agree to analysis and one who withdrew (all ticked everything).
        string[] everything = ["Research", "Policy", "Services", "A person with lived experience", "A facilitator of co-production", "Involved as part of my job"];
        people.AddRange(Enumerable.Range(0, 5).Select(i => new Person($"No analysis {i}", false, everything)));
        people.Add(new Person("Withdrawn Person", true, everything, Withdrawn: true));
        // 80 one-to-one sessions, groups of 9, 9 and 2; and one session each for those not counted.
        var groups = Enumerable.Range(0, 70).Select(i => new[] { i }).ToList();
        groups.Add(Enumerable.Range(70, 9).ToArray());
        groups.Add(Enumerable.Range(79, 9).ToArray());
        groups.Add([88, 89]);
        groups.AddRange(Enumerable.Range(90, 16).Select(i => new[] { i }));
        await PeopleAsync(projectId, people, groups);

        var api = await App.ApiClientAsync(lead);
        var findings = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/findings"))!;
        var who = findings["whoTold"]!;
        Assert.Equal(100, who["storytellers"]!["value"]!.GetValue<int>());
        Assert.Equal(5, who["notCounted"]!["value"]!.GetValue<int>());
        Assert.Equal(83, who["stories"]!["value"]!.GetValue<int>());
        Assert.Equal(83, who["sessions"]!["value"]!.GetValue<int>());
        Assert.Equal(80, who["oneToOneSessions"]!["value"]!.GetValue<int>());
        Assert.Equal(3, who["groupSessions"]!["value"]!.GetValue<int>());
        var sector = Question(findings, "Is your experience");
        Assert.Equal("of 100 storytellers", sector["denominator"]!.GetValue<string>());
        foreach (var (label, expected) in new[] { ("Research", 64), ("Policy", 43), ("Services", 63) })
        {
            Assert.Equal(expected, Answer(sector, label)["value"]!.GetValue<int>());
            Assert.Equal(expected, Answer(sector, label)["percent"]!.GetValue<int>());
            Assert.Equal($"{expected}%", Answer(sector, label)["percentDisplay"]!.GetValue<string>());
        }
        var role = Question(findings, "Are you");
        foreach (var (label, expected) in new[] { ("A person with lived experience", 55), ("A facilitator of co-production", 62), ("Involved as part of my job", 55) })
            Assert.Equal(expected, Answer(role, label)["percent"]!.GetValue<int>());
        Assert.Contains("more than 100%", sector["note"]!.GetValue<string>(), StringComparison.Ordinal);

        var html = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/findings");
        var text = PlainText(html);
        Assert.Contains("Answers of 100 storytellers.", text, StringComparison.Ordinal);
        Assert.Contains("Research 64 64%", text, StringComparison.Ordinal);
        Assert.Contains("Policy 43 43%", text, StringComparison.Ordinal);
        Assert.Contains("Services 63 63%", text, StringComparison.Ordinal);
        Assert.Contains("A facilitator of co-production 62 62%", text, StringComparison.Ordinal);
        Assert.Contains("percentages add up to more than 100%", text, StringComparison.Ordinal);
        Assert.Contains("80 one-to-one, 3 in groups of 2 to 9", text, StringComparison.Ordinal);
        Assert.Contains("Only storytellers who agreed to their story being used in analysis are counted", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Withdrawn Person", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_threshold_of_5_a_count_of_3_shows_as_fewer_than_5_in_the_page_the_api_and_the_charts()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var viewer = await App.CreateUserAsync(name: "Vi Viewer");
        var projectId = await App.CreateProjectAsync(lead);
        await App.AddMemberAsync(projectId, viewer, ProjectRole.Viewer);
        await App.PublishCallOutAsync(projectId, lead);
        // 10 storytellers: 3 say policy, 7 research; one facet value for 2 people, one for 8.
        var people = Enumerable.Range(0, 10).Select(i => new Person($"Guard {i}", true, [i < 3 ? "Policy" : "Research"], Self: $"Self description {i}")).ToList();
        var ids = await PeopleAsync(projectId, people, Enumerable.Range(0, 10).Select(i => new[] { i }).ToList());
        await App.WithDbAsync(async db =>
        {
            for (var i = 0; i < 10; i++)
                db.StorytellerFacets.Add(new StorytellerFacet { StorytellerId = ids[i], Kind = FacetKind.AgeBand, Value = i < 2 ? "Over 80" : "25 to 64", AddedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });

        var leadPages = await App.SignInAsync(lead);
        // Bad input gets a clear message and changes nothing.
        var bad = await TestApp.PostFormAsync(leadPages, $"/projects/{projectId}/findings/small-numbers", new() { ["Threshold"] = "five" });
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        Assert.Contains("Give a whole number from 0 (off) to 100", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // A viewer cannot change it.
        var viewerPages = await App.SignInAsync(viewer);
        Assert.Equal(HttpStatusCode.Redirect, (await viewerPages.GetAsync($"/projects/{projectId}/findings/small-numbers")).StatusCode);
        var viewerApi = await App.ApiClientAsync(viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.PutAsJsonAsync($"/api/projects/{projectId}/findings/small-numbers", new { threshold = 1 })).StatusCode);

        // A new project starts with the guard on at 5; the lead turns it off, then sets 5 again from the findings page's form.
        Assert.Equal(5, await App.WithDbAsync(db => Task.FromResult(db.Projects.Single(p => p.Id == projectId).SmallNumberThreshold)));
        await GuardOffAsync(projectId, lead);
        var saved = await TestApp.PostFormAsync(leadPages, $"/projects/{projectId}/findings", new() { ["Threshold"] = "5" }, $"/projects/{projectId}/findings/small-numbers");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal(5, await App.WithDbAsync(db => Task.FromResult(db.Projects.Single(p => p.Id == projectId).SmallNumberThreshold)));
        var events = await App.WithDbAsync(db => Task.FromResult(db.Events.Count(e => e.ProjectId == projectId && e.Action == "findings.threshold-changed")));
        Assert.Equal(2, events);

        var findings = (await viewerApi.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/findings"))!;
        var sector = Question(findings, "Is your experience");
        var policy = Answer(sector, "Policy");
        Assert.Equal("fewer than 5", policy["display"]!.GetValue<string>());
        Assert.True(policy["suppressed"]!.GetValue<bool>());
        Assert.Null(policy["value"]);
        Assert.Null(policy["percent"]);
        Assert.Equal(7, Answer(sector, "Research")["value"]!.GetValue<int>());
        Assert.Equal(70, Answer(sector, "Research")["percent"]!.GetValue<int>());
        var ages = findings["whoTold"]!["facets"]!.AsArray().Single(f => f!["kind"]!.GetValue<string>() == "AgeBand")!["values"]!.AsArray();
        var over80 = ages.Single(v => v!["value"]!.GetValue<string>() == "Over 80")!;
        Assert.Equal("fewer than 5", over80["count"]!["display"]!.GetValue<string>());
        Assert.Empty(over80["selfDescriptions"]!.AsArray());
        Assert.Equal(8, ages.Single(v => v!["value"]!.GetValue<string>() == "25 to 64")!["selfDescriptions"]!.AsArray().Count);

        var html = await viewerPages.GetStringAsync($"/projects/{projectId}/findings");
        var text = PlainText(html);
        Assert.Contains("Policy fewer than 5 hidden", text, StringComparison.Ordinal);
        Assert.Contains("Research 7 70%", text, StringComparison.Ordinal);
        Assert.DoesNotContain("30%", text, StringComparison.Ordinal);
        Assert.Contains("any number from 1 to 4 is shown as \"fewer than 5\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Self description 0", html, StringComparison.Ordinal);
        Assert.Contains("Self description 5", html, StringComparison.Ordinal);
        Assert.DoesNotContain("threshold-form", html, StringComparison.Ordinal); // the setting is for leads only

        var questionId = sector["questionId"]!.GetValue<int>();
        var svgResponse = await viewerPages.GetAsync($"/projects/{projectId}/findings/charts/questions/{questionId}.svg");
        Assert.Equal("image/svg+xml", svgResponse.Content.Headers.ContentType!.MediaType);
        var svg = await svgResponse.Content.ReadAsStringAsync();
        Assert.Contains("fewer than 5", svg, StringComparison.Ordinal);
        Assert.DoesNotContain(">3<", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("30%", svg, StringComparison.Ordinal);
        Assert.Contains("<title id=\"chart-title\">Is your experience", svg, StringComparison.Ordinal);
        Assert.Contains("<desc id=\"chart-desc\">", svg, StringComparison.Ordinal);
        Assert.Contains("Policy: fewer than 5", svg, StringComparison.Ordinal);
        Assert.Contains("Research: 7 (70%)", svg, StringComparison.Ordinal);
        var png = await viewerPages.GetAsync($"/projects/{projectId}/findings/charts/questions/{questionId}.png");
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, (await png.Content.ReadAsByteArrayAsync())[..8]);
        Assert.Equal(HttpStatusCode.NotFound, (await viewerPages.GetAsync($"/projects/{projectId}/findings/charts/questions/999999.svg")).StatusCode);

        // Back to 0: the guard is off and 3 shows.
        var off = await (await App.ApiClientAsync(lead)).PutAsJsonAsync($"/api/projects/{projectId}/findings/small-numbers", new { threshold = 0 });
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        var tooBig = await (await App.ApiClientAsync(lead)).PutAsJsonAsync($"/api/projects/{projectId}/findings/small-numbers", new { threshold = 500 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooBig.StatusCode);
        findings = (await viewerApi.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/findings"))!;
        Assert.Equal(3, Answer(Question(findings, "Is your experience"), "Policy")["value"]!.GetValue<int>());
    }

    [Fact]
    public async Task Themes_count_stories_storytellers_and_passages_with_sub_themes_cross_tab_experience_and_value_for_all()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        await GuardOffAsync(projectId, lead); // this test reads exact small figures
        await App.PublishCallOutAsync(projectId, lead);
        TranscriptService.CueInput Cue(string speaker, string text) => new(null, null, speaker, text);
        var (storyA, ann) = await App.CreateCodingStoryAsync(projectId, lead, [new("Ann")], [Cue("Reporter", "What changed?"), Cue("Ann", "I found my voice.")]);
        var (storyB, benCat) = await App.CreateCodingStoryAsync(projectId, lead, [new("Ben"), new("Cat", Analysis: false)],
            [Cue("Ben", "I got braver."), Cue("Cat", "Private words.")]);
        var (storyC, dan) = await App.CreateCodingStoryAsync(projectId, lead, [new("Dan")], [Cue("Reporter", "The forms were hard for Dan."), Cue("Dan", "Yes.")]);
        await App.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var options = db.CategoryOptions.Where(o => o.Question!.ProjectId == projectId).ToDictionary(o => o.Label, o => o.Id);
            void Tick(int id, params string[] labels)
            {
                foreach (var l in labels) db.StorytellerAnswers.Add(new StorytellerAnswer { StorytellerId = id, OptionId = options[l] });
            }
            Tick(ann[0], "Research");
            Tick(benCat[0], "Research", "Policy");
            Tick(benCat[1], "Research", "Services"); // Cat did not agree to analysis: never counted
            Tick(dan[0], "Policy");
            var c = new Theme { ProjectId = projectId, Name = "Confidence", CreatedAt = now, Position = 0 };
            var b = new Theme { ProjectId = projectId, Name = "Barriers", CreatedAt = now, Position = 1 };
            db.Themes.AddRange(c, b);
            await db.SaveChangesAsync();
            var s = new Theme { ProjectId = projectId, Name = "Speaking up", ParentId = c.Id, CreatedAt = now };
            db.Themes.Add(s);
            await db.SaveChangesAsync();
            void Code(int storyId, string speaker, int themeId) => db.Passages.Add(new CodedPassage
            {
                ProjectId = projectId,
                StoryId = storyId,
                Speaker = speaker,
                Snippet = "…",
                StartOffset = 0,
                EndOffset = 1,
                CreatedAt = now,
                Themes = [new PassageTheme { ThemeId = themeId, CodedAt = now }],
            });
            Code(storyA, "Ann", s.Id);
            Code(storyB, "Ben", c.Id);
            Code(storyB, "Cat", b.Id); // not visible: Cat's own words, no consent
            Code(storyC, "Reporter", b.Id); // the reporter's turn counts for Dan, the story's storyteller
            db.ReviewSheets.AddRange(
                new ReviewSheet { StoryId = storyA, ProjectId = projectId, Experience = Experience.Positive, ChangesForIndividuals = "Ann found her voice.", UpdatedAt = now, Themes = [new ReviewSheetTheme { ThemeId = s.Id }] },
                new ReviewSheet { StoryId = storyB, ProjectId = projectId, Experience = Experience.Mixed, ChangesForOrganisations = "The council changed its forms.", UpdatedAt = now },
                new ReviewSheet { StoryId = storyC, ProjectId = projectId, Experience = Experience.Negative, ChangesForIndividuals = "Dan felt ignored.", UpdatedAt = now });
            return await db.SaveChangesAsync();
        });

        var api = await App.ApiClientAsync(lead);
        var sectorId = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/findings"))!["themes"]!["questions"]![0]!["questionId"]!.GetValue<int>();
        var findings = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/findings?crossTabQuestionId={sectorId}"))!;
        var themes = findings["themes"]!;
        Assert.Equal(3, themes["storytellers"]!["value"]!.GetValue<int>());
        var rows = themes["themes"]!.AsArray();
        Assert.Equal(["Confidence", "Speaking up", "Barriers"], rows.Select(r => r!["name"]!.GetValue<string>()));
        Assert.Equal("Confidence › Speaking up", rows[1]!["path"]!.GetValue<string>());
        Assert.Equal(1, rows[1]!["depth"]!.GetValue<int>());
        int Figure(int row, string field) => rows[row]![field]!["value"]!.GetValue<int>();
        Assert.Equal((2, 2, 2), (Figure(0, "stories"), Figure(0, "storytellers"), rows[0]!["passages"]!.GetValue<int>()));
        Assert.Equal((1, 1, 1), (Figure(1, "stories"), Figure(1, "storytellers"), rows[1]!["passages"]!.GetValue<int>()));
        Assert.Equal((1, 1, 1), (Figure(2, "stories"), Figure(2, "storytellers"), rows[2]!["passages"]!.GetValue<int>()));
        Assert.Equal(67, rows[0]!["storytellers"]!["percent"]!.GetValue<int>());
        Assert.Equal(1, rows[0]!["experience"]!["positive"]!["value"]!.GetValue<int>());
        Assert.Equal(1, rows[0]!["experience"]!["mixed"]!["value"]!.GetValue<int>());

        var cross = themes["crossTab"]!;
        Assert.Equal(["Research", "Policy", "Services"], cross["columns"]!.AsArray().Select(c => c!["label"]!.GetValue<string>()));
        int[] Cells(int row) => cross["rows"]![row]!["cells"]!.AsArray().Select(c => c!["value"]!.GetValue<int>()).ToArray();
        Assert.Equal([2, 1, 0], Cells(0)); // Confidence: Ann (research), Ben (research, policy)
        Assert.Equal([1, 0, 0], Cells(1)); // Speaking up: Ann
        Assert.Equal([0, 1, 0], Cells(2)); // Barriers: Dan (policy); Cat's services never counts

        var experience = themes["experience"]!;
        Assert.Equal((1, 1, 1), (experience["positive"]!["value"]!.GetValue<int>(), experience["negative"]!["value"]!.GetValue<int>(), experience["mixed"]!["value"]!.GetValue<int>()));
        var levels = themes["valueForAll"]!["levels"]!.AsArray();
        Assert.Equal(["individuals", "organisations", "society"], levels.Select(l => l!["key"]!.GetValue<string>()));
        Assert.Equal(2, levels[0]!["stories"]!["value"]!.GetValue<int>());
        Assert.Equal(["Ann found her voice.", "Dan felt ignored."], levels[0]!["entries"]!.AsArray().Select(e => e!["text"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(["Confidence › Speaking up"], levels[0]!["entries"]!.AsArray().Single(e => e!["storyId"]!.GetValue<int>() == storyA)!["themes"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(1, levels[1]!["stories"]!["value"]!.GetValue<int>());
        Assert.Equal(0, levels[2]!["stories"]!["value"]!.GetValue<int>());

        var pages = await App.SignInAsync(lead);
        var html = await pages.GetStringAsync($"/projects/{projectId}/findings?crossTab={sectorId}");
        var text = PlainText(html);
        Assert.Contains("Confidence 2 2 (67%) 2 1 0 1", text, StringComparison.Ordinal);
        Assert.Contains("Confidence › Speaking up 1 0 0", text, StringComparison.Ordinal);
        Assert.Contains("Barriers 0 1 0", text, StringComparison.Ordinal);
        Assert.Contains("The council changed its forms.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Private words", html, StringComparison.Ordinal);

        var heat = await pages.GetStringAsync($"/projects/{projectId}/findings/charts/cross-tab/{sectorId}.svg");
        Assert.Contains("<title id=\"chart-title\">Themes by answer to", heat, StringComparison.Ordinal);
        Assert.Contains("Confidence: Research 2, Policy 1, Services 0", heat, StringComparison.Ordinal);
        var heatPng = await pages.GetByteArrayAsync($"/projects/{projectId}/findings/charts/cross-tab/{sectorId}.png");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, heatPng[..4]);
        var themeSvg = await pages.GetStringAsync($"/projects/{projectId}/findings/charts/themes.svg");
        Assert.Contains("Confidence › Speaking up: 1 (33%)", themeSvg, StringComparison.Ordinal);
        var themePng = await pages.GetByteArrayAsync($"/projects/{projectId}/findings/charts/themes.png");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, themePng[..4]);

        // Consent changes take effect on the next request: Ann stops agreeing to analysis.
        await App.WithDbAsync(async db =>
        {
            db.ConsentRecords.Add(new ConsentRecord { ProjectId = projectId, StorytellerId = ann[0], Recording = true, Analysis = false, Method = ConsentMethod.PaperForm, GivenAt = DateTime.UtcNow, RecordedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        findings = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/findings?crossTabQuestionId={sectorId}"))!;
        Assert.Equal(0, findings["themes"]!["themes"]![1]!["storytellers"]!["value"]!.GetValue<int>());
        Assert.Equal(1, findings["themes"]!["valueForAll"]!["levels"]![0]!["stories"]!["value"]!.GetValue<int>());
        Assert.Equal(2, findings["whoTold"]!["storytellers"]!["value"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_passage_coded_with_a_theme_and_its_sub_theme_counts_once_for_the_theme_and_the_codebook_counts_each_theme_s_own()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        await GuardOffAsync(projectId, lead);
        TranscriptService.CueInput Cue(string speaker, string text) => new(null, null, speaker, text);
        var (storyA, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Ann")], [Cue("Ann", "I found my voice.")]);
        var (storyB, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Ben")], [Cue("Ben", "I got braver.")]);
        await App.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var confidence = new Theme { ProjectId = projectId, Name = "Confidence", CreatedAt = now, Position = 0 };
            var old = new Theme { ProjectId = projectId, Name = "Old theme", CreatedAt = now, Position = 1, DeletedAt = now };
            db.Themes.AddRange(confidence, old);
            await db.SaveChangesAsync();
            var speakingUp = new Theme { ProjectId = projectId, Name = "Speaking up", ParentId = confidence.Id, CreatedAt = now };
            db.Themes.Add(speakingUp);
            await db.SaveChangesAsync();
            void Code(int storyId, string speaker, params int[] themeIds) => db.Passages.Add(new CodedPassage
            {
                ProjectId = projectId,
                StoryId = storyId,
                Speaker = speaker,
                Snippet = "…",
                StartOffset = 0,
                EndOffset = 1,
                CreatedAt = now,
                Themes = themeIds.Select(id => new PassageTheme { ThemeId = id, CodedAt = now }).ToList(),
            });
            Code(storyA, "Ann", confidence.Id, speakingUp.Id); // one passage, both the theme and its sub-theme
            Code(storyB, "Ben", speakingUp.Id);
            Code(storyB, "Ben", old.Id); // a deleted theme's passage counts for no theme shown
            Code(storyA, "Ann"); // no theme at all
            return await db.SaveChangesAsync();
        });

        var api = await App.ApiClientAsync(lead);
        var rows = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/findings"))!["themes"]!["themes"]!.AsArray();
        Assert.Equal(["Confidence", "Speaking up"], rows.Select(r => r!["name"]!.GetValue<string>()));
        (int Passages, int Stories, int Storytellers) Figures(int row) =>
            (rows[row]!["passages"]!.GetValue<int>(), rows[row]!["stories"]!["value"]!.GetValue<int>(), rows[row]!["storytellers"]!["value"]!.GetValue<int>());
        Assert.Equal((2, 2, 2), Figures(0)); // Ann's passage once (not once for each of its two themes), and Ben's
        Assert.Equal((2, 2, 2), Figures(1));

        // The codebook counts each theme's own passages (a sub-theme's are not added to its parent's).
        var tree = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{projectId}/codebook"))!;
        var top = tree.Single()!;
        Assert.Equal(("Confidence", 1, 1), (top["name"]!.GetValue<string>(), top["passages"]!.GetValue<int>(), top["stories"]!.GetValue<int>()));
        var sub = top["children"]!.AsArray().Single()!;
        Assert.Equal(("Speaking up", 2, 2), (sub["name"]!.GetValue<string>(), sub["passages"]!.GetValue<int>(), sub["stories"]!.GetValue<int>()));
        var page = PlainText(await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/codebook"));
        Assert.Contains("1 passage, 1 story", page, StringComparison.Ordinal);
        Assert.Contains("2 passages, 2 stories", page, StringComparison.Ordinal);
    }

    /// <summary>The lead chooses 0 (the guard is on at 5 for a new project).</summary>
    private async Task GuardOffAsync(int projectId, TestApp.TestUser lead)
    {
        var off = await (await App.ApiClientAsync(lead)).PutAsJsonAsync($"/api/projects/{projectId}/findings/small-numbers", new { threshold = 0 });
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
    }

    /// <summary>The page's visible text with tags removed and white space collapsed, for asserting what a reader sees.</summary>
    private static string PlainText(string html) =>
        WebUtility.HtmlDecode(Spaces().Replace(Tags().Replace(Scripts().Replace(html, " "), " "), " "));

    [GeneratedRegex("<svg.*?</svg>|<script.*?</script>", RegexOptions.Singleline)]
    private static partial Regex Scripts();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
