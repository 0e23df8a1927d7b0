using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Consent;
using Storyweave.Features.Redaction;
using Storyweave.Features.Reports;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Redaction;

/// <summary>
/// Redaction in the real outputs: a report (HTML, Markdown, DOCX), a clip's captions and the public
/// story page, all made through HTTP from one storyteller's turn that names someone: a rule makes
/// the report files made before it out of date and cuts the clip again, and the check then finds nothing.
/// </summary>
public sealed class RedactedOutputsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    private sealed record Found(string Term, int Count);
    private sealed record Output(string Kind, string Label, string StoredName, List<Found> Found, string? Problem);
    private sealed record Check(int RulesCount, int OutputsChecked, List<Output> WithWords, List<Output> NotRead, List<string> KeptNames);

    private static readonly TranscriptService.CueInput[] Cues =
    [
        new(0.0, 2.0, "Tess Walker", "My brother Marcus came every week."),
        new(2.0, 4.0, "Tess Walker", "That kept me going."),
    ];

    [Fact]
    public async Task A_rule_hides_a_name_in_reports_clip_captions_and_the_public_page_and_outputs_made_before_it_are_remade()
    {
        using var folder = new TestMedia.Folder();
        var wav = await TestMedia.SpeechAsync(folder.File("marcus.wav"), "My brother Marcus came every week. That kept me going.");
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var story = await App.CreateClipStoryAsync(projectId, lead, [new TestApp.ClipTeller("Tess Walker", true, CreditStyle.Named)], Cues, wav);
        var tessId = story.StorytellerIds[0];
        var themeId = await App.WithDbAsync(async db =>
        {
            // Tess also agrees to her story being published (consent records are append-only: a new row).
            var last = await db.ConsentRecords.Where(c => c.StorytellerId == tessId).OrderByDescending(c => c.Id).FirstAsync();
            db.ConsentRecords.Add(new ConsentRecord
            {
                ProjectId = projectId,
                StorytellerId = tessId,
                Recording = true,
                Analysis = true,
                Quotes = true,
                Clips = true,
                PublishStory = true,
                CreditInReports = CreditStyle.Named,
                CreditInClips = CreditStyle.Named,
                CreditOnPublicSite = CreditStyle.Named,
                Method = ConsentMethod.PaperForm,
                PaperFormReference = "test",
                GivenAt = last.GivenAt.AddMinutes(1),
                RecordedAt = DateTime.UtcNow,
            });
            var label = await db.SpeakerLabels.SingleOrDefaultAsync(l => l.StoryId == story.StoryId && l.Label == "Tess Walker");
            if (label is null) db.SpeakerLabels.Add(new SpeakerLabel { StoryId = story.StoryId, Label = "Tess Walker", StorytellerId = tessId });
            else label.StorytellerId = tessId;
            await db.SaveChangesAsync();
            return await db.PassageThemes.Where(pt => pt.PassageId == story.PassageIds[0]).Select(pt => pt.ThemeId).SingleAsync();
        });
        using var api = await App.ApiClientAsync(lead);

        // The outputs, made before any rule exists.
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Kitchen tables" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var reportId = (int)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var quote = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/themes/{themeId}/quotes", new { passageId = story.PassageIds[0] });
        Assert.True(quote.IsSuccessStatusCode, await quote.Content.ReadAsStringAsync());
        var files = new List<ReportEndpoints.FileDto>();
        foreach (var format in new[] { "Html", "Markdown", "Docx" })
        {
            var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{reportId}/files", new { format });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            files.Add(await ReadyAsync(api, projectId, (await response.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!));
        }
        Assert.Contains("Marcus", await api.GetStringAsync(files[0].DownloadUrl), StringComparison.Ordinal);

        var playlist = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists", new { title = "Visits", description = "" });
        var playlistId = (int)(await playlist.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var added = await api.PostAsJsonAsync($"/api/projects/{projectId}/playlists/{playlistId}/clips", new { passageId = story.PassageIds[0], title = "Every week", description = "" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var clipId = (int)(await added.Content.ReadFromJsonAsync<JsonObject>())!["clipId"]!;
        await ClipReadyAsync(api, projectId, playlistId, clipId);
        Assert.Contains("Marcus", await StoredCaptionsAsync(projectId), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/projects/{projectId}/stories/{story.StoryId}/publish", null)).StatusCode);
        using var visitor = App.AnonymousClient();
        var page = $"/stories/{projectId}/{story.StoryId}";
        Assert.Contains("Marcus", await visitor.GetStringAsync(page), StringComparison.Ordinal);

        var before = await CheckAsync(api, projectId);
        Assert.Equal(0, before.RulesCount);
        Assert.Empty(before.WithWords);
        Assert.Equal(5, before.OutputsChecked); // three report files, one captions file, one public story page

        // The rule: report files made before it are out of date at once (deleted, 410), the clip is cut
        // again with the rule, and the live page hides the name at once. The check finds nothing left.
        var rule = await api.PostAsJsonAsync($"/api/projects/{projectId}/redaction/rules", new { term = "Marcus", replacement = "[name]" });
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
        foreach (var file in files)
        {
            var gone = await api.GetAsync(file.DownloadUrl);
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
            Assert.Contains(ReportStaleness.RedactionChanged, await gone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await ClipReadyAsync(api, projectId, playlistId, clipId);
        var after = await CheckAsync(api, projectId);
        Assert.Empty(after.NotRead);
        Assert.Empty(after.WithWords);
        Assert.Equal(2, after.OutputsChecked); // the new captions file and the public story page: the old report files are gone

        var html = await visitor.GetStringAsync(page);
        Assert.Contains("My brother [name] came every week.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Marcus", html, StringComparison.OrdinalIgnoreCase);
        var search = await visitor.GetStringAsync(page + "?q=Marcus");
        Assert.Contains("No line contains", search, StringComparison.Ordinal);
        Assert.DoesNotContain("<mark", search, StringComparison.Ordinal);
        var served = await api.GetStringAsync($"/api/projects/{projectId}/clips/{clipId}/captions");
        Assert.Contains("[name]", served, StringComparison.Ordinal);
        Assert.DoesNotContain("Marcus", served, StringComparison.Ordinal);

        // Made again, every output hides the name and the check finds nothing.
        var again = new List<ReportEndpoints.FileDto>();
        foreach (var file in files)
        {
            var response = await api.PostAsync($"/api/projects/{projectId}/report-files/{file.Id}/regenerate", null);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            again.Add(await ReadyAsync(api, projectId, (await response.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!));
        }

        var clean = await CheckAsync(api, projectId);
        Assert.Empty(clean.WithWords);
        Assert.Empty(clean.NotRead);
        Assert.True(clean.OutputsChecked >= 5, $"{clean.OutputsChecked} outputs checked");

        foreach (var file in again.Where(f => f.Format is ReportFormat.Html or ReportFormat.Markdown))
        {
            var text = (await api.GetStringAsync(file.DownloadUrl)).Replace("\\", "", StringComparison.Ordinal); // Markdown escapes [ and ]
            Assert.Contains("My brother [name] came every week.", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Marcus", text, StringComparison.Ordinal);
        }
        var vtt = await StoredCaptionsAsync(projectId);
        Assert.Contains("My brother [name] came every week.", vtt, StringComparison.Ordinal);
        Assert.DoesNotContain("Marcus", vtt, StringComparison.Ordinal);
    }

    private static async Task<Check> CheckAsync(HttpClient api, int projectId) =>
        (await api.GetFromJsonAsync<Check>($"/api/projects/{projectId}/redaction/check", Json))!;

    private static async Task<ReportEndpoints.FileDto> ReadyAsync(HttpClient api, int projectId, ReportEndpoints.FileDto queued)
    {
        var file = await TestApp.WaitForReportFileAsync(api, projectId, queued.Id);
        Assert.True(file.Status == OutputStatus.Ready, $"{file.Format} failed: {file.Error}");
        return file;
    }

    private static async Task ClipReadyAsync(HttpClient api, int projectId, int playlistId, int clipId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var list = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/playlists/{playlistId}"))!;
            var clip = list["clips"]!.AsArray().Select(c => c!.AsObject()).Single(c => (int)c["id"]! == clipId);
            var status = (string)clip["status"]!;
            if (status == "Ready") return;
            Assert.True(status != "Failed", clip.ToJsonString());
            Assert.True(DateTime.UtcNow < deadline, $"Clip {clipId} was still {status} after 90 seconds.");
            await Task.Delay(200);
        }
    }

    private async Task<string> StoredCaptionsAsync(int projectId) =>
        await File.ReadAllTextAsync(Directory.GetFiles(Path.Combine(App.DataDir, "clips", projectId.ToString(CultureInfo.InvariantCulture)), "*.vtt").Single());
}
