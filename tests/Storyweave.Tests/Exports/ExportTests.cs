using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Exports;

public sealed class ExportTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private const string Passages = "coded-passages";
    private const string Storytellers = "storytellers";
    private const string WithContact = "storytellers-with-contact-details";
    private const string Findings = "findings";

    private async Task<HttpClient> MemberAsync(int projectId, ProjectRole role)
    {
        var user = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, user, role);
        return await App.ApiClientAsync(user);
    }

    /// <summary>A story told by one storyteller, one cue, one coded passage (by <paramref name="coderId"/>) with the given themes.</summary>
    internal static async Task<int> PassageAsync(TestApp app, int projectId, int storytellerId, string words, IReadOnlyList<int> themeIds, string? coderId = null)
    {
        return await app.WithDbAsync(async db =>
        {
            var story = new Story { ProjectId = projectId, Title = "Export story " + Guid.NewGuid().ToString("N")[..6], CreatedAt = DateTime.UtcNow };
            db.Stories.Add(story);
            await db.SaveChangesAsync();
            db.StoryStorytellers.Add(new StoryStoryteller { StoryId = story.Id, StorytellerId = storytellerId });
            db.TranscriptCues.Add(new TranscriptCue { StoryId = story.Id, Position = 0, StartSeconds = 1.5, EndSeconds = 6.25, Speaker = "Teller", Text = words });
            db.SpeakerLabels.Add(new SpeakerLabel { StoryId = story.Id, Label = "Teller", StorytellerId = storytellerId });
            var passage = new CodedPassage
            {
                ProjectId = projectId,
                StoryId = story.Id,
                StartOffset = 0,
                EndOffset = words.Length,
                Snippet = words,
                StartSeconds = 1.5,
                EndSeconds = 6.25,
                Speaker = "Teller",
                CoderUserId = coderId,
                CreatedAt = DateTime.UtcNow,
            };
            db.Passages.Add(passage);
            await db.SaveChangesAsync();
            foreach (var themeId in themeIds)
                db.PassageThemes.Add(new PassageTheme { PassageId = passage.Id, ThemeId = themeId, CoderUserId = coderId, CodedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            return passage.Id;
        });
    }

    [Fact]
    public async Task Coded_passages_export_shows_each_passage_with_its_credit_theme_path_and_times_and_leaves_out_people_without_consent_or_under_embargo()
    {
        var lead = await App.CreateUserAsync(name: "Lena Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var (themes, named, pseudo, anon, noQuotes) = await App.CreateReportScenarioAsync(projectId, lead);
        var subThemeId = await App.WithDbAsync(db => db.Themes.Where(t => t.ParentId == themes[0].Id).Select(t => t.Id).SingleAsync());
        var tag = Guid.NewGuid().ToString("N")[..6];

        var noAnalysisId = await App.CreateStorytellerAsync(projectId, lead, $"Nora Noanalysis{tag}", analysis: false, quotes: true, credit: CreditStyle.Named);
        var embargoedId = await App.CreateStorytellerAsync(projectId, lead, $"Emma Embargoed{tag}", quotes: true, credit: CreditStyle.Named);
        await App.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            db.ConsentRecords.Add(new ConsentRecord
            {
                ProjectId = projectId,
                StorytellerId = embargoedId,
                Recording = true,
                Analysis = true,
                Quotes = true,
                CreditInReports = CreditStyle.Named,
                EmbargoUntil = DateOnly.FromDateTime(now).AddDays(30),
                Method = ConsentMethod.PaperForm,
                GivenAt = now,
                RecordedAt = now,
            });
            return await db.SaveChangesAsync();
        });
        await PassageAsync(App, projectId, named.Id, $"I was coded by a person {tag}", [themes[0].Id, subThemeId], lead.Id);
        await PassageAsync(App, projectId, noAnalysisId, $"Words nobody may analyse {tag}", [themes[0].Id], lead.Id);
        await PassageAsync(App, projectId, embargoedId, $"Words held back for now {tag}", [themes[0].Id], lead.Id);

        var analyst = await MemberAsync(projectId, ProjectRole.Analyst);
        var sheet = await ExportFiles.BothAsync(analyst, projectId, Passages);
        Assert.Equal(["Passage id", "Story title", "Story id", "Speaker label", "Storyteller id", "Storyteller credit", "Theme", "Passage", "Start (seconds)", "End (seconds)", "Coder", "Coded on", "Passage memo"],
            sheet.Headers); // no call-out here, so no answer columns

        IReadOnlyDictionary<string, string> RowOf(string words, string theme) => Assert.Single(sheet.Rows, r => r["Passage"] == words && r["Theme"] == theme);
        Assert.Equal(named.Name, RowOf(named.Words, themes[0].Name)["Storyteller credit"]);
        Assert.Equal("Pat Pseudo", RowOf(pseudo.Words, themes[1].Name)["Storyteller credit"]);
        Assert.Equal("Anonymous storyteller", RowOf(anon.Words, themes[1].Name)["Storyteller credit"]);
        Assert.Equal("Anonymous storyteller", RowOf(noQuotes.Words, themes[2].Name)["Storyteller credit"]); // analysis only: no name beside their words
        var sub = RowOf($"I was coded by a person {tag}", $"{themes[0].Name} › {await App.WithDbAsync(db => db.Themes.Where(t => t.Id == subThemeId).Select(t => t.Name).SingleAsync())}");
        Assert.Equal(("Teller", $"{named.Id}", "1.5", "6.25", "Lena Lead", DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            (sub["Speaker label"], sub["Storyteller id"], sub["Start (seconds)"], sub["End (seconds)"], sub["Coder"], sub["Coded on"]));
        Assert.Equal(2, sheet.Rows.Count(r => r["Passage"] == $"I was coded by a person {tag}")); // one row per theme
        Assert.Equal(6, sheet.Rows.Count);
        foreach (var absent in new[] { $"Words nobody may analyse {tag}", $"Nora Noanalysis{tag}", $"Words held back for now {tag}", $"Emma Embargoed{tag}", noQuotes.Name })
            Assert.DoesNotContain(absent, sheet.AllText, StringComparison.Ordinal);

        // XLSX: bold frozen header, widths, numbers as numbers, dates as dates, the same words.
        var (xlsx, cells, worksheet, styles) = ExportFiles.ReadXlsx(await ExportFiles.DownloadAsync(analyst, projectId, Passages, "xlsx"));
        Assert.Contains(xlsx.Rows, r => r["Passage"] == named.Words && r["Storyteller credit"] == named.Name);
        var boldFormat = styles.CellFormats!.Elements<CellFormat>().ElementAt((int)cells[0][0].StyleIndex!.Value);
        Assert.NotNull(styles.Fonts!.Elements<Font>().ElementAt((int)boldFormat.FontId!.Value).Bold);
        Assert.All(cells[0], c => Assert.Equal(cells[0][0].StyleIndex!.Value, c.StyleIndex!.Value));
        var pane = worksheet.Descendants<Pane>().Single();
        Assert.Equal((PaneStateValues.Frozen, "A2", 1.0), (pane.State!.Value, pane.TopLeftCell!.Value, pane.VerticalSplit!.Value));
        Assert.All(worksheet.Descendants<Column>(), c => Assert.True(c.CustomWidth!.Value && c.Width!.Value >= 9));
        var row = cells[1 + xlsx.Rows.ToList().FindIndex(r => r["Passage"] == $"I was coded by a person {tag}")];
        Assert.Null(row[0].DataType); // passage id
        Assert.Null(row[2].DataType); // story id
        Assert.Null(row[8].DataType);
        Assert.Equal("1.5", row[8].CellValue!.Text);
        var dateFormat = styles.CellFormats!.Elements<CellFormat>().ElementAt((int)row[11].StyleIndex!.Value);
        Assert.Equal("yyyy-mm-dd", styles.NumberingFormats!.Elements<NumberingFormat>().Single(f => f.NumberFormatId!.Value == dateFormat.NumberFormatId!.Value).FormatCode!.Value);
        Assert.Equal(DateTime.UtcNow.Date, DateTime.FromOADate(double.Parse(row[11].CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Empty(worksheet.Descendants<CellFormula>());

        // Every download is in the event log and the access log (file kinds, not content).
        var (events, access) = await App.WithDbAsync(async db => (
            await db.Events.Where(e => e.ProjectId == projectId && e.Action == "export.downloaded").Select(e => e.ObjectId + " " + e.Detail).ToListAsync(),
            await db.AccessLog.Where(a => a.ProjectId == projectId && a.Action == "exported").Select(a => a.TargetType + ":" + a.TargetId).ToListAsync()));
        // The rows are read from the database while the file is written; the log still says how many went out.
        Assert.Equal(2, events.Count(e => e == "coded-passages.xlsx rows:6"));
        Assert.Single(events, e => e == "coded-passages.csv rows:6");
        Assert.Contains("export:coded-passages.csv", access);
        Assert.Equal(2, access.Count(a => a == "export:coded-passages.xlsx"));
    }

    /// <summary>
    /// Issue 14 point 5: one row is enough for Excel/NVivo users — the passage id, the memos on the passage and the
    /// storyteller's call-out answers — with the same consent and redaction rules as the other columns, and no
    /// per-person facets (special-category data: only in the personal-details file).
    /// </summary>
    [Fact]
    public async Task Coded_passages_export_has_passage_id_memo_text_and_the_storytellers_answers_redacted_and_only_for_people_who_agreed()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var callOut = await App.PublishCallOutAsync(projectId, lead);
        var question = callOut.Questions.OrderBy(q => q.Position).First();
        var options = question.Options.OrderBy(o => o.Position).ToList();
        var themeId = await App.CreateThemeAsync(projectId, "Housing");
        var tag = Guid.NewGuid().ToString("N")[..6];
        var keptId = await App.CreateStorytellerAsync(projectId, lead, $"Kay Kept{tag}", quotes: true, credit: CreditStyle.Named, optionIds: [options[1].Id]);
        var refusedId = await App.CreateStorytellerAsync(projectId, lead, $"Ray Refused{tag}", analysis: false, optionIds: [options[0].Id]);
        var keptPassage = await PassageAsync(App, projectId, keptId, $"The flat was damp {tag}", [themeId], lead.Id);
        var refusedPassage = await PassageAsync(App, projectId, refusedId, $"Words kept out {tag}", [themeId], lead.Id);
        await App.WithDbAsync(async db =>
        {
            db.StorytellerFacets.Add(new StorytellerFacet { StorytellerId = keptId, Kind = FacetKind.Disability, Value = $"Deafblind{tag}", AddedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        async Task MemoAsync(int passageId, string text)
        {
            var added = await api.PostAsJsonAsync($"/api/projects/{projectId}/memos?targetType=passage&targetId={passageId}", new { text });
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        }
        await MemoAsync(keptPassage, $"Bernadette the housing officer came up again {tag}");
        await MemoAsync(keptPassage, $"Second thought {tag}");
        await MemoAsync(refusedPassage, $"Memo about refused words {tag}");
        var added = await api.PostAsJsonAsync($"/api/projects/{projectId}/redaction/rules", new { term = "Bernadette", replacement = "[officer]" });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());

        var sheet = await ExportFiles.BothAsync(await MemberAsync(projectId, ProjectRole.Analyst), projectId, Passages);
        Assert.Equal("Passage id", sheet.Headers[0]);
        Assert.Contains("Passage memo", sheet.Headers);
        Assert.Equal(question.Options.Count, sheet.Headers.Count(h => h.StartsWith(question.Text + ": ", StringComparison.Ordinal)));
        var row = Assert.Single(sheet.Rows);
        Assert.Equal($"{keptPassage}", row["Passage id"]);
        Assert.Equal($"[officer] the housing officer came up again {tag}\n\nSecond thought {tag}", row["Passage memo"].ReplaceLineEndings("\n"));
        Assert.Equal((No: "No", Yes: "Yes"), (No: row[$"{question.Text}: {options[0].Label}"], Yes: row[$"{question.Text}: {options[1].Label}"]));
        foreach (var absent in new[] { $"Words kept out {tag}", $"Memo about refused words {tag}", $"Ray Refused{tag}", "Bernadette", $"Deafblind{tag}" })
            Assert.DoesNotContain(absent, sheet.AllText, StringComparison.Ordinal);
        // The refused passage's id is a short number that may occur inside other figures: checked in its own column.
        Assert.DoesNotContain(sheet.Rows, r => r["Passage id"] == $"{refusedPassage}");
        Assert.DoesNotContain("Disability", sheet.Headers);
        var xlsx = ExportFiles.ReadXlsx(await ExportFiles.DownloadAsync(api, projectId, Passages, "xlsx")).Sheet;
        Assert.Equal(row["Passage memo"].ReplaceLineEndings("\n"), Assert.Single(xlsx.Rows)["Passage memo"].ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task In_a_group_story_only_the_turns_of_people_who_agreed_are_exported()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var themeId = await App.CreateThemeAsync(projectId, "Belonging");
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (storyId, _) = await App.CreateCodingStoryAsync(projectId, lead, [new TestApp.Teller("Ada Agrees"), new TestApp.Teller("Rob Refuses", Analysis: false)],
        [
            new TranscriptService.CueInput(0, 3, "Ada Agrees", $"Ada words {tag}"),
            new TranscriptService.CueInput(3, 6, "Rob Refuses", $"Rob words {tag}"),
            new TranscriptService.CueInput(6, 9, "Reporter", $"Reporter question {tag}"),
        ]);
        await App.WithDbAsync(async db =>
        {
            var cues = await db.TranscriptCues.Where(c => c.StoryId == storyId).OrderBy(c => c.Position).ToListAsync();
            var offset = 0;
            foreach (var cue in cues)
            {
                var passage = new CodedPassage
                {
                    ProjectId = projectId,
                    StoryId = storyId,
                    StartOffset = offset,
                    EndOffset = offset + cue.Text.Length,
                    Snippet = cue.Text,
                    StartSeconds = cue.StartSeconds,
                    EndSeconds = cue.EndSeconds,
                    Speaker = cue.Speaker,
                    CreatedAt = DateTime.UtcNow,
                };
                passage.Themes.Add(new PassageTheme { ThemeId = themeId, CodedAt = DateTime.UtcNow });
                db.Passages.Add(passage);
                offset += cue.Text.Length + 1;
            }
            return await db.SaveChangesAsync();
        });

        var sheet = await ExportFiles.BothAsync(await App.ApiClientAsync(lead), projectId, Passages);
        Assert.Equal([$"Ada words {tag}", $"Reporter question {tag}"], sheet.Column("Passage"));
        Assert.Equal(["Anonymous storyteller", "Reporter"], sheet.Column("Storyteller credit"));
        Assert.DoesNotContain("Rob", sheet.AllText, StringComparison.Ordinal);
    }

    /// <summary>
    /// The coded-passages rows are read as one flat list of passage themes (issue #17): each passage's rows stay together,
    /// in story and transcript order whatever order they were coded in, its themes by path; a passage left without a
    /// theme has no row.
    /// </summary>
    [Fact]
    public async Task Coded_passages_come_in_story_and_transcript_order_each_with_its_themes_by_path()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var zeal = await App.CreateThemeAsync(projectId, "Zeal");
        var apple = await App.CreateThemeAsync(projectId, "Apple");
        var middle = await App.CreateThemeAsync(projectId, "Middle");
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (storyId, _) = await App.CreateCodingStoryAsync(projectId, lead, [new TestApp.Teller("Ada")],
        [
            new TranscriptService.CueInput(0, 3, "Ada", $"First {tag}"),
            new TranscriptService.CueInput(3, 6, "Ada", $"Second {tag}"),
            new TranscriptService.CueInput(6, 9, "Ada", $"Third {tag}"),
        ]);
        await App.WithDbAsync(async db =>
        {
            var cues = await db.TranscriptCues.Where(c => c.StoryId == storyId).OrderBy(c => c.Position).ToListAsync();
            var offsets = new List<int>();
            for (int i = 0, at = 0; i < cues.Count; at += cues[i].Text.Length + 1, i++) offsets.Add(at);
            // Coded last turn first, so ids run against the transcript's order; the middle turn has no theme left.
            foreach (var (position, themes) in new[] { (2, new[] { zeal, apple }), (1, Array.Empty<int>()), (0, new[] { middle, zeal, apple }) })
            {
                var passage = new CodedPassage
                {
                    ProjectId = projectId,
                    StoryId = storyId,
                    StartOffset = offsets[position],
                    EndOffset = offsets[position] + cues[position].Text.Length,
                    Snippet = cues[position].Text,
                    Speaker = "Ada",
                    CreatedAt = DateTime.UtcNow,
                };
                foreach (var themeId in themes) passage.Themes.Add(new PassageTheme { ThemeId = themeId, CodedAt = DateTime.UtcNow });
                db.Passages.Add(passage);
                await db.SaveChangesAsync();
            }
            return 0;
        });

        var sheet = await ExportFiles.BothAsync(await App.ApiClientAsync(lead), projectId, Passages);
        Assert.Equal([$"First {tag}", $"First {tag}", $"First {tag}", $"Third {tag}", $"Third {tag}"], sheet.Column("Passage"));
        Assert.Equal(["Apple", "Middle", "Zeal", "Apple", "Zeal"], sheet.Column("Theme"));
        Assert.DoesNotContain($"Second {tag}", sheet.AllText, StringComparison.Ordinal);
        Assert.Equal(2, sheet.Column("Passage id").Distinct().Count());
    }

    /// <summary>
    /// Least privilege: contact details, access needs and per-person facets (special-category data) are in one
    /// file only, for leads and for a reporter or analyst a lead named (logged); everyone else gets the plain file
    /// without them. Before, every reporter could download them, and facets were in everyone's file.
    /// </summary>
    [Fact]
    public async Task Storytellers_export_has_every_answer_option_and_personal_details_only_for_leads_and_members_they_name()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var callOut = await App.PublishCallOutAsync(projectId, lead);
        var question = callOut.Questions.OrderBy(q => q.Position).First();
        var options = question.Options.OrderBy(o => o.Position).ToList();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var keptId = await App.CreateStorytellerAsync(projectId, lead, $"Kim Kept{tag}", quotes: true, optionIds: [options[0].Id], email: $"kim{tag}@example.org");
        var leftOutId = await App.CreateStorytellerAsync(projectId, lead, $"Lou Leftout{tag}", analysis: false, email: $"lou{tag}@example.org");
        const string formula = "=HYPERLINK(\"http://evil.example\",\"Click me\")";
        await App.WithDbAsync(async db =>
        {
            (await db.Storytellers.SingleAsync(s => s.Id == keptId)).SelfDescription = formula;
            db.StorytellerFacets.Add(new StorytellerFacet { StorytellerId = keptId, Kind = FacetKind.AgeBand, Value = "25 to 34", AddedAt = DateTime.UtcNow });
            db.StorytellerFacets.Add(new StorytellerFacet { StorytellerId = keptId, Kind = FacetKind.Disability, Value = "Deaf", AddedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });

        // Analysts, viewers and reporters nobody named: no contact details or facets in any file, and no file with them.
        var reporter = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        var reporterClient = await App.ApiClientAsync(reporter);
        foreach (var client in new[] { await MemberAsync(projectId, ProjectRole.Analyst), await MemberAsync(projectId, ProjectRole.Viewer), reporterClient })
        {
            var sheet = await ExportFiles.BothAsync(client, projectId, Storytellers);
            Assert.DoesNotContain("Email", sheet.Headers);
            Assert.DoesNotContain("Age band", sheet.Headers);
            Assert.DoesNotContain($"kim{tag}@example.org", sheet.AllText, StringComparison.Ordinal);
            Assert.DoesNotContain($"Kim Kept{tag}", sheet.AllText, StringComparison.Ordinal);
            Assert.DoesNotContain("Deaf", sheet.AllText, StringComparison.Ordinal);
            foreach (var format in ExportFormats)
                Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(ExportFiles.Url(projectId, WithContact, format))).StatusCode);
        }

        var analystSheet = await ExportFiles.BothAsync(await MemberAsync(projectId, ProjectRole.Analyst), projectId, Storytellers);
        var kept = Assert.Single(analystSheet.Rows);
        Assert.Equal($"{keptId}", kept["Storyteller id"]);
        Assert.Equal("Kim", kept["Storyteller credit"]); // first name only, as chosen for reports
        Assert.Equal("Yes", kept[$"{question.Text}: {options[0].Label}"]);
        Assert.Equal("No", kept[$"{question.Text}: {options[1].Label}"]);
        Assert.Equal("'" + formula, kept["In their own words"]); // neutralised: a spreadsheet shows it as text
        Assert.Equal(2 + 6 + 1, analystSheet.Headers.Count); // id, credit, six options, own words

        // The lead, and the reporter once the lead names them (logged): the personal file has contact details and
        // facets; the person without consent is still absent.
        var leadApi = await App.ApiClientAsync(lead);
        var granted = await leadApi.PutAsJsonAsync($"/api/projects/{projectId}/members/{reporter.Id}/personal-details", new { allow = true });
        Assert.Equal(HttpStatusCode.NoContent, granted.StatusCode);
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == projectId && e.Action == "member.personal-details-granted" && e.ObjectId == reporter.Id && e.ActorUserId == lead.Id)));
        foreach (var client in new[] { reporterClient, leadApi })
        {
            var sheet = await ExportFiles.BothAsync(client, projectId, WithContact);
            var row = Assert.Single(sheet.Rows);
            Assert.Equal(($"Kim Kept{tag}", $"kim{tag}@example.org", "By email"), (row["Name"], row["Email"], row["How to contact"]));
            Assert.Equal(("25 to 34", "Deaf"), (row["Age band"], row["Disability"]));
            Assert.DoesNotContain($"lou{tag}@example.org", sheet.AllText, StringComparison.Ordinal);
            Assert.DoesNotContain($"{leftOutId}", sheet.Column("Storyteller id"));
        }
        // A reporter cannot name themselves or others; a viewer cannot be named; the lead can stop it.
        Assert.Equal(HttpStatusCode.Forbidden, (await reporterClient.PutAsJsonAsync($"/api/projects/{projectId}/members/{reporter.Id}/personal-details", new { allow = true })).StatusCode);
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, viewer, ProjectRole.Viewer);
        var refused = await leadApi.PutAsJsonAsync($"/api/projects/{projectId}/members/{viewer.Id}/personal-details", new { allow = true });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("Only Community Reporters and analysts can be given access", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await leadApi.PutAsJsonAsync($"/api/projects/{projectId}/members/{reporter.Id}/personal-details", new { allow = false })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reporterClient.GetAsync(ExportFiles.Url(projectId, WithContact, "csv"))).StatusCode);

        // The formula stays text in XLSX (an inline string, never a formula cell) and raw in the CSV bytes it is quoted text.
        var (xlsx, cells, worksheet, _) = ExportFiles.ReadXlsx(await ExportFiles.DownloadAsync(await App.ApiClientAsync(lead), projectId, Storytellers, "xlsx"));
        var words = cells[1][xlsx.Headers.ToList().IndexOf("In their own words")];
        Assert.Equal(CellValues.InlineString, words.DataType!.Value);
        Assert.Empty(worksheet.Descendants<CellFormula>());
        var raw = Encoding.UTF8.GetString(await ExportFiles.DownloadAsync(await App.ApiClientAsync(lead), projectId, Storytellers, "csv"));
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click me\"\")\"", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(",=HYPERLINK", raw, StringComparison.Ordinal);
        Assert.Contains("\r\n", raw, StringComparison.Ordinal);
    }

    private static readonly string[] ExportFormats = ["csv", "xlsx"];

    [Fact]
    public async Task Findings_export_shows_the_pages_figures_with_the_small_numbers_guard_and_never_the_hidden_number()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var callOut = await App.PublishCallOutAsync(projectId, lead);
        var question = callOut.Questions.OrderBy(q => q.Position).First();
        var option = question.Options.OrderBy(o => o.Position).First();
        for (var i = 0; i < 2; i++) await App.CreateStorytellerAsync(projectId, lead, $"Fay Finding{i}", optionIds: [option.Id]);
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/projects/{projectId}/findings/small-numbers", new { threshold = 5 })).StatusCode);

        var sheet = await ExportFiles.BothAsync(api, projectId, Findings);
        Assert.Equal(["Table", "Row", "Column", "Figure", "Per cent"], sheet.Headers);
        IReadOnlyDictionary<string, string> Find(ExportSheet s, string table, string row) => Assert.Single(s.Rows, r => r["Table"] == table && r["Row"] == row);
        var answer = Find(sheet, question.Text, option.Label);
        Assert.Equal(("fewer than 5", ""), (answer["Figure"], answer["Per cent"]));
        Assert.Equal("fewer than 5", Find(sheet, "Who told the stories", "Storytellers")["Figure"]);
        Assert.Contains("shown as \"fewer than 5\"", Find(sheet, "About these figures", "Small numbers")["Figure"], StringComparison.Ordinal);
        Assert.DoesNotContain(sheet.Rows, r => r["Table"] == question.Text && r["Figure"] == "2");
        using (var json = JsonDocument.Parse(await api.GetStringAsync($"/api/projects/{projectId}/findings")))
            Assert.Equal(json.RootElement.GetProperty("whoTold").GetProperty("storytellers").GetProperty("display").GetString(), Find(sheet, "Who told the stories", "Storytellers")["Figure"]);

        // With the guard off the real figures appear, as numbers in XLSX.
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/projects/{projectId}/findings/small-numbers", new { threshold = 0 })).StatusCode);
        var open = await ExportFiles.BothAsync(api, projectId, Findings);
        Assert.Equal(("2", "100"), (Find(open, question.Text, option.Label)["Figure"], Find(open, question.Text, option.Label)["Per cent"]));
        var (xlsx, cells, _, _) = ExportFiles.ReadXlsx(await ExportFiles.DownloadAsync(api, projectId, Findings, "xlsx"));
        var index = xlsx.Rows.ToList().FindIndex(r => r["Table"] == question.Text && r["Row"] == option.Label);
        Assert.Null(cells[index + 1][3].DataType);
        Assert.Equal("2", cells[index + 1][3].CellValue!.Text);
    }

    [Fact]
    public async Task Redaction_rules_apply_to_exported_words_even_for_a_storyteller_credited_by_name()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var themeId = await App.CreateThemeAsync(projectId, "Support");
        var tellerId = await App.CreateStorytellerAsync(projectId, lead, "Sarah Smith", quotes: true, credit: CreditStyle.Named);
        await PassageAsync(App, projectId, tellerId, $"I told Sarah and my nurse Bernadette everything {tag}", [themeId]);
        await App.WithDbAsync(async db =>
        {
            (await db.Storytellers.SingleAsync(s => s.Id == tellerId)).SelfDescription = "Bernadette helped me a lot";
            return await db.SaveChangesAsync();
        });
        foreach (var (term, replacement) in new[] { ("Bernadette", "[nurse]"), ("Sarah", "[name]") })
        {
            var added = await api.PostAsJsonAsync($"/api/projects/{projectId}/redaction/rules", new { term, replacement });
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        }

        var passages = await ExportFiles.BothAsync(api, projectId, Passages);
        Assert.Equal($"I told [name] and my nurse [nurse] everything {tag}", Assert.Single(passages.Rows)["Passage"]);
        Assert.Equal("Sarah Smith", passages.Rows[0]["Storyteller credit"]); // the credit they chose stays, as in reports
        var storytellers = await ExportFiles.BothAsync(api, projectId, Storytellers);
        Assert.Equal("[nurse] helped me a lot", Assert.Single(storytellers.Rows)["In their own words"]);
        var xlsx = ExportFiles.ReadXlsx(await ExportFiles.DownloadAsync(api, projectId, Passages, "xlsx")).Sheet;
        Assert.Equal($"I told [name] and my nurse [nurse] everything {tag}", Assert.Single(xlsx.Rows)["Passage"]);
    }

    /// <summary>
    /// The XLSX is written part by part (issue #17, not through a document tree): Excel refuses a workbook the SDK's
    /// validator finds errors in, and the file made on the way (in the project's job scratch folder) must be gone
    /// once it has been sent.
    /// </summary>
    [Fact]
    public async Task An_xlsx_export_is_a_valid_workbook_and_leaves_no_file_behind()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var themeId = await App.CreateThemeAsync(projectId, "Housing");
        var tellerId = await App.CreateStorytellerAsync(projectId, lead, "Val Valid", quotes: true, credit: CreditStyle.Named);
        for (var i = 0; i < 30; i++) await PassageAsync(App, projectId, tellerId, $"Line {i} with \u0001 a control character & <markup> =1+1", [themeId]);

        var bytes = await ExportFiles.DownloadAsync(api, projectId, Passages, "xlsx");
        using (var document = DocumentFormat.OpenXml.Packaging.SpreadsheetDocument.Open(new MemoryStream(bytes), false))
            Assert.Empty(new DocumentFormat.OpenXml.Validation.OpenXmlValidator().Validate(document).Select(e => $"{e.Path?.XPath}: {e.Description}"));
        var sheet = ExportFiles.ReadXlsx(bytes).Sheet;
        Assert.Equal(30, sheet.Rows.Count);
        Assert.Contains(sheet.Rows, r => r["Passage"] == "Line 7 with  a control character & <markup> =1+1");
        await ExportFiles.DownloadAsync(api, projectId, Passages, "csv");

        // The file is erased when the response ends, just after the last byte reaches the client.
        var scratch = Path.Combine(App.ScratchRoot, $"project-{projectId}");
        for (var i = 0; i < 100 && Directory.Exists(scratch) && Directory.EnumerateFileSystemEntries(scratch).Any(); i++) await Task.Delay(50);
        Assert.False(Directory.Exists(scratch) && Directory.EnumerateFileSystemEntries(scratch).Any(), "The export's scratch folder is erased after the download.");
    }

    [Fact]
    public async Task The_exports_page_links_every_file_and_the_contact_file_only_for_leads()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var leadPage = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/exports");
        foreach (var slug in new[] { Passages, Storytellers, WithContact, Findings })
            foreach (var format in ExportFormats)
                Assert.Contains($"href=\"{ExportFiles.Url(projectId, slug, format)}\"", leadPage, StringComparison.Ordinal);
        Assert.Contains($"href=\"/projects/{projectId}/exports\" aria-current=\"page\"", leadPage, StringComparison.Ordinal);

        var analyst = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, analyst, ProjectRole.Analyst);
        var analystPage = await (await App.SignInAsync(analyst)).GetStringAsync($"/projects/{projectId}/exports");
        Assert.Contains(ExportFiles.Url(projectId, Storytellers, "csv"), analystPage, StringComparison.Ordinal);
        Assert.DoesNotContain(WithContact, analystPage, StringComparison.Ordinal);
        var reporter = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        Assert.DoesNotContain(WithContact, await (await App.SignInAsync(reporter)).GetStringAsync($"/projects/{projectId}/exports"), StringComparison.Ordinal);

        var outsider = await App.ApiClientAsync(await App.CreateUserAsync());
        foreach (var slug in new[] { Passages, Storytellers, WithContact, Findings })
            Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetAsync(ExportFiles.Url(projectId, slug, "csv"))).StatusCode);
    }
}
