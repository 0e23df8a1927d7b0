using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;

namespace Storyweave.Tests.Exports;

/// <summary>
/// Issue 14 point 2: the whole project as a REFI-QDA project (.qdpx) — valid against the standard's schema, coded spans
/// that read back from the written text exactly, the same people and passages as the coded-passages export (consent,
/// embargo, group turns, redaction), what was left out said in the file, and the same access rule as that export.
/// </summary>
public sealed class QdpxExportTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static readonly XNamespace Q = "urn:QDA-XML:project:1.0";

    private static string SchemaPath => Path.Combine(AppContext.BaseDirectory, "Codebook", "RefiQda", "Project-mrt2019.xsd");

    private static string Url(int projectId) => $"/api/projects/{projectId}/exports/project.qdpx";

    /// <summary>The file as a QDA program reads it: project.qde and each source's text by its internal:// path.</summary>
    private sealed record Qdpx(XDocument Project, IReadOnlyDictionary<string, string> Entries)
    {
        public string Source(XElement textSource) =>
            Entries["sources/" + ((string)textSource.Attribute("plainTextPath")!)["internal://".Length..]];

        public string AllText => string.Join("\n", Entries.Values);
    }

    private static async Task<Qdpx> DownloadAsync(HttpClient client, int projectId)
    {
        var response = await client.GetAsync(Url(projectId));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { NoStore: true, Private: true }, "Exports are never cached.");
        Assert.Equal($"project-{projectId}-{DateTime.UtcNow:yyyy-MM-dd}.qdpx", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            using var reader = new StreamReader(entry.Open(), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
            entries[entry.FullName] = await reader.ReadToEndAsync();
        }
        Assert.All(entries.Keys.Where(k => k.StartsWith("sources/", StringComparison.Ordinal)), k => Assert.DoesNotContain('\uFEFF', entries[k]));
        return new Qdpx(XDocument.Parse(entries["project.qde"]), entries);
    }

    private static void AssertValid(XDocument project)
    {
        var schemas = new XmlSchemaSet();
        using (var reader = XmlReader.Create(SchemaPath)) schemas.Add(Q.NamespaceName, reader);
        var problems = new List<string>();
        project.Validate(schemas, (_, e) => problems.Add(e.Message));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Characters (code points) from start to end, as a QDA program counts REFI-QDA positions.</summary>
    private static string Span(string text, int start, int end) => string.Concat(text.EnumerateRunes().Skip(start).Take(end - start).Select(r => r.ToString()));

    private static async Task<int> ThemeAsync(HttpClient api, int projectId, string name, string color, string description, int? parentId = null)
    {
        var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes", new { name, description, color, parentId });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["themeIds"]![0]!;
    }

    [Fact]
    public async Task Project_file_is_valid_REFI_QDA_with_spans_that_read_back_exactly_and_only_what_the_passages_export_allows()
    {
        var lead = await App.CreateUserAsync(name: "Lena Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var callOut = await App.PublishCallOutAsync(projectId, lead);
        var question = callOut.Questions.OrderBy(q => q.Position).First();
        var options = question.Options.OrderBy(o => o.Position).ToList();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var parentId = await ThemeAsync(api, projectId, "Housing", "#1f5c4a", "Where people lived and how");
        var childId = await ThemeAsync(api, projectId, "Damp flats", "#aa3300", "", parentId);

        var keptId = await App.CreateStorytellerAsync(projectId, lead, $"Kay Kept{tag}", quotes: true, credit: CreditStyle.Named, optionIds: [options[1].Id]);
        var refusedId = await App.CreateStorytellerAsync(projectId, lead, $"Ray Refused{tag}", analysis: false, optionIds: [options[0].Id]);
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
        // A character outside the Basic Multilingual Plane (two UTF-16 units, one character) before coded words.
        var keptPassage = await ExportTests.PassageAsync(App, projectId, keptId, $"My nurse Bernadette \U0001F60A found me a flat {tag}", [parentId, childId], lead.Id);
        await App.WithDbAsync(async db => // a control character pasted into a title, which XML 1.0 cannot hold
        {
            var storyId = await db.Passages.Where(p => p.Id == keptPassage).Select(p => p.StoryId).SingleAsync();
            (await db.Stories.SingleAsync(s => s.Id == storyId)).Title = $"Kay\u0002s flat {tag}";
            return await db.SaveChangesAsync();
        });
        await ExportTests.PassageAsync(App, projectId, refusedId, $"Words kept out {tag}", [parentId], lead.Id);
        await ExportTests.PassageAsync(App, projectId, embargoedId, $"Words held back {tag}", [parentId], lead.Id);

        // A group story: Rob's turn comes first and must vanish, so the later spans move; the redaction changes lengths too.
        var (groupId, groupPeople) = await App.CreateCodingStoryAsync(projectId, lead, [new TestApp.Teller($"Ada Agrees{tag}"), new TestApp.Teller($"Rob Refuses{tag}", Analysis: false)],
        [
            new TranscriptService.CueInput(0, 3, $"Rob Refuses{tag}", $"Rob words about Bernadette {tag}"),
            new TranscriptService.CueInput(3, 6, $"Ada Agrees{tag}", $"Ada saw Bernadette \U0001F60A at the clinic {tag}"),
            new TranscriptService.CueInput(6, 9, "Reporter", $"What happened next {tag}?"),
        ]);
        var groupPassages = await App.WithDbAsync(async db =>
        {
            var cues = await db.TranscriptCues.Where(c => c.StoryId == groupId).OrderBy(c => c.Position).ToListAsync();
            var offset = 0;
            var made = new List<CodedPassage>();
            foreach (var cue in cues)
            {
                var passage = new CodedPassage
                {
                    ProjectId = projectId,
                    StoryId = groupId,
                    StartOffset = offset,
                    EndOffset = offset + cue.Text.Length,
                    Snippet = cue.Text,
                    StartSeconds = cue.StartSeconds,
                    EndSeconds = cue.EndSeconds,
                    Speaker = cue.Speaker,
                    CoderUserId = lead.Id,
                    CreatedAt = DateTime.UtcNow,
                };
                passage.Themes.Add(new PassageTheme { ThemeId = childId, CoderUserId = lead.Id, CodedAt = DateTime.UtcNow });
                db.Passages.Add(passage);
                made.Add(passage);
                offset += cue.Text.Length + 1;
            }
            await db.SaveChangesAsync();
            return made.Select(p => p.Id).ToList();
        });
        async Task MemoAsync(int passageId, string text)
        {
            var added = await api.PostAsJsonAsync($"/api/projects/{projectId}/memos?targetType=passage&targetId={passageId}", new { text });
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        }
        await MemoAsync(keptPassage, $"Bernadette came up again {tag}");
        await App.WithDbAsync(async db => // straight in: coding would not offer Rob's turn to write on
        {
            db.Memos.Add(new Memo { ProjectId = projectId, TargetType = MemoTarget.Passage, TargetId = groupPassages[0], Text = $"Memo on Rob's turn {tag}", AuthorUserId = lead.Id, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        var rule = await api.PostAsJsonAsync($"/api/projects/{projectId}/redaction/rules", new { term = "Bernadette", replacement = "[nurse]" });
        Assert.True(rule.IsSuccessStatusCode, await rule.Content.ReadAsStringAsync());

        var analyst = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, analyst, ProjectRole.Analyst);
        var analystApi = await App.ApiClientAsync(analyst);
        var file = await DownloadAsync(analystApi, projectId);
        AssertValid(file.Project);
        var root = file.Project.Root!;

        // Two sources (the kept story and the group story), each a .txt in sources/.
        var sources = root.Element(Q + "Sources")!.Elements(Q + "TextSource").ToList();
        Assert.Equal(2, sources.Count);
        Assert.Contains(sources, s => (string)s.Attribute("name")! == $"Kays flat {tag}");
        Assert.Equal(3, file.Entries.Count); // project.qde + two texts
        Assert.Equal($"Ada saw [nurse] \U0001F60A at the clinic {tag}\nWhat happened next {tag}?",
            file.Source(Assert.Single(sources, s => file.Source(s).Contains("Ada saw", StringComparison.Ordinal))));

        // Every coded span read back from its text at its positions is exactly a passage of the coded-passages export.
        var spans = sources.SelectMany(s => s.Elements(Q + "PlainTextSelection").Select(sel =>
            Span(file.Source(s), (int)sel.Attribute("startPosition")!, (int)sel.Attribute("endPosition")!))).Order(StringComparer.Ordinal).ToList();
        var csv = await ExportFiles.BothAsync(analystApi, projectId, "coded-passages");
        Assert.Equal(csv.Column("Passage").Distinct().Order(StringComparer.Ordinal), spans);
        Assert.Equal(
            new[] { $"Ada saw [nurse] \U0001F60A at the clinic {tag}", $"My nurse [nurse] \U0001F60A found me a flat {tag}", $"What happened next {tag}?" }.Order(StringComparer.Ordinal),
            spans);

        // Codes: the codebook export's GUIDs, tree and colours; every coding points at one of them.
        var qdc = XDocument.Parse(await api.GetStringAsync($"/api/projects/{projectId}/codebook/export.qdc"));
        var codes = root.Element(Q + "CodeBook")!.Descendants(Q + "Code").ToList();
        Assert.Equal(qdc.Root!.Descendants().Where(e => e.Name.LocalName == "Code").Select(c => (string)c.Attribute("guid")!), codes.Select(c => (string)c.Attribute("guid")!));
        var housing = Assert.Single(codes, c => (string)c.Attribute("name")! == "Housing");
        Assert.Equal(("#1F5C4A", "Where people lived and how", "Damp flats"),
            ((string)housing.Attribute("color")!, (string)housing.Element(Q + "Description")!, (string)housing.Element(Q + "Code")!.Attribute("name")!));
        var codeRefs = root.Descendants(Q + "Coding").Select(c => (string)c.Element(Q + "CodeRef")!.Attribute("targetGUID")!).ToList();
        Assert.Equal(4, codeRefs.Count); // kept: two themes; group: Ada and reporter
        Assert.All(codeRefs, g => Assert.Contains(g, codes.Select(c => (string)c.Attribute("guid")!)));

        // The memo is a note, redacted, linked from its passage; the memo on Rob's hidden turn is not there.
        var note = Assert.Single(root.Element(Q + "Notes")!.Elements(Q + "Note"));
        Assert.Equal($"[nurse] came up again {tag}", (string)note.Element(Q + "PlainTextContent")!);
        var linked = Assert.Single(root.Descendants(Q + "PlainTextSelection"), s => s.Elements(Q + "NoteRef").Any());
        Assert.Equal((string)note.Attribute("guid")!, (string)linked.Element(Q + "NoteRef")!.Attribute("targetGUID")!);

        // Users: the coder, by name only. Cases: the storytellers who may leave, with their answers as variables.
        Assert.Equal(["Lena Lead"], root.Element(Q + "Users")!.Elements(Q + "User").Select(u => (string)u.Attribute("name")!));
        var cases = root.Element(Q + "Cases")!.Elements(Q + "Case").ToList();
        Assert.Equal(2, cases.Count);
        var kay = Assert.Single(cases, c => (string)c.Attribute("name")! == $"Kay Kept{tag} (storyteller {keptId})");
        var variables = root.Element(Q + "Variables")!.Elements(Q + "Variable").ToDictionary(v => (string)v.Attribute("name")!, v => (string)v.Attribute("guid")!);
        bool Ticked(XElement person, string option) => (bool)person.Elements(Q + "VariableValue")
            .Single(v => (string)v.Element(Q + "VariableRef")!.Attribute("targetGUID")! == variables[$"{question.Text}: {option}"]).Element(Q + "BooleanValue")!;
        Assert.True(Ticked(kay, options[1].Label));
        Assert.False(Ticked(kay, options[0].Label));
        Assert.Single(kay.Elements(Q + "SourceRef"));
        Assert.Single(cases, c => (string)c.Attribute("name")! == $"Storyteller {groupPeople[0]}"); // Ada: no quotes consent, so no name

        // Nothing of the people who did not agree or are under embargo, and no redacted word anywhere.
        foreach (var absent in new[] { "Words kept out", "Words held back", "Rob words", "Memo on Rob", $"Ray Refused{tag}", $"Emma Embargoed{tag}", $"Rob Refuses{tag}", "Bernadette", $"{refusedId})", $"{embargoedId})" })
            Assert.DoesNotContain(absent, file.AllText, StringComparison.Ordinal);
        var description = (string)root.Element(Q + "Description")!;
        Assert.Contains("2 stories are not included: no analysis consent, an embargo in force, or withdrawn.", description, StringComparison.Ordinal);
        Assert.Contains("3 storytellers are not included as cases", description, StringComparison.Ordinal);
        Assert.Contains("In 1 group story, the turns of people who have not agreed are left out.", description, StringComparison.Ordinal);

        // Stable GUIDs: a second download names everything the same way.
        var again = await DownloadAsync(analystApi, projectId);
        static IEnumerable<string> Guids(XDocument d) => d.Descendants().Select(e => (string?)e.Attribute("guid")).OfType<string>();
        Assert.Equal(Guids(file.Project), Guids(again.Project));

        // Logged like the other exports.
        var (events, access) = await App.WithDbAsync(async db => (
            await db.Events.CountAsync(e => e.ProjectId == projectId && e.Action == "export.downloaded" && e.ObjectId == "project.qdpx" && e.ActorUserId == analyst.Id),
            await db.AccessLog.CountAsync(a => a.ProjectId == projectId && a.Action == "exported" && a.TargetId == "project.qdpx")));
        Assert.Equal((2, 2), (events, access));
    }

    [Fact]
    public async Task Project_file_is_refused_to_anonymous_visitors_and_people_outside_the_project_and_linked_on_the_exports_page()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.AnonymousClient().GetAsync(Url(projectId))).StatusCode);
        var outsider = await App.ApiClientAsync(await App.CreateUserAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetAsync(Url(projectId))).StatusCode);
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, viewer, ProjectRole.Viewer);
        var empty = await DownloadAsync(await App.ApiClientAsync(viewer), projectId); // as for the coded-passages file, any member
        AssertValid(empty.Project);
        Assert.Null(empty.Project.Root!.Element(Q + "Sources"));
        Assert.False(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == projectId && e.ObjectId == "project.qdpx" && e.ActorUserId != viewer.Id)));

        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/exports");
        Assert.Contains($"href=\"{Url(projectId)}\"", page, StringComparison.Ordinal);
    }
}
