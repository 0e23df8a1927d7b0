using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Interop;
using Storyweave.Features.Projects;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Interop;

/// <summary>
/// Issue 14 point 3: a whole REFI-QDA project (.qdpx) brought in — the ATLAS.ti samples, a Storyweave export (round trip),
/// files shaped like MAXQDA's and NVivo's; bad files named and nothing changed; no double import; imported people have
/// no consent and stay out of outputs until it is recorded; leads only.
/// </summary>
public sealed class QdpxImportTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Codebook", "RefiQda", name);

    private static string Url(int projectId, bool preview, string name = "project.qdpx") =>
        $"/api/projects/{projectId}/imports/project.qdpx?name={Uri.EscapeDataString(name)}{(preview ? "&preview=true" : "")}";

    private static byte[] Zip(params (string Name, string Content)[] entries) => ZipBytes(entries.Select(e => (e.Name, Encoding.UTF8.GetBytes(e.Content))).ToArray());

    private static byte[] ZipBytes(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(content);
            }
        }
        return buffer.ToArray();
    }

    private static async Task<JsonObject> PostAsync(HttpClient api, int projectId, byte[] file, bool preview, HttpStatusCode expected = HttpStatusCode.OK, string name = "project.qdpx")
    {
        var response = await api.PostAsync(Url(projectId, preview, name), new ByteArrayContent(file));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static List<string> Errors(JsonObject problem) => problem["errors"]!.AsArray().Select(e => (string)e!["message"]!).ToList();

    private async Task<(TestApp.TestUser Lead, HttpClient Api, int ProjectId)> ProjectAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        return (lead, await App.ApiClientAsync(lead), projectId);
    }

    /// <summary>What a project holds, to show a refused file changed nothing.</summary>
    private Task<(int Themes, int Stories, int Tellers, int Passages, int Memos, int Questions, int Changes)> CountsAsync(int projectId) => App.WithDbAsync(async db => (
        await db.Themes.CountAsync(t => t.ProjectId == projectId),
        await db.Stories.CountAsync(s => s.ProjectId == projectId),
        await db.Storytellers.CountAsync(s => s.ProjectId == projectId),
        await db.Passages.CountAsync(p => p.ProjectId == projectId),
        await db.Memos.CountAsync(m => m.ProjectId == projectId),
        await db.CategoryQuestions.CountAsync(q => q.ProjectId == projectId),
        await db.CodebookChanges.CountAsync(c => c.ProjectId == projectId)));

    private Task<string> TranscriptAsync(int storyId) => App.WithDbAsync(async db =>
        string.Join("\n", await db.TranscriptCues.Where(c => c.StoryId == storyId).OrderBy(c => c.Position).Select(c => c.Text).ToListAsync()));

    /// <summary>Each coded passage of the project as (the words its offsets cover in the transcript, theme path).</summary>
    private async Task<List<(string Title, string Words, string Theme)>> CodedSpansAsync(int projectId)
    {
        var rows = await App.WithDbAsync(async db => await db.PassageThemes.Where(t => t.Passage!.ProjectId == projectId)
            .Select(t => new { t.Passage!.StoryId, t.Passage.StartOffset, t.Passage.EndOffset, t.Passage.Snippet, t.ThemeId }).ToListAsync());
        var themes = await App.WithDbAsync(async db => await db.Themes.Where(t => t.ProjectId == projectId).ToDictionaryAsync(t => t.Id));
        string PathOf(int id) => themes[id].ParentId is { } parent ? $"{PathOf(parent)} > {themes[id].Name}" : themes[id].Name;
        var titles = await App.WithDbAsync(async db => await db.Stories.Where(s => s.ProjectId == projectId).ToDictionaryAsync(s => s.Id, s => s.Title));
        var result = new List<(string, string, string)>();
        foreach (var r in rows)
        {
            var text = await TranscriptAsync(r.StoryId);
            var words = text[r.StartOffset..r.EndOffset];
            Assert.Equal(words, r.Snippet);
            result.Add((titles[r.StoryId], words, PathOf(r.ThemeId)));
        }
        return result.OrderBy(x => x.Item1, StringComparer.Ordinal).ThenBy(x => x.Item2, StringComparer.Ordinal).ThenBy(x => x.Item3, StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task The_two_ATLAS_ti_samples_import()
    {
        var (_, api, projectId) = await ProjectAsync();
        var target = await File.ReadAllBytesAsync(Fixture("target-atlas-project.qdpx"));
        var preview = await PostAsync(api, projectId, target, preview: true);
        Assert.Equal(3, (int)preview["codesNew"]!);
        Assert.Equal(0, (int)preview["stories"]!);
        Assert.StartsWith("ATLAS.ti", (string)preview["origin"]!, StringComparison.Ordinal);
        Assert.Equal(0, (await CountsAsync(projectId)).Themes); // a preview changes nothing

        var done = await PostAsync(api, projectId, target, preview: false);
        Assert.True((bool)done["imported"]!);
        var themes = await App.WithDbAsync(async db => await db.Themes.Where(t => t.ProjectId == projectId).ToListAsync());
        var commits = Assert.Single(themes, t => t.ParentId is null);
        Assert.Equal("Commits", commits.Name);
        Assert.Equal(["2022-02-11T10:39:25Z cdbfd92", "2022-05-10T02:05:59Z 19e4dce"], themes.Where(t => t.ParentId == commits.Id).Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal(1, await App.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == projectId && e.Action == "project.qdpx-imported")));

        // The blank project reads (users only), and importing it says there is nothing to bring in.
        var blank = await File.ReadAllBytesAsync(Fixture("blank-atlas-project.qdpx"));
        var blankPreview = await PostAsync(api, projectId, blank, preview: true);
        Assert.Equal(0, (int)blankPreview["codesNew"]! + (int)blankPreview["stories"]! + (int)blankPreview["storytellers"]!);
        var refused = await PostAsync(api, projectId, blank, preview: false, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("nothing to import", Assert.Single(Errors(refused)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_project_Storyweave_exported_comes_back_with_the_same_texts_codes_and_coded_spans()
    {
        var (lead, api, from) = await ProjectAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        async Task<int> ThemeAsync(string name, int? parentId)
        {
            var response = await api.PostAsJsonAsync($"/api/projects/{from}/codebook/themes", new { name, description = $"About {name}", color = "#aa3300", parentId });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["themeIds"]![0]!;
        }
        var place = await ThemeAsync("Place", null);
        var sea = await ThemeAsync("The sea", place);
        var care = await ThemeAsync("Care", null);
        var ada = $"Ada {tag}";
        var (storyId, _) = await App.CreateCodingStoryAsync(from, lead, [new TestApp.Teller(ada)],
        [
            new TranscriptService.CueInput(0, 4, ada, $"I grew up by the sea \U0001F60A in a small town {tag}"),
            new TranscriptService.CueInput(4, 6, "Reporter", "What was it like?"),
            new TranscriptService.CueInput(6, 9, ada, $"Cold, and the nurses were kind {tag}"),
        ]);
        var text = await TranscriptAsync(storyId);
        await App.WithDbAsync(async db =>
        {
            void Code(string words, string upTo, params int[] themeIds)
            {
                var start = text.IndexOf(words, StringComparison.Ordinal);
                var end = text.IndexOf(upTo, StringComparison.Ordinal) + upTo.Length;
                db.Passages.Add(new CodedPassage
                {
                    ProjectId = from,
                    StoryId = storyId,
                    StartOffset = start,
                    EndOffset = end,
                    Snippet = text[start..end],
                    Speaker = ada,
                    CreatedAt = DateTime.UtcNow,
                    Themes = themeIds.Select(id => new PassageTheme { ThemeId = id, CodedAt = DateTime.UtcNow }).ToList(),
                });
            }
            Code("the sea \U0001F60A", "small town", sea);
            Code("small town", "nurses were kind", place, care); // across the reporter's line
            return await db.SaveChangesAsync();
        });

        var exported = await api.GetByteArrayAsync($"/api/projects/{from}/exports/project.qdpx");
        var to = await App.CreateProjectAsync(lead);
        var done = await PostAsync(api, to, exported, preview: false, name: "export.qdpx");
        Assert.Equal(1, (int)done["stories"]!);
        Assert.Equal(2, (int)done["codedPassages"]!);
        Assert.Equal(1, (int)done["storytellers"]!);
        Assert.Equal(0, (int)done["storytellersNamedAfterSource"]!);

        var newStory = (int)done["storiesMade"]![0]!["id"]!;
        Assert.Equal(text, await TranscriptAsync(newStory));
        var themes = await App.WithDbAsync(async db => await db.Themes.Where(t => t.ProjectId == to).Include(t => t.Parent).ToListAsync());
        Assert.Equal(["Care", "Place", "Place > The sea"], themes.Select(t => t.Parent is null ? t.Name : $"{t.Parent.Name} > {t.Name}").Order(StringComparer.Ordinal));
        Assert.Equal("About The sea", themes.Single(t => t.Name == "The sea").Description);
        Assert.Equal("#aa3300", themes.Single(t => t.Name == "The sea").Color);

        var before = (await CodedSpansAsync(from)).Select(x => (x.Words, x.Theme)).ToList();
        var after = (await CodedSpansAsync(to)).Select(x => (x.Words, x.Theme)).ToList();
        Assert.Equal(before, after);
        // The case is the storyteller, linked to the story.
        var teller = await App.WithDbAsync(async db => await db.StoryStorytellers.Where(x => x.StoryId == newStory).Select(x => x.Storyteller!).SingleAsync());
        Assert.Equal(EntryMethod.ImportedFromQdaProject, teller.EntryMethod);
    }

    private const string MaxqdaQde = """
        <?xml version="1.0" encoding="utf-8"?>
        <Project name="Housing study" origin="MAXQDA 2022 (Release 22.0.1)" creatingUserGUID="6A3B1D0E-7C1F-4E5A-9D1B-2F3C4D5E6F70" creationDateTime="2024-03-01T10:00:00Z" xmlns="urn:QDA-XML:project:1.0">
          <Users><User guid="6A3B1D0E-7C1F-4E5A-9D1B-2F3C4D5E6F70" name="MAXQDA user"/></Users>
          <CodeBook><Codes>
            <Code guid="0B1E2D3C-4A5B-4C6D-8E7F-901234567890" name="Housing" isCodable="true" color="#FF0000">
              <Description>Where people lived</Description>
              <Code guid="1B1E2D3C-4A5B-4C6D-8E7F-901234567890" name="Damp" isCodable="true" color="#00FF00"/>
              <Code guid="2B1E2D3C-4A5B-4C6D-8E7F-901234567890" name="Rent" isCodable="true" color="#0000FF"/>
            </Code>
            <Code guid="3B1E2D3C-4A5B-4C6D-8E7F-901234567890" name="Support" isCodable="true" color="#FFAA00"/>
          </Codes></CodeBook>
          <Variables>
            <Variable guid="4B1E2D3C-4A5B-4C6D-8E7F-901234567890" name="Age group" typeOfVariable="Text"/>
            <Variable guid="5B1E2D3C-4A5B-4C6D-8E7F-901234567890" name="Renting" typeOfVariable="Boolean"/>
          </Variables>
          <Sources>
            <TextSource guid="6B1E2D3C-4A5B-4C6D-8E7F-901234567890" name="Interview 01" plainTextPath="internal://6B1E2D3C-4A5B-4C6D-8E7F-901234567890.txt" creationDateTime="2024-03-01T10:00:00Z">
              <PlainTextSelection guid="7B1E2D3C-4A5B-4C6D-8E7F-901234567890" name="damp walls" startPosition="START1" endPosition="END1">
                <Coding guid="8B1E2D3C-4A5B-4C6D-8E7F-901234567890"><CodeRef targetGUID="1B1E2D3C-4A5B-4C6D-8E7F-901234567890"/></Coding>
                <NoteRef targetGUID="9B1E2D3C-4A5B-4C6D-8E7F-901234567890"/>
              </PlainTextSelection>
              <PlainTextSelection guid="AB1E2D3C-4A5B-4C6D-8E7F-901234567890" name="support" startPosition="START2" endPosition="END2">
                <Coding guid="BB1E2D3C-4A5B-4C6D-8E7F-901234567890"><CodeRef targetGUID="3B1E2D3C-4A5B-4C6D-8E7F-901234567890"/></Coding>
                <Coding guid="CB1E2D3C-4A5B-4C6D-8E7F-901234567890"><CodeRef targetGUID="2B1E2D3C-4A5B-4C6D-8E7F-901234567890"/></Coding>
              </PlainTextSelection>
              <VariableValue><VariableRef targetGUID="4B1E2D3C-4A5B-4C6D-8E7F-901234567890"/><TextValue>25-34</TextValue></VariableValue>
              <VariableValue><VariableRef targetGUID="5B1E2D3C-4A5B-4C6D-8E7F-901234567890"/><BooleanValue>true</BooleanValue></VariableValue>
            </TextSource>
            <AudioSource guid="DB1E2D3C-4A5B-4C6D-8E7F-901234567890" name="Interview 01 audio" path="internal://DB1E2D3C-4A5B-4C6D-8E7F-901234567890.mp3"/>
            <AudioSource guid="EB1E2D3C-4A5B-4C6D-8E7F-901234567890" name="Interview 02 audio" path="internal://EB1E2D3C-4A5B-4C6D-8E7F-901234567890.mp3"/>
          </Sources>
          <Notes>
            <Note guid="9B1E2D3C-4A5B-4C6D-8E7F-901234567890" name="Memo 1"><PlainTextContent>Mould mentioned twice</PlainTextContent></Note>
          </Notes>
        </Project>
        """;

    /// <summary>Windows line ends and a character outside the BMP before the coded words: positions count characters.</summary>
    private const string MaxqdaText = "Q: Tell me about the flat.\r\n\r\nA: The walls were damp \U0001F61E all winter.\r\nA: My sister helped with the rent.";

    private static int Characters(string s) => s.EnumerateRunes().Count();

    /// <summary>
    /// Shaped like MAXQDA's export (REFI-QDA 1.0 as MAXQDA 2020–2024 writes it): upper-case GUIDs, colours on every code,
    /// lower-case <c>sources/</c>, document variables on the <c>TextSource</c> rather than cases, audio kept as sources.
    /// </summary>
    [Fact]
    public async Task A_MAXQDA_shaped_project_imports_codes_text_passages_memos_and_document_variables()
    {
        var (_, api, projectId) = await ProjectAsync();
        var damp = "damp \U0001F61E all winter";
        var support = "My sister helped";
        int Start(string words) => Characters(MaxqdaText[..MaxqdaText.IndexOf(words, StringComparison.Ordinal)]);
        var qde = MaxqdaQde.Replace("START1", $"{Start(damp)}").Replace("END1", $"{Start(damp) + Characters(damp)}")
            .Replace("START2", $"{Start(support)}").Replace("END2", $"{Start(support) + Characters(support)}");
        var file = ZipBytes(("project.qde", Encoding.UTF8.GetBytes(qde)),
            ("sources/6B1E2D3C-4A5B-4C6D-8E7F-901234567890.txt", [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(MaxqdaText)]),
            ("sources/DB1E2D3C-4A5B-4C6D-8E7F-901234567890.mp3", new byte[2048]));

        var preview = await PostAsync(api, projectId, file, preview: true, name: "housing.qdpx");
        Assert.Equal(4, (int)preview["codesNew"]!);
        Assert.Equal(2, (int)preview["codedPassages"]!);
        Assert.Equal(1, (int)preview["storytellersNamedAfterSource"]!);
        Assert.Equal(2, (int)preview["questionsNew"]!);
        Assert.Contains("2 audio sources were not imported: Storyweave imports text sources, and audio and video sources that have a transcript.", preview["skipped"]!.AsArray().Select(s => (string)s!));
        Assert.Contains("consent", (string)preview["consent"]!, StringComparison.Ordinal);

        var done = await PostAsync(api, projectId, file, preview: false, name: "housing.qdpx");
        var storyId = (int)done["storiesMade"]![0]!["id"]!;
        Assert.Equal("Q: Tell me about the flat.\nA: The walls were damp \U0001F61E all winter.\nA: My sister helped with the rent.", await TranscriptAsync(storyId));
        Assert.Equal(
            [("Interview 01", support, "Housing > Rent"), ("Interview 01", support, "Support"), ("Interview 01", damp, "Housing > Damp")],
            (await CodedSpansAsync(projectId)).OrderBy(x => x.Theme, StringComparer.Ordinal).OrderBy(x => x.Words == damp).ToList());
        var memo = await App.WithDbAsync(async db => await db.Memos.SingleAsync(m => m.ProjectId == projectId));
        Assert.Equal(("Mould mentioned twice", MemoTarget.Passage), (memo.Text, memo.TargetType));
        var theme = await App.WithDbAsync(async db => await db.Themes.SingleAsync(t => t.ProjectId == projectId && t.Name == "Housing"));
        Assert.Equal(("#ff0000", "Where people lived"), (theme.Color, theme.Description));

        // The source's variables are the answers of the storyteller named after it.
        var teller = await App.WithDbAsync(async db => await db.Storytellers.Include(s => s.Answers).ThenInclude(a => a.Option!).ThenInclude(o => o.Question)
            .SingleAsync(s => s.ProjectId == projectId));
        Assert.Equal("Storyteller of \u201cInterview 01\u201d", teller.Name);
        Assert.Equal(["Age group: 25-34", "Renting: Yes"], teller.Answers.Select(a => $"{a.Option!.Question!.Text}: {a.Option.Label}").Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Shaped like NVivo's export (NVivo 12–14 for Windows): lower-case GUIDs, the folder named <c>Sources/</c>, a
    /// <c>richTextPath</c> beside the plain text, selections with an empty name, cases with variables and
    /// <c>SourceRef</c>s, a PDF source, and a note on the whole project.
    /// </summary>
    internal static byte[] NvivoFile(string tag, int endOfSecond = -1)
    {
        var text1 = $"Interviewer: How did it start?\nMara {tag}: I stopped sleeping after the move.";
        var text2 = $"Interviewer: And now?\nJon {tag}: The group keeps me going.";
        var coded1 = "I stopped sleeping";
        var coded2 = "The group keeps me going";
        var s1 = text1.IndexOf(coded1, StringComparison.Ordinal);
        var s2 = text2.IndexOf(coded2, StringComparison.Ordinal);
        var g = (int n) => $"{n:x8}-5ca1-4f46-abf4-{tag}{n:x6}";
        var qde = $"""
            <?xml version="1.0" encoding="utf-8"?>
            <Project xmlns:xsd="http://www.w3.org/2001/XMLSchema" name="Recovery {tag}" origin="NVivo for Windows 14.23" creatingUserGUID="{g(1)}" creationDateTime="2025-02-21T15:09:07Z" basePath="" xmlns="urn:QDA-XML:project:1.0">
              <Users><User guid="{g(1)}" name="Coder" /></Users>
              <CodeBook><Codes>
                <Code guid="{g(2)}" name="Sleep" isCodable="true"><Code guid="{g(3)}" name="Insomnia" isCodable="true" /></Code>
                <Code guid="{g(4)}" name="Peer support" isCodable="true"><NoteRef targetGUID="{g(20)}" /></Code>
              </Codes></CodeBook>
              <Variables>
                <Variable guid="{g(5)}" name="Gender" typeOfVariable="Text" />
                <Variable guid="{g(6)}" name="Age" typeOfVariable="Integer" />
              </Variables>
              <Cases>
                <Case guid="{g(7)}" name="Mara {tag}">
                  <VariableValue><VariableRef targetGUID="{g(5)}" /><TextValue>Woman</TextValue></VariableValue>
                  <VariableValue><VariableRef targetGUID="{g(6)}" /><IntegerValue>41</IntegerValue></VariableValue>
                  <SourceRef targetGUID="{g(10)}" />
                </Case>
                <Case guid="{g(8)}" name="Jon {tag}">
                  <VariableValue><VariableRef targetGUID="{g(5)}" /><TextValue>Man</TextValue></VariableValue>
                  <SourceRef targetGUID="{g(11)}" />
                </Case>
              </Cases>
              <Sources>
                <TextSource guid="{g(10)}" name="Mara interview" richTextPath="internal://{g(10)}.docx" plainTextPath="internal://{g(10)}.txt" creationDateTime="2025-06-11T16:24:07Z">
                  <PlainTextSelection guid="{g(12)}" name="" startPosition="{s1}" endPosition="{s1 + coded1.Length}">
                    <Coding guid="{g(13)}"><CodeRef targetGUID="{g(3)}" /></Coding>
                  </PlainTextSelection>
                  <NoteRef targetGUID="{g(21)}" />
                </TextSource>
                <TextSource guid="{g(11)}" name="Jon interview" richTextPath="internal://{g(11)}.docx" plainTextPath="internal://{g(11)}.txt" creationDateTime="2025-06-11T16:24:07Z">
                  <PlainTextSelection guid="{g(14)}" name="" startPosition="{s2}" endPosition="{(endOfSecond >= 0 ? endOfSecond : s2 + coded2.Length)}">
                    <Coding guid="{g(15)}"><CodeRef targetGUID="{g(4)}" /></Coding>
                  </PlainTextSelection>
                </TextSource>
                <PDFSource guid="{g(16)}" name="Consent form" path="internal://{g(16)}.pdf" />
              </Sources>
              <Notes>
                <Note guid="{g(20)}" name="About peer support"><PlainTextContent>Groups run by people with lived experience</PlainTextContent></Note>
                <Note guid="{g(21)}" name="Interview memo"><PlainTextContent>Talked fast about the move</PlainTextContent></Note>
                <Note guid="{g(22)}" name="Project memo"><PlainTextContent>Second round of coding</PlainTextContent></Note>
              </Notes>
              <NoteRef targetGUID="{g(22)}" />
            </Project>
            """;
        return Zip(("project.qde", qde), ($"Sources/{g(10)}.txt", text1), ($"Sources/{g(11)}.txt", text2), ($"Sources/{g(10)}.docx", "not read"));
    }

    [Fact]
    public async Task An_NVivo_shaped_project_imports_cases_as_storytellers_with_answers_and_says_what_it_left_out()
    {
        var (_, api, projectId) = await ProjectAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var done = await PostAsync(api, projectId, NvivoFile(tag), preview: false, name: "recovery.qdpx");
        Assert.Equal((2, 2, 2, 2), ((int)done["stories"]!, (int)done["codedPassages"]!, (int)done["storytellers"]!, (int)done["memos"]!));
        var skipped = done["skipped"]!.AsArray().Select(s => (string)s!).ToList();
        Assert.Contains("1 PDF source was not imported: Storyweave imports text sources, and audio and video sources that have a transcript.", skipped);
        Assert.Contains(skipped, s => s.StartsWith("1 note was not imported", StringComparison.Ordinal));

        Assert.Equal(
            [("Jon interview", "The group keeps me going", "Peer support"), ("Mara interview", "I stopped sleeping", "Sleep > Insomnia")],
            await CodedSpansAsync(projectId));
        var people = await App.WithDbAsync(async db => await db.Storytellers.Where(s => s.ProjectId == projectId).Include(s => s.Answers).ThenInclude(a => a.Option!).ThenInclude(o => o.Question)
            .OrderBy(s => s.Name).ToListAsync());
        Assert.Equal([$"Jon {tag}", $"Mara {tag}"], people.Select(p => p.Name));
        Assert.Equal(["Age: 41", "Gender: Woman"], people[1].Answers.Select(a => $"{a.Option!.Question!.Text}: {a.Option.Label}").Order(StringComparer.Ordinal));
        var maraStory = await App.WithDbAsync(async db => await db.StoryStorytellers.Where(x => x.StorytellerId == people[1].Id).Select(x => x.Story!.Title).SingleAsync());
        Assert.Equal("Mara interview", maraStory);
        var memos = await App.WithDbAsync(async db => await db.Memos.Where(m => m.ProjectId == projectId).Select(m => new { m.TargetType, m.Text }).ToListAsync());
        Assert.Contains(memos, m => m.TargetType == MemoTarget.Theme && m.Text == "Groups run by people with lived experience");
        Assert.Contains(memos, m => m.TargetType == MemoTarget.Story && m.Text == "Talked fast about the move");
    }

    [Fact]
    public async Task The_same_file_twice_is_refused_and_nothing_is_doubled()
    {
        var (_, api, projectId) = await ProjectAsync();
        var file = NvivoFile(Guid.NewGuid().ToString("N")[..6]);
        await PostAsync(api, projectId, file, preview: false);
        var counts = await CountsAsync(projectId);
        foreach (var preview in new[] { true, false })
        {
            var refused = await PostAsync(api, projectId, file, preview, HttpStatusCode.UnprocessableEntity);
            Assert.Contains("imported into this project already", Assert.Single(Errors(refused)), StringComparison.Ordinal);
        }
        Assert.Equal(counts, await CountsAsync(projectId));
    }

    [Fact]
    public async Task Bad_files_get_a_message_naming_what_is_wrong_and_change_nothing()
    {
        var (_, api, projectId) = await ProjectAsync();
        await App.CreateThemeAsync(projectId, "Already here");
        var counts = await CountsAsync(projectId);
        var tag = Guid.NewGuid().ToString("N")[..6];
        const string Q = "urn:QDA-XML:project:1.0";
        // A source that unpacks past the limit: one letter repeated packs into a few hundred kB.
        var bomb = Enumerable.Repeat((byte)'a', (int)QdpxProjectFile.MaxUnpackedBytes + 1024).ToArray();
        var bombQde = $"<Project xmlns=\"{Q}\" name=\"x\"><Sources><TextSource guid=\"11111111-1111-4111-8111-111111111111\" name=\"Big\" plainTextPath=\"internal://big.txt\"/></Sources></Project>";
        var cases = new (string What, byte[] File, string Message)[]
        {
            ("not a zip", Encoding.UTF8.GetBytes("Just some words, not a project."), "is not a REFI-QDA project file (.qdpx): a .qdpx is a ZIP file"),
            ("no project.qde", Zip(("readme.txt", "hello")), "project.qde is missing"),
            ("invalid XML", Zip(("project.qde", $"<Project xmlns=\"{Q}\" name=\"x\"><CodeBook>")), "project.qde is not readable XML"),
            ("not the schema", Zip(("project.qde", $"<Project xmlns=\"{Q}\" name=\"x\"><Surprise/></Project>")), "project.qde does not follow the REFI-QDA standard at line 1"),
            ("a DTD", Zip(("project.qde", $"<?xml version=\"1.0\"?><!DOCTYPE Project [<!ENTITY e \"boom\">]><Project xmlns=\"{Q}\" name=\"&e;\"/>")), "project.qde is not readable XML"),
            ("offset past the end", NvivoFile(tag, endOfSecond: 900), "Selection \u201c"),
            ("a ../ entry", Zip(("project.qde", $"<Project xmlns=\"{Q}\" name=\"x\"/>"), ("../evil.txt", "x")), "\u201c../evil.txt\u201d, which points outside the project"),
            ("a zip bomb", ZipBytes(("project.qde", Encoding.UTF8.GetBytes(bombQde)), ("sources/big.txt", bomb)), "unpacks to more than 100 MB"),
        };
        foreach (var (what, file, message) in cases)
        {
            foreach (var preview in new[] { true, false })
            {
                var problem = await PostAsync(api, projectId, file, preview, HttpStatusCode.UnprocessableEntity);
                var errors = Errors(problem);
                Assert.True(errors.Any(e => e.Contains(message, StringComparison.Ordinal)), $"{what}: {string.Join(" | ", errors)}");
            }
        }
        var offset = Errors(await PostAsync(api, projectId, NvivoFile(tag, endOfSecond: 900), preview: false, HttpStatusCode.UnprocessableEntity));
        Assert.Contains(offset, e => e.EndsWith("in \u201cJon interview\u201d ends at 900 but its source has " + $"Interviewer: And now?\nJon {tag}: The group keeps me going.".Length + " characters.", StringComparison.Ordinal));
        Assert.Equal(counts, await CountsAsync(projectId));
    }

    [Fact]
    public async Task Imported_storytellers_have_no_consent_and_their_words_stay_out_of_exports_until_it_is_recorded()
    {
        var (lead, api, projectId) = await ProjectAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var done = await PostAsync(api, projectId, NvivoFile(tag), preview: false);
        var ids = done["storytellersMade"]!.AsArray().Select(x => (int)x!["id"]!).ToList();
        Assert.Equal(0, await App.WithDbAsync(db => db.ConsentRecords.CountAsync(c => ids.Contains(c.StorytellerId))));
        foreach (var id in ids)
            Assert.False((await App.WithServiceAsync<ConsentPolicy, ConsentDecision>(p => p.DecideAsync(id, ConsentUse.Analysis))).Allowed);

        async Task<string> PassagesCsvAsync() => Encoding.UTF8.GetString(await api.GetByteArrayAsync($"/api/projects/{projectId}/exports/coded-passages.csv"));
        async Task<string> QdpxTextAsync()
        {
            using var zip = new ZipArchive(new MemoryStream(await api.GetByteArrayAsync($"/api/projects/{projectId}/exports/project.qdpx")));
            return string.Join("\n", zip.Entries.Select(e => new StreamReader(e.Open()).ReadToEnd()));
        }
        Assert.DoesNotContain("I stopped sleeping", await PassagesCsvAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("I stopped sleeping", await QdpxTextAsync(), StringComparison.Ordinal);
        // The team's story page keeps the words back too (analysis not agreed).
        var mara = await App.WithDbAsync(async db => await db.Storytellers.SingleAsync(s => s.ProjectId == projectId && s.Name == $"Mara {tag}"));
        var story = await App.WithDbAsync(async db => await db.StoryStorytellers.Where(x => x.StorytellerId == mara.Id).Select(x => x.StoryId).SingleAsync());
        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/stories/{story}");
        Assert.DoesNotContain("I stopped sleeping", page, StringComparison.Ordinal);

        // Once the team records Mara's consent, her words are in the exports; Jon's are still not.
        await App.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            db.ConsentRecords.Add(new ConsentRecord { ProjectId = projectId, StorytellerId = mara.Id, Recording = true, Analysis = true, Method = ConsentMethod.PaperForm, GivenAt = now, RecordedAt = now });
            return await db.SaveChangesAsync();
        });
        var csv = await PassagesCsvAsync();
        Assert.Contains("I stopped sleeping", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("The group keeps me going", csv, StringComparison.Ordinal);
        Assert.Contains("I stopped sleeping", await QdpxTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_leads_may_import()
    {
        var (_, api, projectId) = await ProjectAsync();
        var file = NvivoFile(Guid.NewGuid().ToString("N")[..6]);
        foreach (var role in new[] { ProjectRole.Analyst, ProjectRole.CommunityReporter, ProjectRole.Viewer })
        {
            var member = await App.CreateUserAsync();
            await App.AddMemberAsync(projectId, member, role);
            var response = await (await App.ApiClientAsync(member)).PostAsync(Url(projectId, preview: true), new ByteArrayContent(file));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var page = await (await App.SignInAsync(member)).GetAsync($"/projects/{projectId}/import/qdpx");
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Equal("/account/denied", page.Headers.Location!.AbsolutePath);
        }
        var anonymous = await App.AnonymousClient().PostAsync(Url(projectId, preview: true), new ByteArrayContent(file));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(0, (await CountsAsync(projectId)).Stories);
        await PostAsync(api, projectId, file, preview: true); // the lead may
    }
}
