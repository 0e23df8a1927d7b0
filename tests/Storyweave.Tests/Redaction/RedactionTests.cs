using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Redaction;

namespace Storyweave.Tests.Redaction;

public sealed class RedactionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private sealed record Suggestion(string Term, SuggestionSource Source, int Count, string Example, string SuggestedReplacement);
    private sealed record Rule(int Id, string Term, string Replacement);
    private sealed record Found(string Term, int Count);
    private sealed record Output(string Kind, string Label, string StoredName, List<Found> Found, string? Problem);
    private sealed record Check(int RulesCount, int OutputsChecked, List<Output> WithWords, List<Output> NotRead, List<string> KeptNames);

    private async Task<(int ProjectId, TestApp.TestUser Lead, HttpClient Api)> ProjectWithStoryAsync()
    {
        var lead = await App.CreateUserAsync(name: "Lead " + App.Unique("L"));
        var projectId = await App.CreateProjectAsync(lead);
        // Olive chose to be named in reports, but not in clips.
        var olive = await App.CreateStorytellerAsync(projectId, lead, name: "Olive Brown", quotes: true, clips: true, credit: CreditStyle.Named);
        await App.WithDbAsync(async db =>
        {
            var record = db.ConsentRecords.Where(c => c.StorytellerId == olive).OrderByDescending(c => c.Id).First();
            // Consent records are append-only: a change is a new row.
            db.ConsentRecords.Add(new ConsentRecord
            {
                ProjectId = projectId,
                StorytellerId = olive,
                GivenAt = DateTime.UtcNow,
                Recording = record.Recording,
                Analysis = record.Analysis,
                Quotes = true,
                Clips = true,
                PublishStory = record.PublishStory,
                CreditInReports = CreditStyle.Named,
                CreditInClips = CreditStyle.Anonymous,
                CreditOnPublicSite = CreditStyle.Anonymous,
                Method = record.Method,
                RecordedAt = DateTime.UtcNow,
                RecordedByUserId = lead.Id,
            });
            return await db.SaveChangesAsync();
        });
        await App.CreateStoryWithTranscriptAsync(projectId, lead, [olive],
            ("Olive", "Olive is my name. I went with Marcus to Leeds in May, and Marcus's brother drove."),
            ("Olive", "On Monday I told Marcus everything. I think it helped."));
        return (projectId, lead, await App.ApiClientAsync(lead));
    }

    [Fact]
    public async Task Suggestions_find_a_capitalised_name_mid_sentence_and_a_registry_name_but_not_months_days_or_I()
    {
        var (projectId, lead, api) = await ProjectWithStoryAsync();
        var suggestions = await api.GetFromJsonAsync<List<Suggestion>>($"/api/projects/{projectId}/redaction/suggestions", TestApp.JsonOptions);

        var marcus = Assert.Single(suggestions!, s => s.Term == "Marcus");
        Assert.Equal(SuggestionSource.CapitalisedWord, marcus.Source);
        Assert.Equal(3, marcus.Count); // "Marcus", "Marcus's" and again in the second line
        Assert.Contains("Marcus to Leeds", marcus.Example, StringComparison.Ordinal);
        Assert.Contains(suggestions!, s => s.Term == "Leeds");
        // "Olive" only starts sentences, so only the registry finds it.
        var olive = Assert.Single(suggestions!, s => s.Term == "Olive");
        Assert.Equal(SuggestionSource.StorytellerName, olive.Source);
        Assert.DoesNotContain(suggestions!, s => s.Term is "May" or "Monday" or "I" or "On");

        // One click (the page's form) adds a suggestion as a rule; it is then no longer suggested.
        var page = await App.SignInAsync(lead);
        var response = await TestApp.PostFormAsync(page, $"/projects/{projectId}/redaction", new() { ["term"] = "Marcus", ["replacement"] = "[name]" }, $"/projects/{projectId}/redaction?handler=Add");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var rules = await api.GetFromJsonAsync<List<Rule>>($"/api/projects/{projectId}/redaction/rules", TestApp.JsonOptions);
        Assert.Equal("[name]", Assert.Single(rules!, r => r.Term == "Marcus").Replacement);
        suggestions = await api.GetFromJsonAsync<List<Suggestion>>($"/api/projects/{projectId}/redaction/suggestions", TestApp.JsonOptions);
        Assert.DoesNotContain(suggestions!, s => s.Term == "Marcus");
        Assert.Contains("redaction.added", await App.WithDbAsync(db => Task.FromResult(string.Join(",", db.Events.Where(e => e.ProjectId == projectId).Select(e => e.Action)))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_registry_name_is_counted_on_its_own_in_any_case_and_a_name_inside_a_longer_one_still_counts()
    {
        // Names are counted in one pass over the lines, each only where its first word occurs (issue #17), with the same
        // matching as redaction itself: whole words, any case, "Sam" inside "Sam Okafor" and in "SAM's", not in "Samira".
        var lead = await App.CreateUserAsync(name: "Lead " + App.Unique("L"));
        var projectId = await App.CreateProjectAsync(lead);
        var sam = await App.CreateStorytellerAsync(projectId, lead, name: "Sam Okafor");
        var samira = await App.CreateStorytellerAsync(projectId, lead, name: "Samira Okafor");
        var hidden = await App.CreateStorytellerAsync(projectId, lead, name: "Wren Hale", analysis: false);
        for (var i = 0; i < 30; i++) await App.CreateStorytellerAsync(projectId, lead, name: $"Other{i} Person{i}");
        await App.CreateStoryWithTranscriptAsync(projectId, lead, [sam, samira],
            ("Sam Okafor", "Yesterday I met Sam Okafor and SAM's sister at the Okafor house."),
            ("Samira Okafor", "Everyone calls me Samira, never Sam."));
        await App.CreateStoryWithTranscriptAsync(projectId, lead, [hidden], ("Wren Hale", "My friend Sam Okafor was there."));
        var api = await App.ApiClientAsync(lead);

        var suggestions = (await api.GetFromJsonAsync<List<Suggestion>>($"/api/projects/{projectId}/redaction/suggestions", TestApp.JsonOptions))!;
        int CountOf(string term) => Assert.Single(suggestions, s => s.Term == term).Count;
        // Wren withheld analysis: her line is not read, so "Sam Okafor" is counted once, not twice.
        Assert.Equal(1, CountOf("Sam Okafor"));
        Assert.Equal(3, CountOf("Sam"));
        Assert.Equal(1, CountOf("Samira"));
        Assert.Contains("Yesterday I met Sam Okafor", Assert.Single(suggestions, s => s.Term == "Sam").Example, StringComparison.Ordinal);
        Assert.Equal(SuggestionSource.StorytellerName, Assert.Single(suggestions, s => s.Term == "Samira").Source);
        Assert.DoesNotContain(suggestions, s => s.Term is "Samira Okafor" or "Wren" or "Wren Hale" || s.Term.StartsWith("Other", StringComparison.Ordinal));
        // A surname is not a registry entry on its own: it is found as a capitalised word, in both lines it is in.
        var okafor = Assert.Single(suggestions, s => s.Term == "Okafor");
        Assert.Equal((SuggestionSource.CapitalisedWord, 2), (okafor.Source, okafor.Count));
    }

    [Fact]
    public async Task Rules_are_edited_by_leads_only_and_bad_input_gets_a_specific_message()
    {
        var (projectId, lead, api) = await ProjectWithStoryAsync();
        var viewer = await App.CreateUserAsync();
        var reporter = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, viewer, ProjectRole.Viewer);
        await App.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        var viewerApi = await App.ApiClientAsync(viewer);
        var reporterApi = await App.ApiClientAsync(reporter);

        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/redaction/rules", new { term = "Leeds", replacement = "[city]" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = (await created.Content.ReadFromJsonAsync<Rule>(TestApp.JsonOptions))!;

        Assert.Equal(HttpStatusCode.OK, (await viewerApi.GetAsync($"/api/projects/{projectId}/redaction/rules")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewerApi.GetAsync($"/api/projects/{projectId}/redaction/check")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.GetAsync($"/api/projects/{projectId}/redaction/suggestions")).StatusCode);
        foreach (var client in new[] { viewerApi, reporterApi })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync($"/api/projects/{projectId}/redaction/rules", new { term = "X", replacement = "[x]" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsJsonAsync($"/api/projects/{projectId}/redaction/rules/{rule.Id}", new { term = "X", replacement = "[x]" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync($"/api/projects/{projectId}/redaction/rules/{rule.Id}")).StatusCode);
        }
        // The viewer sees the page and the rules, but no forms to change them or suggestions.
        var viewerPage = await (await App.SignInAsync(viewer)).GetStringAsync($"/projects/{projectId}/redaction");
        Assert.Contains("[city]", viewerPage, StringComparison.Ordinal);
        Assert.DoesNotContain("handler=Add", viewerPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Suggestions", viewerPage, StringComparison.Ordinal);

        var duplicate = await api.PostAsJsonAsync($"/api/projects/{projectId}/redaction/rules", new { term = "  leeds ", replacement = "[x]" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, duplicate.StatusCode);
        Assert.Contains("already a rule for", await duplicate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var leaky = await api.PutAsJsonAsync($"/api/projects/{projectId}/redaction/rules/{rule.Id}", new { term = "Leeds", replacement = "Leeds city" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, leaky.StatusCode);
        Assert.Contains("must not contain", await leaky.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/projects/{projectId}/redaction/rules/{rule.Id}", new { term = "Leeds", replacement = "[town]" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/projects/{projectId}/redaction/rules/{rule.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/projects/{projectId}/redaction/rules/{rule.Id}")).StatusCode);
    }

    [Fact]
    public async Task The_check_reads_html_markdown_docx_and_captions_and_honours_the_named_credit()
    {
        var (projectId, _, api) = await ProjectWithStoryAsync();
        foreach (var (term, replacement) in new[] { ("Marcus", "[name]"), ("Leeds", "[city]"), ("Olive", "[name]") })
            (await api.PostAsJsonAsync($"/api/projects/{projectId}/redaction/rules", new { term, replacement })).EnsureSuccessStatusCode();

        var outputs = Path.Combine(App.DataDir, "outputs", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var clips = Path.Combine(App.DataDir, "clips", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(outputs);
        Directory.CreateDirectory(clips);
        const string quote = "I went with Marcus to Leeds, and Marcus's brother drove. Olive Brown";
        await File.WriteAllTextAsync(Path.Combine(outputs, "a.html"), $"<html><body><p>{WebUtility.HtmlEncode(quote)}</p><img alt=\"Marcus at home\" src=\"x.png\"></body></html>");
        await File.WriteAllTextAsync(Path.Combine(outputs, "b.md"), $"> {quote}");
        WriteDocx(Path.Combine(outputs, "c.docx"), quote);
        await File.WriteAllTextAsync(Path.Combine(clips, "d.vtt"), $"WEBVTT\n\n00:00:00.000 --> 00:00:05.000\n<v Storyteller>{quote}\n");

        var before = await api.GetFromJsonAsync<Check>($"/api/projects/{projectId}/redaction/check", TestApp.JsonOptions);
        Assert.Equal(4, before!.OutputsChecked);
        Assert.Equal(4, before.WithWords.Count);
        var html = Assert.Single(before.WithWords, o => o.StoredName == "a.html");
        Assert.Equal(3, Assert.Single(html.Found, f => f.Term == "Marcus").Count); // two in the text, one in the image's alt text
        var docx = Assert.Single(before.WithWords, o => o.StoredName == "c.docx");
        Assert.Equal(2, Assert.Single(docx.Found, f => f.Term == "Marcus").Count); // found across Word's split runs
        // Olive chose her full name for reports, so reports keep it; clips credit her anonymously, so captions must not.
        Assert.DoesNotContain(html.Found, f => f.Term == "Olive");
        Assert.Contains("Olive", before.KeptNames);
        Assert.Equal(1, Assert.Single(Assert.Single(before.WithWords, o => o.StoredName == "d.vtt").Found, f => f.Term == "Olive").Count);

        // The outputs made again through each output's redactor: nothing identifying is left.
        var reports = await App.WithServiceAsync<RedactionService, Redactor>(s => s.ForOutputAsync(projectId, RedactionOutput.Reports));
        var captions = await App.WithServiceAsync<RedactionService, Redactor>(s => s.ForOutputAsync(projectId, RedactionOutput.Clips));
        var redacted = reports.Apply(quote);
        Assert.Equal("I went with [name] to [city], and [name]'s brother drove. Olive Brown", redacted);
        await File.WriteAllTextAsync(Path.Combine(outputs, "a.html"), $"<html><body><p>{WebUtility.HtmlEncode(redacted)}</p><img alt=\"{reports.Apply("Marcus at home")}\" src=\"x.png\"></body></html>");
        await File.WriteAllTextAsync(Path.Combine(outputs, "b.md"), $"> {redacted}");
        WriteDocx(Path.Combine(outputs, "c.docx"), redacted);
        await File.WriteAllTextAsync(Path.Combine(clips, "d.vtt"), $"WEBVTT\n\n00:00:00.000 --> 00:00:05.000\n<v Storyteller>{captions.Apply(quote)}\n");

        var after = await api.GetFromJsonAsync<Check>($"/api/projects/{projectId}/redaction/check", TestApp.JsonOptions);
        Assert.Equal(4, after!.OutputsChecked);
        Assert.Empty(after.WithWords);
        Assert.Empty(after.NotRead);
    }

    /// <summary>A minimal Word document whose words are split across runs, as Word often does.</summary>
    private static void WriteDocx(string path, string text)
    {
        File.Delete(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        var runs = new StringBuilder();
        for (var i = 0; i < text.Length; i += 3) runs.Append("<w:r><w:t xml:space=\"preserve\">").Append(WebUtility.HtmlEncode(text.Substring(i, Math.Min(3, text.Length - i)))).Append("</w:t></w:r>");
        var entry = zip.CreateEntry("word/document.xml");
        using var writer = new StreamWriter(entry.Open());
        writer.Write($"<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p>{runs}</w:p></w:body></w:document>");
    }
}
