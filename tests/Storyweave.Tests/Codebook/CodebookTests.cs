using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Coding;
using Storyweave.Features.Projects;
using Storyweave.Features.Review;

namespace Storyweave.Tests.Codebook;

public sealed class CodebookTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private async Task<(TestApp.TestUser Lead, int ProjectId, HttpClient Api)> NewProjectAsync()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        return (lead, projectId, await App.ApiClientAsync(lead));
    }

    private static async Task<int> CreateThemeAsync(HttpClient api, int projectId, string name, int? parentId = null, string color = "#1f5c4a")
    {
        var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes", new { name, color, parentId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["themeIds"]![0]!.GetValue<int>();
    }

    private static async Task<JsonArray> TreeAsync(HttpClient api, int projectId) =>
        (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{projectId}/codebook"))!;

    private static async Task<long> LatestChangeIdAsync(HttpClient api, int projectId) =>
        (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{projectId}/codebook/changes"))![0]!["id"]!.GetValue<long>();

    private static async Task UndoLatestAsync(HttpClient api, int projectId)
    {
        var response = await api.PostAsync($"/api/projects/{projectId}/codebook/changes/{await LatestChangeIdAsync(api, projectId)}/undo", null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>Passages in a new story, each coded with the given themes; returns their ids in order.</summary>
    private async Task<List<int>> CreatePassagesAsync(int projectId, params int[][] themesPerPassage)
    {
        var (storyId, _) = await App.CreateStoryAsync(projectId);
        return await App.WithDbAsync(async db =>
        {
            var passages = themesPerPassage.Select((themes, i) => new CodedPassage
            {
                ProjectId = projectId,
                StoryId = storyId,
                StartOffset = i * 10,
                EndOffset = i * 10 + 5,
                Snippet = $"Passage {i}",
                CreatedAt = DateTime.UtcNow,
                Themes = themes.Select(t => new PassageTheme { ThemeId = t, CodedAt = DateTime.UtcNow }).ToList(),
            }).ToList();
            db.Passages.AddRange(passages);
            await db.SaveChangesAsync();
            return passages.Select(p => p.Id).ToList();
        });
    }

    private Task<List<(int PassageId, int ThemeId)>> LinksAsync(IEnumerable<int> passageIds) =>
        App.WithDbAsync(async db => (await db.PassageThemes.Where(x => passageIds.Contains(x.PassageId)).OrderBy(x => x.PassageId).ThenBy(x => x.ThemeId)
            .Select(x => new { x.PassageId, x.ThemeId }).ToListAsync()).Select(x => (x.PassageId, x.ThemeId)).ToList());

    [Fact]
    public async Task Themes_are_created_renamed_and_moved_and_a_cycle_is_refused_in_plain_words()
    {
        var (_, projectId, api) = await NewProjectAsync();
        var parent = await CreateThemeAsync(api, projectId, "Power");
        var child = await CreateThemeAsync(api, projectId, "Sharing roles", parent);
        var grandchild = await CreateThemeAsync(api, projectId, "Stepping back", child);

        var rename = await api.PutAsJsonAsync($"/api/projects/{projectId}/codebook/themes/{child}", new { name = "Sharing power", description = "Who decides", color = "#0B4F8A", shortLabel = "Share" });
        Assert.Equal(HttpStatusCode.OK, rename.StatusCode);

        var cycle = await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes/{parent}/move", new { parentId = grandchild });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, cycle.StatusCode);
        Assert.Contains("cannot go inside itself or one of its own sub-themes", (await cycle.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var badColour = await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes", new { name = "Trust", color = "red" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badColour.StatusCode);

        var move = await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes/{grandchild}/move", new { parentId = (int?)null, position = 0 });
        Assert.Equal(HttpStatusCode.OK, move.StatusCode);

        var tree = await TreeAsync(api, projectId);
        Assert.Equal(["Stepping back", "Power"], tree.Select(t => t!["name"]!.GetValue<string>()));
        var renamed = tree[1]!["children"]![0]!;
        Assert.Equal("Sharing power", renamed["name"]!.GetValue<string>());
        Assert.Equal("#0b4f8a", renamed["color"]!.GetValue<string>());
        Assert.Equal("Share", renamed["shortLabel"]!.GetValue<string>());
        Assert.Empty(renamed["children"]!.AsArray());

        // Undo the move: the theme is back under its parent, at its old place.
        await UndoLatestAsync(api, projectId);
        tree = await TreeAsync(api, projectId);
        Assert.Single(tree);
        Assert.Equal(grandchild, tree[0]!["children"]![0]!["children"]![0]!["id"]!.GetValue<int>());
    }

    [Fact]
    public async Task Merging_moves_every_passage_to_the_target_without_duplicates_and_undo_restores_the_exact_links()
    {
        var (_, projectId, api) = await NewProjectAsync();
        var a = await CreateThemeAsync(api, projectId, "Voice");
        var b = await CreateThemeAsync(api, projectId, "Having a voice");
        var other = await CreateThemeAsync(api, projectId, "Trust");
        var passages = await CreatePassagesAsync(projectId, [a], [a, b], [b, other]);
        var before = await LinksAsync(passages);

        var merge = await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes/{a}/merge", new { intoThemeId = b });
        Assert.Equal(HttpStatusCode.OK, merge.StatusCode);

        Assert.Equal([(passages[0], b), (passages[1], b), (passages[2], b), (passages[2], other)], await LinksAsync(passages));
        var merged = await App.WithDbAsync(db => db.Themes.SingleAsync(t => t.Id == a));
        Assert.Equal(b, merged.MergedIntoId);
        Assert.NotNull(merged.DeletedAt);
        var tree = await TreeAsync(api, projectId);
        Assert.Equal(3, tree.Single(t => t!["id"]!.GetValue<int>() == b)!["passages"]!.GetValue<int>());

        await UndoLatestAsync(api, projectId);

        Assert.Equal(before, await LinksAsync(passages));
        var restored = await App.WithDbAsync(db => db.Themes.SingleAsync(t => t.Id == a));
        Assert.Null(restored.MergedIntoId);
        Assert.Null(restored.DeletedAt);
        Assert.Equal(["Voice", "Having a voice", "Trust"], (await TreeAsync(api, projectId)).Select(t => t!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Splitting_sends_each_chosen_passage_to_its_new_themes_and_undo_restores_the_old_theme()
    {
        var (_, projectId, api) = await NewProjectAsync();
        var first = await CreateThemeAsync(api, projectId, "First");
        var theme = await CreateThemeAsync(api, projectId, "Connections");
        var last = await CreateThemeAsync(api, projectId, "Last");
        var passages = await CreatePassagesAsync(projectId, [theme], [theme], [theme, last]);
        var before = await LinksAsync(passages);

        var split = await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes/{theme}/split", new
        {
            parts = new object[]
            {
                new { name = "Friendship", passageIds = new[] { passages[0], passages[2] } },
                new { name = "Networking", passageIds = new[] { passages[1], passages[2] } },
            },
        });
        Assert.Equal(HttpStatusCode.OK, split.StatusCode);
        var ids = (await split.Content.ReadFromJsonAsync<JsonObject>())!["themeIds"]!.AsArray().Select(x => x!.GetValue<int>()).ToList();
        var (friendship, networking) = (ids[0], ids[1]);

        Assert.Equal([(passages[0], friendship), (passages[1], networking), (passages[2], last), (passages[2], friendship), (passages[2], networking)],
            (await LinksAsync(passages)).OrderBy(x => x.PassageId).ThenBy(x => x.ThemeId == last ? 0 : x.ThemeId).ToList());
        Assert.Equal(["First", "Friendship", "Networking", "Last"], (await TreeAsync(api, projectId)).Select(t => t!["name"]!.GetValue<string>()));

        await UndoLatestAsync(api, projectId);

        Assert.Equal(before, await LinksAsync(passages));
        Assert.Equal(["First", "Connections", "Last"], (await TreeAsync(api, projectId)).Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal([first, theme, last], (await TreeAsync(api, projectId)).Select(t => t!["id"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Delete_shows_its_impact_first_then_deletes_and_undo_brings_everything_back()
    {
        var (lead, projectId, api) = await NewProjectAsync();
        var parent = await CreateThemeAsync(api, projectId, "Wellbeing");
        var sub = await CreateThemeAsync(api, projectId, "Confidence", parent);
        await CreateThemeAsync(api, projectId, "Purpose", sub);
        await CreatePassagesAsync(projectId, [parent], [parent, sub]);
        var (storyId, _) = await App.CreateStoryAsync(projectId);
        var review = await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{storyId}/review", new { ideas = "", experience = "Positive", isComplete = false, themeIds = new[] { parent } });
        Assert.Equal(HttpStatusCode.OK, review.StatusCode);

        var impact = await api.DeleteAsync($"/api/projects/{projectId}/codebook/themes/{parent}");
        Assert.Equal(HttpStatusCode.OK, impact.StatusCode);
        var numbers = (await impact.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((2, 1, 2), (numbers["passages"]!.GetValue<int>(), numbers["reviewSheets"]!.GetValue<int>(), numbers["subThemes"]!.GetValue<int>()));
        Assert.Single(await TreeAsync(api, projectId));

        var noChoice = await api.DeleteAsync($"/api/projects/{projectId}/codebook/themes/{parent}?confirm=true");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noChoice.StatusCode);

        var delete = await api.DeleteAsync($"/api/projects/{projectId}/codebook/themes/{parent}?confirm=true&subThemes=move-up");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        var tree = await TreeAsync(api, projectId);
        Assert.Equal(["Confidence"], tree.Select(t => t!["name"]!.GetValue<string>()));
        Assert.Single(tree[0]!["children"]!.AsArray());

        await UndoLatestAsync(api, projectId);
        tree = await TreeAsync(api, projectId);
        Assert.Equal(["Wellbeing"], tree.Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal(2, tree[0]!["passages"]!.GetValue<int>());
        Assert.Equal(sub, tree[0]!["children"]![0]!["id"]!.GetValue<int>());
        Assert.Equal(1, await App.WithDbAsync(db => db.ReviewSheetThemes.CountAsync(x => x.ThemeId == parent)));
        _ = lead;
    }

    [Theory]
    [InlineData("benefits", 9)]
    [InlineData("conditions", 17)]
    [InlineData("values", 4)]
    [InlineData("scie", 4)]
    [InlineData("areas", 5)]
    [InlineData("value", 3)]
    public async Task Each_template_adds_its_themes_as_one_undoable_change(string key, int count)
    {
        var (_, projectId, api) = await NewProjectAsync();
        var response = await api.PostAsync($"/api/projects/{projectId}/codebook/templates/{key}", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var tree = await TreeAsync(api, projectId);
        Assert.Equal(count, tree.Count);
        Assert.All(tree, t => Assert.Equal($"template:{key}", t!["origin"]!.GetValue<string>()));
        Assert.Single(await api.GetFromJsonAsync<JsonArray>($"/api/projects/{projectId}/codebook/changes") ?? []);

        await UndoLatestAsync(api, projectId);
        Assert.Empty(await TreeAsync(api, projectId));
    }

    [Fact]
    public async Task A_codebook_is_copied_from_a_project_the_caller_can_see_but_not_from_one_they_cannot()
    {
        var (lead, projectId, api) = await NewProjectAsync();
        var source = await App.CreateProjectAsync(lead);
        var sourceApi = api;
        var root = await CreateThemeAsync(sourceApi, source, "Trust");
        await CreateThemeAsync(sourceApi, source, "Trust in research", root);
        var gone = await CreateThemeAsync(sourceApi, source, "Deleted one");
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/projects/{source}/codebook/themes/{gone}?confirm=true")).StatusCode);

        var copy = await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/copy", new { sourceProjectId = source });
        Assert.Equal(HttpStatusCode.OK, copy.StatusCode);
        var tree = await TreeAsync(api, projectId);
        Assert.Equal(["Trust"], tree.Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal("Trust in research", tree[0]!["children"]![0]!["name"]!.GetValue<string>());
        Assert.NotEqual(root, tree[0]!["id"]!.GetValue<int>());

        var stranger = await App.CreateUserAsync(name: "Someone Else");
        var hidden = await App.CreateProjectAsync(stranger);
        await CreateThemeAsync(await App.ApiClientAsync(stranger), hidden, "Secret theme");
        var refused = await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/copy", new { sourceProjectId = hidden });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("no project you can see", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(await TreeAsync(api, projectId));
    }

    [Fact]
    public async Task Every_change_and_undo_appears_in_the_event_log_with_ids_only()
    {
        var (_, projectId, api) = await NewProjectAsync();
        var a = await CreateThemeAsync(api, projectId, "Secret-sounding name A");
        var b = await CreateThemeAsync(api, projectId, "B");
        await api.PutAsJsonAsync($"/api/projects/{projectId}/codebook/themes/{a}", new { name = "A2" });
        await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes/{a}/move", new { parentId = b });
        await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes/{a}/merge", new { intoThemeId = b });
        await UndoLatestAsync(api, projectId);
        await api.PostAsync($"/api/projects/{projectId}/codebook/templates/areas", null);
        await api.DeleteAsync($"/api/projects/{projectId}/codebook/themes/{b}?confirm=true&subThemes=delete");

        var events = await App.WithDbAsync(db => db.Events.Where(e => e.ProjectId == projectId && e.Action.StartsWith("codebook.")).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal(["codebook.create", "codebook.create", "codebook.edit", "codebook.move", "codebook.merge", "codebook.undone", "codebook.template", "codebook.delete"],
            events.Select(e => e.Action));
        Assert.All(events, e => Assert.DoesNotContain("Secret", e.Detail ?? "", StringComparison.Ordinal));
        var changes = await App.WithDbAsync(db => db.CodebookChanges.CountAsync(c => c.ProjectId == projectId));
        Assert.Equal(7, changes);
    }

    [Fact]
    public async Task Only_the_latest_change_can_be_undone_and_a_viewer_cannot_see_or_undo_changes()
    {
        var (lead, projectId, api) = await NewProjectAsync();
        await CreateThemeAsync(api, projectId, "One");
        var firstChange = await LatestChangeIdAsync(api, projectId);
        await CreateThemeAsync(api, projectId, "Two");

        var tooOld = await api.PostAsync($"/api/projects/{projectId}/codebook/changes/{firstChange}/undo", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooOld.StatusCode);
        Assert.Contains("Only the most recent change can be undone", await tooOld.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var viewer = await App.CreateUserAsync(name: "Vi Viewer");
        await App.AddMemberAsync(projectId, viewer, ProjectRole.Viewer);
        var viewerApi = await App.ApiClientAsync(viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.GetAsync($"/api/projects/{projectId}/codebook/changes")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.PostAsync($"/api/projects/{projectId}/codebook/changes/{firstChange}/undo", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewerApi.GetAsync($"/api/projects/{projectId}/codebook")).StatusCode);
        _ = lead;
    }

    [Fact]
    public async Task The_codebook_pages_add_a_theme_and_undo_through_forms()
    {
        var (lead, projectId, _) = await NewProjectAsync();
        var client = await App.SignInAsync(lead);
        var page = $"/projects/{projectId}/codebook";
        var added = await TestApp.PostFormAsync(client, page, new() { ["Name"] = "Hope", ["Color"] = "#1f5c4a", ["ParentId"] = "" }, page + "?handler=Add");
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        var html = await client.GetStringAsync(page);
        Assert.Contains("Hope", html, StringComparison.Ordinal);
        Assert.Contains(">Undo", html, StringComparison.Ordinal);

        var empty = await TestApp.PostFormAsync(client, page, new() { ["Name"] = "" }, page + "?handler=Add");
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Contains("Give the theme a name.", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var themeId = await App.WithDbAsync(db => db.Themes.Where(t => t.ProjectId == projectId).Select(t => t.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{page}/{themeId}")).StatusCode);
        var changeId = await App.WithDbAsync(db => db.CodebookChanges.Where(c => c.ProjectId == projectId).Select(c => c.Id).SingleAsync());
        var undo = await TestApp.PostFormAsync(client, page, new() { ["changeId"] = changeId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, page + "?handler=Undo");
        Assert.Equal(HttpStatusCode.Redirect, undo.StatusCode);
        Assert.Equal(0, await App.WithDbAsync(db => db.Themes.CountAsync(t => t.ProjectId == projectId && t.DeletedAt == null)));
    }

    [Fact]
    public async Task The_theme_page_splits_by_ticked_passages_and_deletes_after_showing_the_impact()
    {
        var (lead, projectId, api) = await NewProjectAsync();
        var theme = await CreateThemeAsync(api, projectId, "Support");
        await CreateThemeAsync(api, projectId, "Peer support", theme);
        var passages = await CreatePassagesAsync(projectId, [theme], [theme]);
        var client = await App.SignInAsync(lead);
        var page = $"/projects/{projectId}/codebook/{theme}";

        var html = await client.GetStringAsync(page);
        Assert.Contains("affects 2 coded passages, 0 review sheets and 1 sub-theme", html, StringComparison.Ordinal);

        var oneName = await client.PostAsync(page + "?handler=Split", new FormUrlEncodedContent(await FormAsync(client, page, [("newNames", "Only one")])));
        Assert.Equal(HttpStatusCode.OK, oneName.StatusCode);
        Assert.Contains("Give at least two names for the new themes.", await oneName.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var split = await client.PostAsync(page + "?handler=Split", new FormUrlEncodedContent(await FormAsync(client, page,
            [("newNames", "Practical support"), ("newNames", "Emotional support"), ("newNames", ""), ("assign", $"{passages[0]}:0"), ("assign", $"{passages[1]}:0"), ("assign", $"{passages[1]}:1")])));
        Assert.Equal(HttpStatusCode.Redirect, split.StatusCode);
        var tree = await TreeAsync(api, projectId);
        Assert.Equal(["Practical support", "Emotional support"], tree.Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal((2, 1), (tree[0]!["passages"]!.GetValue<int>(), tree[1]!["passages"]!.GetValue<int>()));
        Assert.Equal("Peer support", tree[0]!["children"]![0]!["name"]!.GetValue<string>());

        var practical = tree[0]!["id"]!.GetValue<int>();
        var themePage = $"/projects/{projectId}/codebook/{practical}";
        var delete = await client.PostAsync(themePage + "?handler=Delete", new FormUrlEncodedContent(await FormAsync(client, themePage, [("subThemes", "delete")])));
        Assert.Equal(HttpStatusCode.Redirect, delete.StatusCode);
        Assert.Equal(["Emotional support"], (await TreeAsync(api, projectId)).Select(t => t!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_theme_page_counts_stories_with_its_passages_or_review_sheets_once_each_and_shows_the_same_delete_impact()
    {
        var (lead, projectId, api) = await NewProjectAsync();
        var theme = await CreateThemeAsync(api, projectId, "Support");
        var other = await CreateThemeAsync(api, projectId, "Other");
        await CreateThemeAsync(api, projectId, "Peer support", theme);
        var first = await CreatePassagesAsync(projectId, [theme], [theme, other]);
        var second = await CreatePassagesAsync(projectId, [theme], [other]);
        var (sheetOnly, _) = await App.CreateStoryAsync(projectId);
        await App.WithDbAsync(async db =>
        {
            var secondStory = await db.Passages.Where(p => p.Id == second[0]).Select(p => p.StoryId).SingleAsync();
            db.ReviewSheets.AddRange(
                new ReviewSheet { StoryId = secondStory, ProjectId = projectId, Experience = Experience.Positive, UpdatedAt = DateTime.UtcNow, Themes = [new ReviewSheetTheme { ThemeId = theme }] },
                new ReviewSheet { StoryId = sheetOnly, ProjectId = projectId, Experience = Experience.Mixed, UpdatedAt = DateTime.UtcNow, Themes = [new ReviewSheetTheme { ThemeId = theme }] });
            return await db.SaveChangesAsync();
        });

        var html = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/codebook/{theme}");
        // Three passages; three stories: two with its passages (one of them also with its review sheet), one with only the review sheet.
        Assert.Contains("3 passages in 3 stories.", html, StringComparison.Ordinal);
        Assert.Contains("affects 3 coded passages, 2 review sheets and 1 sub-theme", html, StringComparison.Ordinal);
        Assert.Contains("Passages 1–3 of 3", html, StringComparison.Ordinal);
        Assert.Equal([first[0], first[1], second[0]], RowsOn(html));
        Assert.DoesNotContain($"id=\"passage-{second[1]}\"", html, StringComparison.Ordinal);
        var impact = (await (await api.DeleteAsync($"/api/projects/{projectId}/codebook/themes/{theme}")).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((3, 2, 1), (impact["passages"]!.GetValue<int>(), impact["reviewSheets"]!.GetValue<int>(), impact["subThemes"]!.GetValue<int>()));
    }

    /// <summary>
    /// 110 passages of one theme in four stories, in page order (by story, then place): 45 that may be shown, 10 whose
    /// storyteller withdrew consent to analysis, 45 shown, 10 withheld; so each page of 50 holds a withheld passage.
    /// </summary>
    private async Task<(int ProjectId, int Theme, List<(int Id, string Snippet, bool Hidden)> Passages, TestApp.TestUser Lead, HttpClient Api)> PagedThemeAsync()
    {
        var (lead, projectId, api) = await NewProjectAsync();
        var theme = await CreateThemeAsync(api, projectId, "Belonging");
        var all = new List<(int, string, bool)>();
        foreach (var (count, hidden, name) in new[] { (45, false, "open-a"), (10, true, "secret-b"), (45, false, "open-c"), (10, true, "secret-d") })
        {
            var (storyId, tellers) = await App.CreateStoryAsync(projectId);
            if (hidden) await App.WithdrawAnalysisConsentAsync(projectId, tellers[0]);
            var made = await App.WithDbAsync(async db =>
            {
                var passages = Enumerable.Range(0, count).Select(i => new CodedPassage
                {
                    ProjectId = projectId,
                    StoryId = storyId,
                    StartOffset = i * 10,
                    EndOffset = i * 10 + 5,
                    Snippet = $"{name}-{i:D3}",
                    CreatedAt = DateTime.UtcNow,
                    Themes = [new PassageTheme { ThemeId = theme, CodedAt = DateTime.UtcNow }],
                }).ToList();
                db.Passages.AddRange(passages);
                await db.SaveChangesAsync();
                return passages.Select(p => (p.Id, p.Snippet, hidden)).ToList();
            });
            all.AddRange(made);
        }
        return (projectId, theme, all, lead, api);
    }

    [Fact]
    public async Task The_theme_page_and_the_codebook_write_large_counts_with_thousands_separators()
    {
        var (lead, projectId, api) = await NewProjectAsync();
        var theme = await CreateThemeAsync(api, projectId, "Belonging");
        var (storyId, _) = await App.CreateStoryAsync(projectId);
        await App.WithDbAsync(async db =>
        {
            db.Passages.AddRange(Enumerable.Range(0, 1200).Select(i => new CodedPassage
            {
                ProjectId = projectId,
                StoryId = storyId,
                StartOffset = i * 10,
                EndOffset = i * 10 + 5,
                Snippet = $"passage {i}",
                CreatedAt = DateTime.UtcNow,
                Themes = [new PassageTheme { ThemeId = theme, CodedAt = DateTime.UtcNow }],
            }));
            await db.SaveChangesAsync();
            return 0;
        });
        var client = await App.SignInAsync(lead);

        var page = await client.GetStringAsync($"/projects/{projectId}/codebook/{theme}");
        Assert.Contains("1,200 passages in 1 story.", page, StringComparison.Ordinal);
        Assert.Contains("Passages 1–50 of 1,200", page, StringComparison.Ordinal);
        var codebook = await client.GetStringAsync($"/projects/{projectId}/codebook");
        Assert.Contains("1,200 passages, 1 story", codebook, StringComparison.Ordinal);
    }

    private static List<int> RowsOn(string html) =>
        System.Text.RegularExpressions.Regex.Matches(html, "<th scope=\"row\" id=\"passage-(\\d+)\"").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    [Fact]
    public async Task The_theme_page_shows_50_passages_a_page_with_exact_counts_links_that_work_without_script_and_consent_on_every_page()
    {
        var (projectId, theme, passages, lead, _) = await PagedThemeAsync();
        var client = await App.SignInAsync(lead);
        var page = $"/projects/{projectId}/codebook/{theme}";

        var pages = new List<string>();
        foreach (var n in new[] { 1, 2, 3 }) pages.Add(await client.GetStringAsync(n == 1 ? page : $"{page}?p={n}"));
        Assert.All(pages, html => Assert.Contains("110 passages in 4 stories.", html, StringComparison.Ordinal));
        Assert.Contains("Passages 1–50 of 110", pages[0], StringComparison.Ordinal);
        Assert.Contains("Passages 51–100 of 110", pages[1], StringComparison.Ordinal);
        Assert.Contains("Passages 101–110 of 110", pages[2], StringComparison.Ordinal);
        Assert.Contains("affects 110 coded passages", pages[1], StringComparison.Ordinal);

        // Each page lists its own passages in order (by story, then place), and together they list every passage once.
        Assert.Equal(passages.Select(p => p.Id), pages.SelectMany(RowsOn));
        Assert.Equal([50, 50, 10], pages.Select(h => RowsOn(h).Count));
        for (var i = 0; i < 3; i++)
        {
            var onPage = passages.Skip(i * 50).Take(50).ToList();
            Assert.Contains(onPage, p => p.Hidden);
            foreach (var (id, snippet, hidden) in onPage)
            {
                if (hidden)
                {
                    Assert.DoesNotContain(snippet, pages[i], StringComparison.Ordinal);
                    Assert.Contains($"Passage {id} (hidden: no consent to analysis)", pages[i], StringComparison.Ordinal);
                }
                else
                {
                    Assert.Contains($">{snippet}</th>", pages[i], StringComparison.Ordinal);
                }
            }
        }

        // Plain links: no "Previous" on the first page, no "Next" on the last.
        var next2 = $"href=\"{page}?p=2#split-title\" rel=\"next\"";
        Assert.Contains(next2, pages[0], StringComparison.Ordinal);
        Assert.DoesNotContain("rel=\"prev\"", pages[0], StringComparison.Ordinal);
        Assert.Contains($"href=\"{page}#split-title\" rel=\"prev\"", pages[1], StringComparison.Ordinal);
        Assert.Contains($"href=\"{page}?p=3#split-title\" rel=\"next\"", pages[1], StringComparison.Ordinal);
        Assert.Contains($"href=\"{page}?p=2#split-title\" rel=\"prev\"", pages[2], StringComparison.Ordinal);
        Assert.DoesNotContain("rel=\"next\"", pages[2], StringComparison.Ordinal);
        Assert.Contains("Page 2 of 3", pages[1], StringComparison.Ordinal);

        // A page past the end shows the last one; nonsense shows the first.
        Assert.Contains("Passages 101–110 of 110", await client.GetStringAsync($"{page}?p=99"), StringComparison.Ordinal);
        Assert.Contains("Passages 1–50 of 110", await client.GetStringAsync($"{page}?p=0"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_split_from_the_second_page_sends_the_ticked_passages_and_asks_where_the_others_go()
    {
        var (projectId, theme, passages, lead, api) = await PagedThemeAsync();
        var client = await App.SignInAsync(lead);
        var page2 = $"/projects/{projectId}/codebook/{theme}?p=2";
        var onPage2 = passages.Skip(50).Take(50).ToList();
        Assert.True(onPage2[0].Hidden); // a passage shown as hidden can still be sent to a new theme, as before
        var ticked = new[] { onPage2[0].Id, onPage2[10].Id, onPage2[^1].Id };
        (string, string)[] Fields(params (string, string)[] more) =>
            [("p", "2"), ("newNames", "At home"), ("newNames", "Elsewhere"), ("newNames", ""), .. ticked.Select(id => ("assign", $"{id}:0")), .. more];

        // Without saying where the unticked passages go, nothing changes and the page says what to do, on page 2 still.
        var unanswered = await client.PostAsync($"/projects/{projectId}/codebook/{theme}?handler=Split", new FormUrlEncodedContent(await FormAsync(client, page2, Fields())));
        Assert.Equal(HttpStatusCode.OK, unanswered.StatusCode);
        var html = await unanswered.Content.ReadAsStringAsync();
        Assert.Contains("Choose where the passages you did not tick go", html, StringComparison.Ordinal);
        Assert.Contains("Passages 51–100 of 110", html, StringComparison.Ordinal);
        Assert.Equal(110, await App.WithDbAsync(db => db.PassageThemes.CountAsync(x => x.ThemeId == theme)));

        // A new theme with no name cannot take them.
        var unnamed = await client.PostAsync($"/projects/{projectId}/codebook/{theme}?handler=Split", new FormUrlEncodedContent(await FormAsync(client, page2, Fields(("others", "2")))));
        Assert.Equal(HttpStatusCode.OK, unnamed.StatusCode);
        Assert.Contains("has no name", await unnamed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(110, await App.WithDbAsync(db => db.PassageThemes.CountAsync(x => x.ThemeId == theme)));

        var split = await client.PostAsync($"/projects/{projectId}/codebook/{theme}?handler=Split", new FormUrlEncodedContent(await FormAsync(client, page2, Fields(("others", "1")))));
        Assert.Equal(HttpStatusCode.Redirect, split.StatusCode);
        var tree = await TreeAsync(api, projectId);
        Assert.Equal(["At home", "Elsewhere"], tree.Select(t => t!["name"]!.GetValue<string>()));
        var (home, elsewhere) = (tree[0]!["id"]!.GetValue<int>(), tree[1]!["id"]!.GetValue<int>());
        Assert.Equal(ticked.Order(), await App.WithDbAsync(db => db.PassageThemes.Where(x => x.ThemeId == home).Select(x => x.PassageId).OrderBy(x => x).ToListAsync()));
        Assert.Equal(passages.Select(p => p.Id).Except(ticked).Order(), await App.WithDbAsync(db => db.PassageThemes.Where(x => x.ThemeId == elsewhere).Select(x => x.PassageId).OrderBy(x => x).ToListAsync()));

        // Undo puts all 110 back on the old theme.
        await UndoLatestAsync(api, projectId);
        Assert.Equal(110, await App.WithDbAsync(db => db.PassageThemes.CountAsync(x => x.ThemeId == theme)));
    }

    [Fact]
    public async Task Saving_the_theme_from_the_second_page_keeps_that_page()
    {
        var (projectId, theme, _, lead, _) = await PagedThemeAsync();
        var client = await App.SignInAsync(lead);
        var page = $"/projects/{projectId}/codebook/{theme}";
        var form = await client.GetStringAsync($"{page}?p=2");
        Assert.Contains("<input type=\"hidden\" name=\"p\" value=\"2\">", form, StringComparison.Ordinal);
        var saved = await client.PostAsync($"{page}?handler=Edit", new FormUrlEncodedContent(await FormAsync(client, $"{page}?p=2", [("p", "2"), ("Name", "Belonging here"), ("Color", "#1f5c4a")])));
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal($"{page}?p=2", saved.Headers.Location!.OriginalString);
        Assert.Equal("Belonging here", await App.WithDbAsync(db => db.Themes.Where(t => t.Id == theme).Select(t => t.Name).SingleAsync()));
    }

    /// <summary>Form fields (names may repeat) with the page's antiforgery token.</summary>
    private static async Task<List<KeyValuePair<string, string>>> FormAsync(HttpClient client, string page, (string Name, string Value)[] fields)
    {
        var html = await client.GetStringAsync(page);
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        return [.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)), new("__RequestVerificationToken", WebUtility.HtmlDecode(token))];
    }
}
