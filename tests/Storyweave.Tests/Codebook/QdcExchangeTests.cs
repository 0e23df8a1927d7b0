using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Codebook;
using Storyweave.Features.Projects;

namespace Storyweave.Tests.Codebook;

/// <summary>
/// The REFI-QDA codebook (.qdc) both ways: what Storyweave writes is valid against the standard's schema and keeps
/// the tree, colours, descriptions and a stable GUID per theme; what it reads (its own files, other programs' files,
/// the codebook inside a .qdpx) is previewed first, merged by GUID or name, and brought in as one undoable change.
/// </summary>
public sealed class QdcExchangeTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Codebook", "RefiQda", name);

    private static string SchemaPath => Fixture("Project-mrt2019.xsd");

    private static async Task<int> ThemeAsync(HttpClient api, int projectId, string name, int? parentId = null, string color = "#1f5c4a", string description = "")
    {
        var response = await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes", new { name, description, color, parentId });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["themeIds"]![0]!;
    }

    private static async Task<HttpResponseMessage> ImportAsync(HttpClient api, int projectId, byte[] file, string name, bool preview)
    {
        using var body = new ByteArrayContent(file);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        return await api.PostAsync($"/api/projects/{projectId}/codebook/import?name={Uri.EscapeDataString(name)}&preview={(preview ? "true" : "false")}", body);
    }

    /// <summary>
    /// Validates a codebook's codes against the REFI-QDA project schema: the .qdc codebook schema uses the same Code
    /// type, and adds only an <c>origin</c> attribute on its root (left out here, as the project's CodeBook has none).
    /// </summary>
    private static void AssertValidAgainstSchema(XDocument qdc)
    {
        XNamespace p = QdcCodebook.ProjectNamespace;
        XElement Rename(XElement e) => new(p + e.Name.LocalName, e.Attributes(), e.Nodes().Select(n => n is XElement c ? Rename(c) : n));
        Assert.Equal(XName.Get("CodeBook", QdcCodebook.Namespace), qdc.Root!.Name);
        Assert.Equal(["origin"], qdc.Root.Attributes().Where(a => !a.IsNamespaceDeclaration).Select(a => a.Name.LocalName));
        var book = new XElement(p + "CodeBook", qdc.Root.Elements().Select(Rename));
        var project = new XDocument(new XElement(p + "Project", new XAttribute("name", "check"), book));
        var schemas = new XmlSchemaSet();
        using (var reader = XmlReader.Create(SchemaPath)) schemas.Add(QdcCodebook.ProjectNamespace, reader);
        var problems = new List<string>();
        project.Validate(schemas, (_, e) => problems.Add(e.Message));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task The_exported_codebook_is_valid_REFI_QDA_with_stable_ids_and_comes_back_whole_into_another_project_as_one_undoable_change()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var empty = await api.GetAsync($"/api/projects/{projectId}/codebook/export.qdc");
        Assert.Equal(HttpStatusCode.Conflict, empty.StatusCode);
        Assert.Contains(CodebookEndpoints.QdcEmptyMessage, await empty.Content.ReadAsStringAsync());

        var support = await ThemeAsync(api, projectId, "Support & help", color: "#AA3377", description: "Who helped, and how <quickly>.");
        await ThemeAsync(api, projectId, "Peer support", support, "#228833");
        await ThemeAsync(api, projectId, "Waiting", color: "#4477aa");

        var export = await api.GetAsync($"/api/projects/{projectId}/codebook/export.qdc");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.EndsWith("-codebook.qdc", export.Content.Headers.ContentDisposition!.FileName!.Trim('"'), StringComparison.Ordinal);
        var bytes = await export.Content.ReadAsByteArrayAsync();
        var doc = XDocument.Parse(Encoding.UTF8.GetString(bytes));
        AssertValidAgainstSchema(doc);
        XNamespace ns = QdcCodebook.Namespace;
        var codes = doc.Descendants(ns + "Code").ToList();
        Assert.Equal(["Support & help", "Peer support", "Waiting"], codes.Select(c => (string)c.Attribute("name")!));
        Assert.Equal("Peer support", (string)codes[0].Element(ns + "Code")!.Attribute("name")!);
        Assert.Equal("#AA3377", (string)codes[0].Attribute("color")!);
        Assert.Equal("Who helped, and how <quickly>.", (string)codes[0].Element(ns + "Description")!);
        Assert.Equal(3, codes.Select(c => (string)c.Attribute("guid")!).Distinct().Count());
        // The same theme always gets the same GUID.
        var again = XDocument.Parse(await api.GetStringAsync($"/api/projects/{projectId}/codebook/export.qdc"));
        Assert.Equal(codes.Select(c => (string)c.Attribute("guid")!), again.Descendants(ns + "Code").Select(c => (string)c.Attribute("guid")!));

        // Into another project: previewed first (nothing changes), then brought in whole.
        var other = await App.CreateProjectAsync(lead);
        await ThemeAsync(api, other, "waiting "); // the same name, written differently: kept, not doubled
        var preview = await ImportAsync(api, other, bytes, "ours.qdc", preview: true);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var plan = (await preview.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((2, 1), ((int)plan["adding"]!, (int)plan["matching"]!));
        Assert.Equal("matched-by-name", (string)plan["codes"]!.AsArray().Single(c => (string)c!["name"]! == "Waiting")!["action"]!);
        Assert.Equal(1, await App.WithDbAsync(db => db.Themes.CountAsync(t => t.ProjectId == other)));

        var imported = await ImportAsync(api, other, bytes, "ours.qdc", preview: false);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var themes = await App.WithDbAsync(db => db.Themes.AsNoTracking().Where(t => t.ProjectId == other && t.DeletedAt == null).ToListAsync());
        Assert.Equal(3, themes.Count);
        var copied = themes.Single(t => t.Name == "Support & help");
        Assert.Equal(("#aa3377", "Who helped, and how <quickly>."), (copied.Color, copied.Description));
        Assert.Equal(copied.Id, themes.Single(t => t.Name == "Peer support").ParentId);
        Assert.StartsWith("codebook file: Storyweave", copied.Origin, StringComparison.Ordinal);

        // Bringing it in again adds nothing, and says so.
        var twice = await ImportAsync(api, other, bytes, "ours.qdc", preview: false);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, twice.StatusCode);
        Assert.Contains("already in the codebook, so nothing was added", await twice.Content.ReadAsStringAsync());

        // One change, undone in one step.
        var changes = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{other}/codebook/changes"))!;
        var change = changes.First(c => (string)c!["kind"]! == "import")!;
        Assert.Contains("Brought in 2 themes", (string)change["summary"]!);
        Assert.True((await api.PostAsync($"/api/projects/{other}/codebook/changes/{(long)change["id"]!}/undo", null)).IsSuccessStatusCode);
        Assert.Equal(["waiting"], await App.WithDbAsync(db => db.Themes.Where(t => t.ProjectId == other && t.DeletedAt == null).Select(t => t.Name).ToListAsync()));

        // Back into the first project after a rename: the GUID still finds the theme, so nothing is doubled.
        Assert.True((await api.PutAsJsonAsync($"/api/projects/{projectId}/codebook/themes/{support}", new { name = "Support", description = "", color = "#aa3377" })).IsSuccessStatusCode);
        var byId = (await (await ImportAsync(api, projectId, bytes, "ours.qdc", preview: true)).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(0, (int)byId["adding"]!);
        Assert.Equal("matched-by-id", (string)byId["codes"]!.AsArray().Single(c => (string)c!["name"]! == "Support & help")!["action"]!);
    }

    [Fact]
    public async Task Codebooks_from_other_programs_merge_by_name_under_existing_themes_and_the_codebook_inside_a_qdpx_is_read()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var health = await ThemeAsync(api, projectId, "Health");
        await ThemeAsync(api, projectId, "Mental health", health);

        // Shaped like a MAXQDA export: braces round GUIDs, short colours, sub-codes, a code twice at one level.
        const string maxqda = """
            <?xml version="1.0" encoding="utf-8"?>
            <CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="MAXQDA 24">
              <Codes>
                <Code guid="{6F9619FF-8B86-D011-B42D-00C04FC964FF}" name="HEALTH" isCodable="true" color="#f00">
                  <Code guid="{7F9619FF-8B86-D011-B42D-00C04FC964FF}" name="Mental   health" isCodable="true"/>
                  <Code guid="{8F9619FF-8B86-D011-B42D-00C04FC964FF}" name="Waiting lists" isCodable="true">
                    <Description>Months without a call back.</Description>
                    <Code guid="{9F9619FF-8B86-D011-B42D-00C04FC964FF}" name="GP" isCodable="false"/>
                  </Code>
                </Code>
                <Code guid="{AF9619FF-8B86-D011-B42D-00C04FC964FF}" name="Housing" isCodable="true"/>
                <Code guid="{BF9619FF-8B86-D011-B42D-00C04FC964FF}" name="Housing" isCodable="true">
                  <Code guid="{CF9619FF-8B86-D011-B42D-00C04FC964FF}" name="Damp" isCodable="true"/>
                </Code>
              </Codes>
            </CodeBook>
            """;
        var response = await ImportAsync(api, projectId, Encoding.UTF8.GetBytes(maxqda), "maxqda.qdc", preview: false);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var themes = await App.WithDbAsync(db => db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.DeletedAt == null).ToListAsync());
        string PathOf(Theme t) => t.ParentId is { } p ? PathOf(themes.Single(x => x.Id == p)) + " > " + t.Name : t.Name;
        Assert.Equal(["Health", "Health > Mental health", "Health > Waiting lists", "Health > Waiting lists > GP", "Housing", "Housing > Damp"],
            themes.Select(PathOf).Order(StringComparer.Ordinal));
        Assert.Equal("Months without a call back.", themes.Single(t => t.Name == "Waiting lists").Description);
        Assert.Equal("codebook file: MAXQDA 24", themes.Single(t => t.Name == "Housing").Origin);

        // The codebook inside an ATLAS.ti project file.
        var atlas = await File.ReadAllBytesAsync(Fixture("target-atlas-project.qdpx"));
        var plan = (await (await ImportAsync(api, projectId, atlas, "target-atlas-project.qdpx", preview: true)).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(3, (int)plan["adding"]!);
        Assert.Equal(["Commits", "2022-05-10T02:05:59Z 19e4dce", "2022-02-11T10:39:25Z cdbfd92"], plan["codes"]!.AsArray().Select(c => (string)c!["name"]!));
        var blank = await ImportAsync(api, projectId, await File.ReadAllBytesAsync(Fixture("blank-atlas-project.qdpx")), "blank-atlas-project.qdpx", preview: true);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, blank.StatusCode);
        Assert.Contains("The project in \u201cblank-atlas-project.qdpx\u201d has no codebook.", await blank.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("not xml at all", "is not readable XML")]
    [InlineData("<?xml version=\"1.0\"?><Project xmlns=\"urn:other\"/>", "is not a REFI-QDA codebook: it starts with <Project>")]
    [InlineData("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes/></CodeBook>", "has no codes")]
    [InlineData("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"6F9619FF-8B86-D011-B42D-00C04FC964FF\" name=\"  \" isCodable=\"true\"/></Codes></CodeBook>", "has no name")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE CodeBook [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"6F9619FF-8B86-D011-B42D-00C04FC964FF\" name=\"&x;\" isCodable=\"true\"/></Codes></CodeBook>", "is not readable XML")]
    [InlineData("", "The file is empty")]
    [InlineData("PK\u0003\u0004broken", "looks like a ZIP file but cannot be opened")]
    public async Task A_bad_codebook_file_gets_a_specific_message_and_changes_nothing(string content, string message)
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        foreach (var preview in new[] { true, false })
        {
            var response = await ImportAsync(api, projectId, Encoding.Latin1.GetBytes(content), "odd.qdc", preview);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Contains(message, await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(0, await App.WithDbAsync(db => db.Themes.CountAsync(t => t.ProjectId == projectId)));
    }

    [Fact]
    public async Task Viewers_download_the_codebook_but_only_coders_bring_one_in_and_the_page_previews_before_it_adds()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        await ThemeAsync(api, projectId, "Hope");
        var viewer = await App.CreateUserAsync();
        await App.AddMemberAsync(projectId, viewer, ProjectRole.Viewer);
        var viewerApi = await App.ApiClientAsync(viewer);
        var bytes = await viewerApi.GetByteArrayAsync($"/api/projects/{projectId}/codebook/export.qdc");
        Assert.Equal(HttpStatusCode.Forbidden, (await ImportAsync(viewerApi, projectId, bytes, "x.qdc", preview: true)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ImportAsync(await App.ApiClientAsync(await App.CreateUserAsync()), projectId, bytes, "x.qdc", preview: true)).StatusCode);

        // The page: choose a file, see the plan, confirm.
        var page = await App.SignInAsync(lead);
        var path = $"/projects/{projectId}/codebook";
        var html = await page.GetStringAsync(path);
        Assert.Contains($"href=\"/api/projects/{projectId}/codebook/export.qdc\"", html, StringComparison.Ordinal);
        var token = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"QualCoder 3.5\"><Codes><Code guid=\"6F9619FF-8B86-D011-B42D-00C04FC964FF\" name=\"Hope\" isCodable=\"true\"><Code guid=\"7F9619FF-8B86-D011-B42D-00C04FC964FF\" name=\"Small wins\" isCodable=\"true\"/></Code></Codes></CodeBook>")), "file", "qualcoder.qdc" },
        };
        var previewed = await page.PostAsync(path + "?handler=ImportPreview", form);
        var shown = WebUtility.HtmlDecode(await previewed.Content.ReadAsStringAsync());
        Assert.Contains("What bringing in \u201cQualCoder 3.5\u201d would do", shown);
        Assert.Contains("1 new theme will be added; 1 is already in the codebook", shown);
        Assert.Equal(1, await App.WithDbAsync(db => db.Themes.CountAsync(t => t.ProjectId == projectId)));
        var book = System.Text.RegularExpressions.Regex.Match(shown, "name=\"book\" value=\"([^\"]+)\"").Groups[1].Value;
        var added = await TestApp.PostFormAsync(page, path, new() { ["book"] = book }, path + "?handler=Import");
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        Assert.Contains("Brought in 1 theme from \u201cQualCoder 3.5\u201d", WebUtility.HtmlDecode(await page.GetStringAsync(path)));
        Assert.Equal(2, await App.WithDbAsync(db => db.Themes.CountAsync(t => t.ProjectId == projectId && t.DeletedAt == null)));

        // A tampered confirmation is read again with the same checks.
        var bad = await TestApp.PostFormAsync(page, path, new() { ["book"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("<nope/>")) }, path + "?handler=Import");
        Assert.Contains("is not a REFI-QDA codebook", WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync()));
    }
}
