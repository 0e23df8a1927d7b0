using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Consent;
using Storyweave.Features.Reports;

namespace Storyweave.Tests.PublicSite;

/// <summary>
/// The public story site as an anonymous visitor finds it by following links from the home page,
/// and the same site written by <c>storyweave publish</c>.
/// </summary>
public sealed partial class PublicSiteTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    /// <summary>A project holding every case the rule must get right, and the URLs nobody may reach.</summary>
    private sealed record Scenario(
        int ProjectId, TestApp.TestUser Lead, TestApp.PublicStory Visible, TestApp.PublicStory Group,
        int VisiblePlaylist, int VisibleClip, int VisibleReport,
        IReadOnlyList<string> ExpectedReachable, IReadOnlyList<string> HiddenUrls, IReadOnlyList<string> HiddenWords,
        Dictionary<string, TestApp.PublicStory> Hidden);

    private async Task<Scenario> BuildAsync()
    {
        var lead = await App.CreateUserAsync(name: "Lead Person");
        var p = await App.CreateProjectAsync(lead);
        var emptyProject = await App.CreateProjectAsync(lead);
        var recording = Path.Combine(App.DataDir, App.Unique("rec") + ".wav");
        await File.WriteAllBytesAsync(recording, [.. "RIFF"u8, 1, 2, 3, 4, 5, 6, 7, 8]);
        var tag = App.Unique("w");
        string W(string what) => $"{what}-{tag}";

        var visible = await App.CreatePublicStoryAsync(p, "Visible story " + tag, [new("Alice Named")], W("visible-one"), published: true, recording);
        await App.CodeStoryWithThemeAsync(p, visible.Id, "Belonging " + tag);
        var group = await App.CreatePublicStoryAsync(p, "Visible group " + tag,
            [new("Bea Hiddenname", Credit: CreditStyle.Anonymous), new("Cat Realname", Credit: CreditStyle.Pseudonym, Pseudonym: "Moth")], W("visible-two"), published: true);
        var hidden = new Dictionary<string, TestApp.PublicStory>
        {
            ["unpublished"] = await App.CreatePublicStoryAsync(p, "Secret unpublished " + tag, [new("Dan Teller")], W("secret-unpublished"), published: false, recording),
            ["no consent"] = await App.CreatePublicStoryAsync(p, "Secret no consent " + tag, [new("Eve Teller", Publish: false, Clips: false)], W("secret-noconsent"), published: true, recording),
            ["embargo"] = await App.CreatePublicStoryAsync(p, "Secret embargo " + tag,
                [new("Fay Teller", EmbargoUntil: DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30))], W("secret-embargo"), published: true, recording),
            ["group"] = await App.CreatePublicStoryAsync(p, "Secret group " + tag, [new("Gus Teller"), new("Hal Teller", Publish: false)], W("secret-group"), published: true, recording),
            ["withdrawn"] = await App.CreatePublicStoryAsync(p, "Secret withdrawn " + tag, [new("Ida Withdrawn", Withdrawn: true)], W("secret-withdrawn"), published: true, recording),
        };

        var (playlist, clips) = await App.CreatePlaylistAsync(p, "Playlist " + tag, published: true, recording,
        [
            new(visible.Id, visible.MediaId!.Value, Title: "Clip visible " + tag),
            new(hidden["no consent"].Id, hidden["no consent"].MediaId!.Value, Title: W("secret-clip-noclips")),
            new(hidden["embargo"].Id, hidden["embargo"].MediaId!.Value, Title: W("secret-clip-embargo")),
            new(visible.Id, visible.MediaId!.Value, Status: OutputStatus.Running, Title: W("secret-clip-running")),
        ]);
        var (unpublishedPlaylist, unpublishedClips) = await App.CreatePlaylistAsync(p, W("secret-playlist"), published: false, recording,
            [new(visible.Id, visible.MediaId!.Value, Title: W("secret-clip-unpublished-playlist"))]);
        var report = await App.CreateReportFileAsync(p, "Report " + tag, "# The public report", published: true);
        var outOfDate = await App.CreateReportFileAsync(p, W("secret-report-outofdate"), "old", published: true, outOfDate: true);
        var unpublishedReport = await App.CreateReportFileAsync(p, W("secret-report-unpublished"), "draft", published: false);
        var running = await App.CreateReportFileAsync(p, W("secret-report-running"), "half", published: true, status: OutputStatus.Running);

        var s = $"/stories/{p}";
        var hiddenUrls = new List<string>
        {
            $"/stories/{emptyProject}",
            $"/stories/{emptyProject}/{visible.Id}", // a public story under the wrong project
            $"{s}/{visible.Id}/recording/{hidden["unpublished"].MediaId}", // another story's recording under a public story
            $"{s}/playlists/{unpublishedPlaylist}",
            $"{s}/playlists/{unpublishedPlaylist}/clips/{unpublishedClips[0]}",
            $"{s}/playlists/{unpublishedPlaylist}/clips/{unpublishedClips[0]}/captions",
            $"{s}/playlists/{unpublishedPlaylist}/clips/{unpublishedClips[0]}/captions.srt",
            $"{s}/reports/{outOfDate}", $"{s}/reports/{unpublishedReport}", $"{s}/reports/{running}",
            $"{s}/reports/{report + 100000}",
        };
        foreach (var story in hidden.Values)
        {
            hiddenUrls.Add($"{s}/{story.Id}");
            hiddenUrls.Add($"{s}/{story.Id}?q=secret");
            hiddenUrls.Add($"{s}/{story.Id}/recording/{story.MediaId}");
            hiddenUrls.Add($"{s}/{story.Id}/captions");
            hiddenUrls.Add($"{s}/{story.Id}/captions.srt");
        }
        hiddenUrls.Add($"{s}/{group.Id}/captions"); // public, but no recording: no player, no captions
        hiddenUrls.Add($"{s}/{group.Id}/captions.srt");
        hiddenUrls.Add($"/stories/{emptyProject}/{visible.Id}/captions");
        foreach (var clip in clips.Skip(1))
        {
            hiddenUrls.Add($"{s}/playlists/{playlist}/clips/{clip}");
            hiddenUrls.Add($"{s}/playlists/{playlist}/clips/{clip}/captions");
            hiddenUrls.Add($"{s}/playlists/{playlist}/clips/{clip}/captions.srt");
        }
        var expected = new List<string>
        {
            "/", "/stories", s, $"{s}/{visible.Id}", $"{s}/{group.Id}", $"{s}/{visible.Id}/recording/{visible.MediaId}", $"{s}/{visible.Id}/captions", $"{s}/{visible.Id}/captions.srt",
            $"{s}/playlists/{playlist}", $"{s}/playlists/{playlist}/clips/{clips[0]}", $"{s}/playlists/{playlist}/clips/{clips[0]}/captions",
            $"{s}/playlists/{playlist}/clips/{clips[0]}/captions.srt", $"{s}/reports/{report}",
        };
        var words = new[] { "secret-unpublished", "secret-noconsent", "secret-embargo", "secret-group", "secret-withdrawn", "secret-clip-noclips", "secret-clip-embargo",
            "secret-clip-running", "secret-playlist", "secret-clip-unpublished-playlist", "secret-report-outofdate", "secret-report-unpublished", "secret-report-running" }
            .Select(W).Concat(["Bea Hiddenname", "Cat Realname", "Ida Withdrawn"]).ToList();
        return new Scenario(p, lead, visible, group, playlist, clips[0], report, expected, hiddenUrls, words, hidden);
    }

    private sealed record Fetched(HttpStatusCode Status, string ContentType, string? Text);

    /// <summary>Follows every same-site link and media source from "/" as an anonymous visitor.</summary>
    private async Task<Dictionary<string, Fetched>> CrawlAsync()
    {
        var client = App.AnonymousClient();
        var seen = new Dictionary<string, Fetched>(StringComparer.Ordinal);
        var queue = new Queue<string>(["/"]);
        var origin = new Uri(App.BaseUrl + "/");
        while (queue.Count > 0)
        {
            var url = queue.Dequeue();
            if (seen.ContainsKey(url)) continue;
            using var response = await client.GetAsync(url);
            var type = response.Content.Headers.ContentType?.MediaType ?? "";
            var text = type.StartsWith("text/", StringComparison.Ordinal) ? await response.Content.ReadAsStringAsync() : null;
            seen[url] = new Fetched(response.StatusCode, type, text);
            if (type != "text/html" || text is null) continue;
            foreach (Match m in LinkAttribute().Matches(text))
            {
                var target = new Uri(new Uri(origin, url), WebUtility.HtmlDecode(m.Groups[1].Value));
                if (target.Host != origin.Host || target.Port != origin.Port || target.Scheme != origin.Scheme) continue;
                var path = target.PathAndQuery;
                if (!seen.ContainsKey(path)) queue.Enqueue(path);
            }
        }
        return seen;
    }

    [GeneratedRegex("(?:href|src)=\"([^\"#]+)")]
    private static partial Regex LinkAttribute();

    [Fact]
    public async Task A_visitor_following_every_link_from_the_home_page_reaches_only_published_agreed_material_and_guessed_urls_are_404()
    {
        var scenario = await BuildAsync();

        var crawled = await CrawlAsync();

        foreach (var url in scenario.ExpectedReachable)
            Assert.True(crawled.TryGetValue(url, out var page) && page.Status == HttpStatusCode.OK, $"{url} was not reached by following links (or failed).");
        var broken = crawled.Where(c => c.Value.Status != HttpStatusCode.OK).Select(c => $"{c.Key} {(int)c.Value.Status}").ToList();
        Assert.True(broken.Count == 0, "Broken links: " + string.Join(", ", broken));
        foreach (var url in scenario.HiddenUrls)
            Assert.False(crawled.ContainsKey(url), $"{url} was reachable by following links.");
        foreach (var (url, page) in crawled.Where(c => c.Value.Text is not null))
            foreach (var word in scenario.HiddenWords)
                Assert.False(page.Text!.Contains(word, StringComparison.Ordinal), $"{url} shows \"{word}\".");

        var anonymous = App.AnonymousClient();
        foreach (var url in scenario.HiddenUrls)
            Assert.True((await anonymous.GetAsync(url)).StatusCode == HttpStatusCode.NotFound, $"{url} should answer 404.");
        // A member of the team gets the same 404: the public site does not depend on who asks.
        var lead = await App.SignInAsync(scenario.Lead);
        Assert.Equal(HttpStatusCode.NotFound, (await lead.GetAsync($"/stories/{scenario.ProjectId}/{scenario.Hidden["unpublished"].Id}")).StatusCode);
    }

    [Fact]
    public async Task The_story_page_shows_the_transcript_with_public_credits_themes_and_the_recording()
    {
        var scenario = await BuildAsync();
        var client = App.AnonymousClient();

        var page = await client.GetStringAsync($"/stories/{scenario.ProjectId}/{scenario.Visible.Id}");
        Assert.Contains($"<audio id=\"story-player\" class=\"public-player\" controls preload=\"metadata\" src=\"/stories/{scenario.ProjectId}/{scenario.Visible.Id}/recording/{scenario.Visible.MediaId}\"", page, StringComparison.Ordinal);
        Assert.Contains($"<track kind=\"captions\" src=\"/stories/{scenario.ProjectId}/{scenario.Visible.Id}/captions\" srclang=\"en\" label=\"English\" default", page, StringComparison.Ordinal);
        Assert.Contains("<span class=\"cue-speaker\">Community reporter:</span>", page, StringComparison.Ordinal);
        Assert.Contains("<span class=\"cue-speaker\">Alice Named:</span>", page, StringComparison.Ordinal);
        Assert.Contains("<a class=\"cue-time\" href=\"#c-1\">0:01</a>", page, StringComparison.Ordinal);
        Assert.Contains("<li>Belonging ", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", page, StringComparison.Ordinal);

        var group = await client.GetStringAsync($"/stories/{scenario.ProjectId}/{scenario.Group.Id}");
        Assert.Contains("<dd>Anonymous storyteller, Moth (a group of 2)</dd>", group, StringComparison.Ordinal);
        Assert.Contains("<span class=\"cue-speaker\">Storyteller:</span>", group, StringComparison.Ordinal);
        Assert.Contains("<span class=\"cue-speaker\">Moth:</span>", group, StringComparison.Ordinal);
        Assert.Contains("There is no recording of this story to play. The transcript below is the whole story.", group, StringComparison.Ordinal);

        var media = await client.GetAsync($"/stories/{scenario.ProjectId}/{scenario.Visible.Id}/recording/{scenario.Visible.MediaId}");
        Assert.Equal(HttpStatusCode.OK, media.StatusCode);
        Assert.Equal("audio/wav", media.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", media.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task The_story_captions_hold_the_public_transcript_with_times_public_credits_and_redaction()
    {
        var scenario = await BuildAsync();
        var p = scenario.ProjectId;
        var anonymous = App.AnonymousClient();
        var api = await App.ApiClientAsync(scenario.Lead);
        var secret = App.Unique("Marcus");
        var recording = Path.Combine(App.DataDir, App.Unique("rec") + ".wav");
        await File.WriteAllBytesAsync(recording, [.. "RIFF"u8, 1, 2, 3, 4, 5, 6, 7, 8]);
        var group = await App.CreatePublicStoryAsync(p, "Group with recording", [new("Bea Hiddenname", Credit: CreditStyle.Anonymous), new("Cat Realname", Credit: CreditStyle.Pseudonym, Pseudonym: "Moth")],
            secret, published: true, recording);
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"/api/projects/{p}/redaction/rules", new { term = secret, replacement = "[name]" })).StatusCode);

        var response = await anonymous.GetAsync($"/stories/{p}/{group.Id}/captions");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/vtt", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("""
            WEBVTT

            1
            00:00:00.000 --> 00:00:01.000
            <v Community reporter>Tell me about it ([name]).

            2
            00:00:01.000 --> 00:00:02.000
            <v Storyteller>I am the storyteller
            and I said [name] in line 1.

            3
            00:00:02.000 --> 00:00:03.000
            <v Moth>I am the storyteller
            and I said [name] in line 2.

            """.ReplaceLineEndings("\n"), await response.Content.ReadAsStringAsync());
        var page = await anonymous.GetStringAsync($"/stories/{p}/{group.Id}");
        Assert.Contains($"<track kind=\"captions\" src=\"/stories/{p}/{group.Id}/captions\"", page, StringComparison.Ordinal);

        // A story the public site does not show has no captions either, whoever asks.
        var lead = await App.SignInAsync(scenario.Lead);
        foreach (var (name, story) in scenario.Hidden)
        {
            Assert.True((await anonymous.GetAsync($"/stories/{p}/{story.Id}/captions")).StatusCode == HttpStatusCode.NotFound, $"{name}: captions should answer 404.");
            Assert.True((await lead.GetAsync($"/stories/{p}/{story.Id}/captions")).StatusCode == HttpStatusCode.NotFound, $"{name}: captions should answer 404 to the lead too.");
        }
    }

    [Fact]
    public async Task Searching_the_transcript_without_javascript_highlights_the_matches_on_the_server()
    {
        var scenario = await BuildAsync();
        var client = App.AnonymousClient();

        var page = await client.GetStringAsync($"/stories/{scenario.ProjectId}/{scenario.Visible.Id}?q=STORYTELLER+said");

        Assert.Contains("I am the <mark>storyteller</mark> and I <mark>said</mark> visible-one", page, StringComparison.Ordinal);
        Assert.Contains("1 line contains “STORYTELLER said”:", page, StringComparison.Ordinal);
        Assert.Contains("<a href=\"#c-1\">0:01</a>", page, StringComparison.Ordinal);
        var none = await client.GetStringAsync($"/stories/{scenario.ProjectId}/{scenario.Visible.Id}?q=%3Cscript%3Ezebra");
        Assert.Contains("No line contains “&lt;script&gt;zebra”.", none, StringComparison.Ordinal);
        Assert.DoesNotContain("<mark>", none, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unpublishing_or_a_consent_change_takes_effect_on_the_next_request()
    {
        var scenario = await BuildAsync();
        var anonymous = App.AnonymousClient();
        var storyUrl = $"/stories/{scenario.ProjectId}/{scenario.Visible.Id}";
        var mediaUrl = $"{storyUrl}/recording/{scenario.Visible.MediaId}";
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(storyUrl)).StatusCode);
        var lead = await App.SignInAsync(scenario.Lead);
        var teamPage = $"/projects/{scenario.ProjectId}/stories/{scenario.Visible.Id}";

        var unpublished = await TestApp.PostFormAsync(lead, teamPage, new() { ["publish"] = "false" }, $"{teamPage}/publication");

        Assert.Equal(HttpStatusCode.Redirect, unpublished.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(storyUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(mediaUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"{storyUrl}/captions")).StatusCode);
        Assert.DoesNotContain($"href=\"{storyUrl}\"", await anonymous.GetStringAsync("/stories"), StringComparison.Ordinal);
        var team = await lead.GetStringAsync(teamPage);
        Assert.Contains("Unpublished: the story is no longer on the public site.", team, StringComparison.Ordinal);
        Assert.Contains("<strong>Not published.</strong> Everyone who told it has agreed to publication, so it can be published.", team, StringComparison.Ordinal);
        var storyKey = scenario.Visible.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var events = await App.WithDbAsync(db => db.Events.Where(e => e.ProjectId == scenario.ProjectId && e.ObjectType == "story" && e.ObjectId == storyKey)
            .Select(e => new { e.Action, e.ActorUserId }).ToListAsync());
        Assert.Contains(events, e => e.Action == "story.unpublished" && e.ActorUserId == scenario.Lead.Id);

        await TestApp.PostFormAsync(lead, teamPage, new() { ["publish"] = "true" }, $"{teamPage}/publication");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(storyUrl)).StatusCode);
        Assert.Contains(await App.WithDbAsync(db => db.Events.Where(e => e.ProjectId == scenario.ProjectId && e.ObjectId == storyKey).Select(e => e.Action).ToListAsync()), a => a == "story.published");

        // The storyteller changes their mind: nothing else needs to happen for the story to go.
        await App.WithServiceAsync<ConsentService, bool>(async c => (await c.RecordAsync(scenario.ProjectId, scenario.Visible.StorytellerIds[0],
            new ConsentService.ConsentInput(true, true, true, true, PublishStory: false, CreditStyle.Named, CreditStyle.Named, CreditStyle.Named, null, null,
                ConsentMethod.PaperForm, null, null, "new-form.pdf", null, null), scenario.Lead.Id)).Succeeded);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(storyUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(mediaUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"{storyUrl}/captions")).StatusCode);
        Assert.Contains("<strong>Published, but not shown.</strong>", await lead.GetStringAsync(teamPage), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_team_story_page_says_which_storyteller_holds_a_story_back_and_why()
    {
        var scenario = await BuildAsync();
        var lead = await App.SignInAsync(scenario.Lead);
        string Page(string key) => $"/projects/{scenario.ProjectId}/stories/{scenario.Hidden[key].Id}";

        var group = await lead.GetStringAsync(Page("group"));
        Assert.Contains("<strong>Published, but not shown.</strong>", group, StringComparison.Ordinal);
        Assert.Contains("<li>Hal Teller: The storyteller has not agreed to: full story published.</li>", group, StringComparison.Ordinal);
        Assert.Contains("<li>Gus Teller: agreed to full story published, credited as “Gus Teller”.</li>", group, StringComparison.Ordinal);
        Assert.Contains("Fay Teller: Embargoed until", await lead.GetStringAsync(Page("embargo")), StringComparison.Ordinal);
        Assert.Contains("Ida Withdrawn: This storyteller has withdrawn.", await lead.GetStringAsync(Page("withdrawn")), StringComparison.Ordinal);
        Assert.Contains("Unpublish from the public site", group, StringComparison.Ordinal);

        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(scenario.ProjectId, viewer, Storyweave.Features.Projects.ProjectRole.Viewer);
        var viewerPage = await (await App.SignInAsync(viewer)).GetStringAsync(Page("group"));
        Assert.Contains("<strong>Published, but not shown.</strong>", viewerPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Unpublish from the public site", viewerPage, StringComparison.Ordinal);

        var api = await App.ApiClientAsync(scenario.Lead);
        var response = await api.PostAsync($"/api/projects/{scenario.ProjectId}/stories/{scenario.Hidden["unpublished"].Id}/publish", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"visible\":true", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await App.AnonymousClient().GetAsync($"/stories/{scenario.ProjectId}/{scenario.Hidden["unpublished"].Id}")).StatusCode);
    }

    [Fact]
    public async Task Publish_writes_exactly_the_published_material_as_a_static_site_and_refuses_a_non_empty_folder()
    {
        var scenario = await BuildAsync();
        var outDir = Path.Combine(Path.GetTempPath(), "storyweave-publish-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var run = await CliRunner.RunAsync(["publish", "--out", outDir, .. CliRunner.InstanceArgs(App.Options)]);

            Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
            Assert.Contains("[1/", run.Stdout, StringComparison.Ordinal);
            Assert.StartsWith("Done: ", run.LastLine, StringComparison.Ordinal);
            var files = Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(outDir, f).Replace('\\', '/')).ToList();
            var p = scenario.ProjectId;
            var storyPages = files.Where(f => Regex.IsMatch(f, $"^stories/{p}/\\d+/index.html$")).Order().ToList();
            Assert.Equal(new[] { $"stories/{p}/{scenario.Visible.Id}/index.html", $"stories/{p}/{scenario.Group.Id}/index.html" }.Order(), storyPages);
            Assert.Equal([$"stories/{p}/{scenario.Visible.Id}/recording-{scenario.Visible.MediaId}.wav"], files.Where(f => f.StartsWith($"stories/{p}/", StringComparison.Ordinal) && f.Contains("/recording-", StringComparison.Ordinal)));
            Assert.Equal([$"stories/{p}/playlists/{scenario.VisiblePlaylist}/clip-{scenario.VisibleClip}.srt", $"stories/{p}/playlists/{scenario.VisiblePlaylist}/clip-{scenario.VisibleClip}.vtt", $"stories/{p}/playlists/{scenario.VisiblePlaylist}/clip-{scenario.VisibleClip}.wav", $"stories/{p}/playlists/{scenario.VisiblePlaylist}/index.html"],
                files.Where(f => f.StartsWith($"stories/{p}/playlists/", StringComparison.Ordinal)).Order());
            Assert.Equal(await App.AnonymousClient().GetStringAsync($"/stories/{p}/playlists/{scenario.VisiblePlaylist}/clips/{scenario.VisibleClip}/captions.srt"),
                await File.ReadAllTextAsync(Path.Combine(outDir, $"stories/{p}/playlists/{scenario.VisiblePlaylist}/clip-{scenario.VisibleClip}.srt")));
            Assert.Equal([$"stories/{p}/reports/report-{scenario.VisibleReport}.md"], files.Where(f => f.StartsWith($"stories/{p}/reports/", StringComparison.Ordinal)));
            Assert.Contains("index.html", files);
            Assert.Contains("css/site.css", files);
            Assert.Contains("js/public-story.js", files);
            foreach (var file in files.Where(f => f.EndsWith(".html", StringComparison.Ordinal)))
            {
                var html = await File.ReadAllTextAsync(Path.Combine(outDir, file));
                foreach (var word in scenario.HiddenWords) Assert.False(html.Contains(word, StringComparison.Ordinal), $"{file} shows \"{word}\".");
                // Relative links only, each pointing at a file that was written.
                foreach (Match m in LinkAttribute().Matches(html))
                {
                    var link = WebUtility.HtmlDecode(m.Groups[1].Value);
                    Assert.False(link.StartsWith('/'), $"{file} links to the absolute path {link}.");
                    if (link.StartsWith("http", StringComparison.Ordinal)) continue;
                    var target = Path.GetFullPath(Path.Combine(outDir, Path.GetDirectoryName(file)!, link.Split('?')[0]));
                    Assert.True(File.Exists(target), $"{file} links to {link}, which was not written.");
                }
            }
            var storyPage = await File.ReadAllTextAsync(Path.Combine(outDir, $"stories/{p}/{scenario.Visible.Id}/index.html"));
            Assert.Contains($"src=\"recording-{scenario.Visible.MediaId}.wav\"", storyPage, StringComparison.Ordinal);
            Assert.Contains("<track kind=\"captions\" src=\"captions.vtt\" srclang=\"en\" label=\"English\" default", storyPage, StringComparison.Ordinal);
            Assert.Equal([$"stories/{p}/{scenario.Visible.Id}/captions.vtt"], files.Where(f => f.StartsWith($"stories/{p}/", StringComparison.Ordinal) && f.EndsWith(".vtt", StringComparison.Ordinal) && !f.Contains("/playlists/", StringComparison.Ordinal)));
            var exportedVtt = await File.ReadAllTextAsync(Path.Combine(outDir, $"stories/{p}/{scenario.Visible.Id}/captions.vtt"));
            Assert.Equal(await App.AnonymousClient().GetStringAsync($"/stories/{p}/{scenario.Visible.Id}/captions"), exportedVtt);
            Assert.Contains("<v Alice Named>I am the storyteller and I said", exportedVtt, StringComparison.Ordinal);
            Assert.Contains("<span class=\"cue-speaker\">Alice Named:</span>", storyPage, StringComparison.Ordinal);
            Assert.DoesNotContain("/account/sign-in", storyPage, StringComparison.Ordinal);

            var again = await CliRunner.RunAsync(["publish", "--out", outDir, .. CliRunner.InstanceArgs(App.Options)]);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("is not empty. Choose an empty folder, or add --force", again.Stderr, StringComparison.Ordinal);

            // Unpublish one story, then replace the site: the story and its recording are gone from it.
            await App.WithDbAsync(async db =>
            {
                var story = await db.Stories.SingleAsync(s => s.Id == scenario.Visible.Id);
                story.PublishedAt = null;
                return await db.SaveChangesAsync();
            });
            var forced = await CliRunner.RunAsync(["publish", "--out", outDir, "--force", .. CliRunner.InstanceArgs(App.Options)]);
            Assert.True(forced.ExitCode == 0, forced.Stderr);
            Assert.False(Directory.Exists(Path.Combine(outDir, $"stories/{p}/{scenario.Visible.Id}")));
            Assert.True(File.Exists(Path.Combine(outDir, $"stories/{p}/{scenario.Group.Id}/index.html")));
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public async Task Publish_refuses_to_write_into_the_data_folder()
    {
        var run = await CliRunner.RunAsync(["publish", "--out", Path.Combine(App.DataDir, "site"), .. CliRunner.InstanceArgs(App.Options)]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("overlaps the data folder", run.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(App.DataDir, "site")));
    }

    [Fact]
    public async Task A_public_clip_offers_its_captions_as_srt_with_the_same_cues_as_the_player_and_nothing_when_not_public()
    {
        var lead = await App.CreateUserAsync();
        var p = await App.CreateProjectAsync(lead);
        var recording = Path.Combine(App.DataDir, App.Unique("rec") + ".wav");
        await File.WriteAllBytesAsync(recording, [.. "RIFF"u8, 1, 2, 3, 4, 5, 6, 7, 8]);
        var story = await App.CreatePublicStoryAsync(p, "Clip story", [new("Jo Teller")], App.Unique("words"), published: true, recording);
        var withdrawn = await App.CreatePublicStoryAsync(p, "Gone story", [new("Kim Gone", Clips: false)], App.Unique("words"), published: true, recording);
        var (playlist, clips) = await App.CreatePlaylistAsync(p, "Clips with captions", published: true, recording,
            [new(story.Id, story.MediaId!.Value, Title: "Sea clip"), new(withdrawn.Id, withdrawn.MediaId!.Value, Title: "Gone clip")]);
        // The clip's .vtt as the clip worker writes it: cues laid out on two lines, words escaped.
        var vttPath = await App.WithDbAsync(db => db.Clips.Where(c => c.Id == clips[0]).Select(c => c.CaptionsStoredName).SingleAsync());
        await File.WriteAllTextAsync(Path.Combine(App.DataDir, "clips", p.ToString(System.Globalization.CultureInfo.InvariantCulture), vttPath!), Storyweave.Features.Shared.WebVtt.Write(
        [
            new(1, 3.5, null, "Fish & chips by the sea,\nthen the long walk home."),
            new(3.5, 65.25, null, "I said <nothing> for an hour."),
        ]));
        var anonymous = App.AnonymousClient();
        var clipUrl = $"/stories/{p}/playlists/{playlist}/clips/{clips[0]}";

        var response = await anonymous.GetAsync(clipUrl + "/captions.srt");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-subrip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(
            "1\r\n00:00:01,000 --> 00:00:03,500\r\nFish & chips by the sea,\r\nthen the long walk home.\r\n\r\n" +
            "2\r\n00:00:03,500 --> 00:01:05,250\r\nI said <nothing> for an hour.\r\n\r\n", await response.Content.ReadAsStringAsync());
        var vtt = await anonymous.GetStringAsync(clipUrl + "/captions");
        Assert.Contains("Fish &amp; chips by the sea,\nthen the long walk home.", vtt, StringComparison.Ordinal);

        var page = await anonymous.GetStringAsync($"/stories/{p}/playlists/{playlist}");
        Assert.Contains($"<a href=\"{clipUrl}/captions.srt\" download>Download captions (.srt)</a>", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"/clips/{clips[1]}/captions.srt", page, StringComparison.Ordinal);

        // A clip whose storyteller took back consent to clips, and a playlist taken off the site, answer 404 like the .vtt.
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{p}/playlists/{playlist}/clips/{clips[1]}/captions.srt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{p}/playlists/{playlist}/clips/{clips[1]}/captions")).StatusCode);
        var api = await App.ApiClientAsync(lead);
        Assert.Equal(HttpStatusCode.NoContent, (await api.PostAsync($"/api/projects/{p}/playlists/{playlist}/unpublish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(clipUrl + "/captions.srt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await App.SignInAsync(lead)).GetAsync(clipUrl + "/captions.srt")).StatusCode);
    }

    [Fact]
    public async Task A_lead_publishes_a_playlist_and_a_report_file_and_takes_them_off_again_and_nobody_else_may()
    {
        var lead = await App.CreateUserAsync(name: "Lead Person");
        var analyst = await App.CreateUserAsync();
        var p = await App.CreateProjectAsync(lead);
        await App.AddMemberAsync(p, analyst, Storyweave.Features.Projects.ProjectRole.Analyst);
        var recording = Path.Combine(App.DataDir, App.Unique("rec") + ".wav");
        await File.WriteAllBytesAsync(recording, [.. "RIFF"u8, 1, 2, 3, 4, 5, 6, 7, 8]);
        var story = await App.CreatePublicStoryAsync(p, "Published story", [new("Jo Teller")], App.Unique("words"), published: true, recording);
        var (playlist, clips) = await App.CreatePlaylistAsync(p, "Kitchen table clips", published: false, recording, [new(story.Id, story.MediaId!.Value, Title: "First clip")]);
        var report = await App.CreateReportFileAsync(p, "Overview", "# What we heard", published: false);
        var anonymous = App.AnonymousClient();
        var api = await App.ApiClientAsync(lead);
        var analystApi = await App.ApiClientAsync(analyst);

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{p}/playlists/{playlist}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{p}/reports/{report}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analystApi.PostAsync($"/api/projects/{p}/playlists/{playlist}/publish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analystApi.PostAsync($"/api/projects/{p}/report-files/{report}/publish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync($"/api/projects/{p}/playlists/{playlist + 100000}/publish", null)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.PostAsync($"/api/projects/{p}/playlists/{playlist}/publish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.PostAsync($"/api/projects/{p}/report-files/{report}/publish", null)).StatusCode);
        var front = await anonymous.GetStringAsync($"/stories/{p}");
        Assert.Contains("Kitchen table clips", front);
        Assert.Contains($"/stories/{p}/reports/{report}", front);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/stories/{p}/playlists/{playlist}/clips/{clips[0]}")).StatusCode);
        Assert.Contains("What we heard", await anonymous.GetStringAsync($"/stories/{p}/reports/{report}"));
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == p && e.Action == "playlist.published")));
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == p && e.Action == "report-file.published")));

        Assert.Equal(HttpStatusCode.NoContent, (await api.PostAsync($"/api/projects/{p}/playlists/{playlist}/unpublish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.PostAsync($"/api/projects/{p}/report-files/{report}/unpublish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{p}/playlists/{playlist}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{p}/playlists/{playlist}/clips/{clips[0]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/stories/{p}/reports/{report}")).StatusCode);
    }
}
