using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Consent;
using Storyweave.Features.Events;
using Storyweave.Features.Projects;
using Storyweave.Features.Reports;
using Storyweave.Features.Sessions;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Findings;

/// <summary>
/// Who told the stories from facets, "N of the M who chose to share", and the small-numbers guard as readers
/// meet it: on by default, and described in reports only where it hides something (issue 13, point 4).
/// </summary>
public sealed class WhoSharedTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;
    private static readonly System.Text.Json.JsonSerializerOptions Json = TestApp.JsonOptions;

    /// <summary>The words the team sees about the setting; readers must never get them.</summary>
    private const string TeamOnlyWords = "small-numbers guard";

    /// <summary>
    /// <paramref name="total"/> storytellers who agreed to analysis, one one-to-one story each; the first ones
    /// get a gender facet, <paramref name="genders"/> people per value in the order given (listed backwards in
    /// the project's own list, so ordering by count is not an accident of the list).
    /// </summary>
    private async Task<int> ProjectAsync(TestApp.TestUser lead, int total, params (string Value, int People)[] genders)
    {
        var projectId = await App.CreateProjectAsync(lead);
        await App.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            foreach (var (value, _) in genders.Reverse()) db.FacetChoices.Add(new FacetChoice { ProjectId = projectId, Kind = FacetKind.Gender, Value = value });
            var people = Enumerable.Range(0, total).Select(i => new Storyteller { ProjectId = projectId, Name = $"Teller {i}", SelfDescription = $"In my own words {i}", CreatedAt = now }).ToList();
            db.Storytellers.AddRange(people);
            await db.SaveChangesAsync();
            var next = 0;
            foreach (var (value, count) in genders)
                for (var i = 0; i < count; i++)
                    db.StorytellerFacets.Add(new StorytellerFacet { StorytellerId = people[next++].Id, Kind = FacetKind.Gender, Value = value, AddedAt = now });
            foreach (var p in people)
            {
                db.ConsentRecords.Add(new ConsentRecord { ProjectId = projectId, StorytellerId = p.Id, Recording = true, Analysis = true, Method = ConsentMethod.PaperForm, PaperFormReference = "f", GivenAt = now, RecordedAt = now });
                var session = new InterviewSession { ProjectId = projectId, Date = new DateOnly(2026, 5, 1), Mode = SessionMode.Online, CreatedAt = now };
                var story = new Story { ProjectId = projectId, Title = App.Unique("Story "), CreatedAt = now, Session = session };
                story.Storytellers.Add(new StoryStoryteller { StorytellerId = p.Id });
                db.Stories.Add(story);
            }
            return await db.SaveChangesAsync();
        });
        return projectId;
    }

    private static JsonNode Gender(JsonObject findings) =>
        findings["whoTold"]!["facets"]!.AsArray().Single(f => f!["kind"]!.GetValue<string>() == "Gender")!;

    /// <summary>Makes a full report in every format and returns what a reader sees in each.</summary>
    private static async Task<Dictionary<ReportFormat, string>> ReportTextsAsync(int projectId, HttpClient api)
    {
        var created = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { kind = "Full", title = "Who shared" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var report = (await created.Content.ReadFromJsonAsync<ReportEndpoints.ReportDto>(Json))!;
        var texts = new Dictionary<ReportFormat, string>();
        foreach (var format in Enum.GetValues<ReportFormat>())
        {
            var queued = await api.PostAsJsonAsync($"/api/projects/{projectId}/reports/{report.Id}/files", new { format = format.ToString() });
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
            var file = await TestApp.WaitForReportFileAsync(api, projectId, (await queued.Content.ReadFromJsonAsync<ReportEndpoints.FileDto>(Json))!.Id);
            Assert.True(file.Status == OutputStatus.Ready, $"{format} failed: {file.Error}");
            texts[format] = await TestApp.ReportTextAsync(format, await api.GetByteArrayAsync(file.DownloadUrl));
        }
        return texts;
    }

    [Fact]
    public async Task Facets_count_n_of_the_m_who_chose_to_share_largest_first_with_the_guard_on_by_default_and_no_guard_words_for_readers()
    {
        var lead = await App.CreateUserAsync();
        // 40 storytellers; 27 chose to say their gender: 13 women, 9 men, 5 non-binary (13 of 27 is 48%).
        var projectId = await ProjectAsync(lead, 40, ("Non-binary", 5), ("Woman", 13), ("Man", 9));
        var api = await App.ApiClientAsync(lead);

        var findings = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/findings"))!;
        Assert.Equal(5, findings["whoTold"]!["threshold"]!.GetValue<int>()); // on for a new project, nobody chose it
        var gender = Gender(findings);
        Assert.Equal((27, 68), (gender["answered"]!["value"]!.GetValue<int>(), gender["answered"]!["percent"]!.GetValue<int>()));
        Assert.Equal(40, gender["storytellers"]!["value"]!.GetValue<int>());
        Assert.Equal("27 (68%) of the 40 storytellers chose to share this.", gender["answeredText"]!.GetValue<string>());
        var values = gender["values"]!.AsArray();
        Assert.Equal(["Woman", "Man", "Non-binary"], values.Select(v => v!["value"]!.GetValue<string>()));
        Assert.Equal([48, 33, 19], values.Select(v => v!["count"]!["percent"]!.GetValue<int>()));
        Assert.Equal("13 (48%) of the 27 who shared", values[0]!["text"]!.GetValue<string>());
        Assert.Equal("5 (19%) of the 27 who shared", values[2]!["text"]!.GetValue<string>());

        var page = WebUtility.HtmlDecode(await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/findings"));
        Assert.Contains("13 (48%) of the 27 who shared", page, StringComparison.Ordinal);
        Assert.Contains("27 (68%) of the 40 storytellers chose to share this.", page, StringComparison.Ordinal);
        Assert.True(page.IndexOf("13 (48%)", StringComparison.Ordinal) < page.IndexOf("9 (33%)", StringComparison.Ordinal));
        Assert.True(page.IndexOf("9 (33%)", StringComparison.Ordinal) < page.IndexOf("5 (19%)", StringComparison.Ordinal));

        // Nothing is hidden, so readers are told nothing about the guard, in any format.
        foreach (var (format, text) in await ReportTextsAsync(projectId, api))
        {
            Assert.Contains("13 (48%) of the 27 who shared", text, StringComparison.Ordinal);
            Assert.Contains("27 (68%) of the 40 storytellers chose to share this.", text, StringComparison.Ordinal);
            Assert.True(text.IndexOf("13 (48%) of the 27", StringComparison.Ordinal) < text.IndexOf("9 (33%) of the 27", StringComparison.Ordinal), $"{format}: not largest first");
            Assert.DoesNotContain(TeamOnlyWords, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("To protect people's privacy", text, StringComparison.Ordinal);
            Assert.DoesNotContain("fewer than", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_count_under_5_is_hidden_everywhere_with_one_plain_sentence_for_readers_and_a_lead_may_turn_the_guard_off()
    {
        var lead = await App.CreateUserAsync();
        // 40 storytellers; 25 shared: 13 women, 9 men, 3 non-binary (hidden: 3 is under 5).
        var projectId = await ProjectAsync(lead, 40, ("Woman", 13), ("Non-binary", 3), ("Man", 9));
        var api = await App.ApiClientAsync(lead);

        var findings = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/findings"))!;
        var values = Gender(findings)["values"]!.AsArray();
        // Shown counts largest first; the hidden one after them.
        Assert.Equal(["Woman", "Man", "Non-binary"], values.Select(v => v!["value"]!.GetValue<string>()));
        var hidden = values[2]!;
        Assert.True(hidden["count"]!["suppressed"]!.GetValue<bool>());
        Assert.Null(hidden["count"]!["value"]);
        Assert.Equal("fewer than 5 of the 25 who shared", hidden["text"]!.GetValue<string>());
        Assert.Equal("13 (52%) of the 25 who shared", values[0]!["text"]!.GetValue<string>());

        // A chart download with nothing hidden carries no note at all.
        var themesSvg = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/findings/charts/themes.svg");
        Assert.DoesNotContain(TeamOnlyWords, themesSvg, StringComparison.OrdinalIgnoreCase);

        const string ReaderSentence = "To protect people's privacy, we do not give numbers below 5: we say \"fewer than 5\" instead, without a percentage.";
        foreach (var (format, text) in await ReportTextsAsync(projectId, api))
        {
            // A writer may set the quotation marks typographically: compare with straight ones.
            var plain = text.Replace('\u201c', '"').Replace('\u201d', '"').Replace('\u2019', '\'');
            Assert.Contains(ReaderSentence, plain, StringComparison.Ordinal);
            Assert.Contains("fewer than 5 of the 25 who shared", text, StringComparison.Ordinal);
            Assert.DoesNotContain("3 (12%)", text, StringComparison.Ordinal);
            Assert.DoesNotContain(TeamOnlyWords, text, StringComparison.OrdinalIgnoreCase);
        }

        // A lead turns it off on purpose: 3 shows, and that choice is remembered as a choice.
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/projects/{projectId}/findings/small-numbers", new { threshold = 0 })).StatusCode);
        findings = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/findings"))!;
        Assert.Equal("3 (12%) of the 25 who shared", Gender(findings)["values"]![2]!["text"]!.GetValue<string>());
        Assert.NotNull(await App.WithDbAsync(db => db.Projects.Where(p => p.Id == projectId).Select(p => p.SmallNumberThresholdChosenAt).SingleAsync()));
    }
}

/// <summary>The upgrade that turned the guard on: projects that never chose get 5; a lead's choice, 0 included, stays.</summary>
public sealed class GuardUpgradeTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Upgrading_turns_the_guard_on_only_for_projects_whose_lead_never_chose_a_setting()
    {
        var app = fixture.App;
        var chosenAt = new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        // As they were before the upgrade: 0 was the default, and nothing recorded whether a lead chose it.
        var (never, chose0, chose7) = await app.WithDbAsync(async db =>
        {
            Project P(string name) => new() { Name = app.Unique(name), Slug = app.Unique("p-"), CreatedAt = DateTime.UtcNow, SmallNumberThreshold = 0 };
            var (a, b, c) = (P("Never chose "), P("Chose off "), P("Chose seven "));
            c.SmallNumberThreshold = 7;
            db.Projects.AddRange(a, b, c);
            await db.SaveChangesAsync();
            db.Events.Add(new ProjectEvent { ProjectId = b.Id, Action = "findings.threshold-changed", ObjectType = "project", ObjectId = b.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Detail = "5->0", OccurredAt = chosenAt });
            db.Events.Add(new ProjectEvent { ProjectId = c.Id, Action = "findings.threshold-changed", ObjectType = "project", ObjectId = c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Detail = "0->7", OccurredAt = chosenAt });
            await db.SaveChangesAsync();
            return (a.Id, b.Id, c.Id);
        });

        // The migration's own statements, run on this provider's database.
        await app.WithDbAsync(async db =>
        {
            Microsoft.EntityFrameworkCore.Migrations.Migration migration = db is SqliteStoryweaveDb
                ? new Storyweave.Data.Migrations.Sqlite.GuardOnByDefaultQuoteNotes()
                : new Storyweave.Data.Migrations.Postgres.GuardOnByDefaultQuoteNotes();
            var statements = migration.UpOperations.OfType<Microsoft.EntityFrameworkCore.Migrations.Operations.SqlOperation>().ToList();
            Assert.NotEmpty(statements);
            foreach (var sql in statements) await db.Database.ExecuteSqlRawAsync(sql.Sql);
            return true;
        });

        var after = await app.WithDbAsync(db => db.Projects.Where(p => p.Id == never || p.Id == chose0 || p.Id == chose7)
            .ToDictionaryAsync(p => p.Id, p => (p.SmallNumberThreshold, p.SmallNumberThresholdChosenAt)));
        Assert.Equal((5, (DateTime?)null), after[never]);
        Assert.Equal((0, (DateTime?)chosenAt), after[chose0]);
        Assert.Equal((7, (DateTime?)chosenAt), after[chose7]);
    }
}
