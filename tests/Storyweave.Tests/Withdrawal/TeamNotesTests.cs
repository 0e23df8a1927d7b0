using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;
using Storyweave.Features.Withdrawal;
using Storyweave.Features.Workshops;

namespace Storyweave.Tests.Withdrawal;

/// <summary>Team writing (memos, review sheets, sticky notes, codebook themes) that names a storyteller who withdrew entirely is held until a lead reviews it (issue 18, item 5; decision 0008).</summary>
public sealed class TeamNotesTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private sealed record Held(string Kind, int Id, string Where, string Text, string? OpenUrl, bool Editable, bool Deletable);

    private static async Task<string> SearchAsync(HttpClient api, int projectId, string words) =>
        await api.GetStringAsync($"/api/projects/{projectId}/search?q={Uri.EscapeDataString(words)}");

    [Fact]
    public async Task A_memo_naming_a_withdrawn_person_leaves_search_until_a_lead_keeps_it()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (otherStoryId, _) = await App.CreateStoryAsync(projectId); // told by someone else: it stays
        var (_, tellers) = await App.CreateStoryAsync(projectId);
        var personId = tellers[0];
        await App.WithDbAsync(async db =>
        {
            var person = await db.Storytellers.SingleAsync(s => s.Id == personId);
            person.Name = "Zebedee Quillfeather";
            await db.SaveChangesAsync();
            return 0;
        });
        // A memo on the other person's story names them by first name only; another memo names nobody.
        foreach (var text in new[] { "zebedee said the hostel felt like prison", "Hostel waiting lists came up again" })
        {
            var memo = await api.PostAsJsonAsync($"/api/projects/{projectId}/memos?targetType=Story&targetId={otherStoryId}", new { text });
            Assert.True(memo.IsSuccessStatusCode, await memo.Content.ReadAsStringAsync());
        }
        Assert.Contains("\"total\":2,", await SearchAsync(api, projectId, "hostel"), StringComparison.Ordinal);

        var withdrawn = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{personId}/withdrawal/entirely", new { confirm = true });
        Assert.True(withdrawn.IsSuccessStatusCode, await withdrawn.Content.ReadAsStringAsync());
        Assert.Contains("Team notes to review", await withdrawn.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Contains("\"total\":0,", await SearchAsync(api, projectId, "zebedee"), StringComparison.Ordinal);
        Assert.Contains("\"total\":1,", await SearchAsync(api, projectId, "hostel"), StringComparison.Ordinal);
        // Indexing the story again (any edit to it does) does not bring the memo back.
        await App.ReindexStoryAsync(projectId, otherStoryId);
        Assert.Contains("\"total\":0,", await SearchAsync(api, projectId, "zebedee"), StringComparison.Ordinal);

        var held = await api.GetFromJsonAsync<List<Held>>($"/api/projects/{projectId}/team-notes");
        var memoHeld = Assert.Single(held!);
        Assert.Equal("zebedee said the hostel felt like prison", memoHeld.Text);

        var browser = await App.SignInAsync(lead);
        var page = await browser.GetStringAsync($"/projects/{projectId}/team-notes");
        Assert.Contains("zebedee said the hostel felt like prison", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Hostel waiting lists", page, StringComparison.Ordinal);

        // "Reviewed, keep": back in search, off the list.
        var kept = await api.PostAsync($"/api/projects/{projectId}/team-notes/memo/{memoHeld.Id}/keep", null);
        Assert.Equal(HttpStatusCode.NoContent, kept.StatusCode);
        Assert.Contains("\"total\":1,", await SearchAsync(api, projectId, "zebedee"), StringComparison.Ordinal);
        Assert.Empty((await api.GetFromJsonAsync<List<Held>>($"/api/projects/{projectId}/team-notes"))!);
        Assert.Contains("There is nothing to review.", await browser.GetStringAsync($"/projects/{projectId}/team-notes"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_leads_see_and_release_held_memos()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        foreach (var role in new[] { ProjectRole.CommunityReporter, ProjectRole.Analyst, ProjectRole.Viewer })
        {
            var user = await App.CreateUserAsync();
            await App.AddMemberAsync(projectId, user, role);
            var client = await App.ApiClientAsync(user);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/projects/{projectId}/team-notes")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync($"/api/projects/{projectId}/team-notes/memo/1/keep", null)).StatusCode);
            var pageResponse = await (await App.SignInAsync(user)).GetAsync($"/projects/{projectId}/team-notes");
            Assert.NotEqual(HttpStatusCode.OK, pageResponse.StatusCode);
            Assert.DoesNotContain("anything the team wrote that names them", await pageResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var anonymous = App.AnonymousClient();
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/projects/{projectId}/team-notes")).StatusCode);
    }

    [Fact]
    public async Task A_review_sheet_a_sticky_note_and_a_theme_naming_them_are_held_then_edited_kept_or_refused_with_a_reason()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var browser = await App.SignInAsync(lead);
        var (otherStoryId, _) = await App.CreateStoryAsync(projectId);
        var (_, tellers) = await App.CreateStoryAsync(projectId);
        var personId = tellers[0];
        await App.WithDbAsync(async db =>
        {
            (await db.Storytellers.SingleAsync(s => s.Id == personId)).Name = "Zebedee Quillfeather";
            await db.SaveChangesAsync();
            return 0;
        });
        (await api.PutAsJsonAsync($"/api/projects/{projectId}/stories/{otherStoryId}/review", new { ideas = "Allotments help, as Zebedee found", experience = "Positive" })).EnsureSuccessStatusCode();
        var workshopId = await TestApp.CreateWorkshopAsync(api, projectId, 3, [], []);
        (await api.PostAsJsonAsync($"/api/projects/{projectId}/workshops/{workshopId}/notes", new { text = "Zebedee wants a bench by the gate" })).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync($"/api/projects/{projectId}/workshops/{workshopId}/notes", new { text = "More shade" })).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync($"/api/projects/{projectId}/codebook/themes", new { name = "Belonging", color = "#1f5c4a", description = "From what Quillfeather told us" })).EnsureSuccessStatusCode();
        Assert.Contains("\"total\":1,", await SearchAsync(api, projectId, "allotments"), StringComparison.Ordinal);
        Assert.DoesNotContain("team writing", await browser.GetStringAsync($"/projects/{projectId}"), StringComparison.Ordinal);

        var withdrawn = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{personId}/withdrawal/entirely", new { confirm = true });
        Assert.True(withdrawn.IsSuccessStatusCode, await withdrawn.Content.ReadAsStringAsync());
        Assert.Contains("Team writing names them: 1 review sheet, 1 sticky note and 1 codebook theme.", await withdrawn.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Out of search, and the note's words are gone from the board; the other note is untouched.
        Assert.Contains("\"total\":0,", await SearchAsync(api, projectId, "allotments"), StringComparison.Ordinal);
        await App.ReindexStoryAsync(projectId, otherStoryId);
        Assert.Contains("\"total\":0,", await SearchAsync(api, projectId, "allotments"), StringComparison.Ordinal);
        var board = await TestApp.BoardAsAsync(api, projectId, workshopId);
        Assert.DoesNotContain(board.Cards, c => c.Text?.Contains("Zebedee", StringComparison.Ordinal) == true);
        Assert.Contains(board.Cards, c => c.Kind == CardKind.Note && !c.Available && c.Text == null);
        Assert.Contains(board.Cards, c => c.Text == "More shade");
        Assert.Contains("3 pieces of team writing name", await browser.GetStringAsync($"/projects/{projectId}"), StringComparison.Ordinal);

        var held = (await api.GetFromJsonAsync<List<Held>>($"/api/projects/{projectId}/team-notes"))!;
        Assert.Equal(["review-sheet", "sticky-note", "theme"], held.Select(h => h.Kind));
        var sheet = held[0];
        var note = held[1];
        var theme = held[2];
        Assert.Equal(otherStoryId, sheet.Id);
        Assert.Contains("Ideas: Allotments help, as Zebedee found", sheet.Text, StringComparison.Ordinal);
        Assert.Equal($"/projects/{projectId}/stories/{otherStoryId}/review", sheet.OpenUrl);
        Assert.Equal("Belonging: From what Quillfeather told us", theme.Text);

        // A review sheet is edited on its own page, not here: a clear 422; deleting it here is refused too.
        var editSheet = await api.PostAsJsonAsync($"/api/projects/{projectId}/team-notes/review-sheet/{sheet.Id}/keep", new { text = "x" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, editSheet.StatusCode);
        Assert.Contains("edited where it lives", await editSheet.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await api.DeleteAsync($"/api/projects/{projectId}/team-notes/theme/{theme.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsJsonAsync($"/api/projects/{projectId}/team-notes/nonsense/{theme.Id}/keep", new { })).StatusCode);

        // The note is reworded and kept: its new words are back on the board.
        Assert.Equal(HttpStatusCode.NoContent, (await api.PostAsJsonAsync($"/api/projects/{projectId}/team-notes/sticky-note/{note.Id}/keep", new { text = "Someone wants a bench by the gate" })).StatusCode);
        board = await TestApp.BoardAsAsync(api, projectId, workshopId);
        Assert.Contains(board.Cards, c => c.Available && c.Text == "Someone wants a bench by the gate");
        // Keeping it twice: it is no longer waiting.
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsJsonAsync($"/api/projects/{projectId}/team-notes/sticky-note/{note.Id}/keep", new { })).StatusCode);

        // The review sheet and theme are kept as they are (through the page, like a lead would): search finds the sheet again.
        var form = await browser.GetStringAsync($"/projects/{projectId}/team-notes");
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        foreach (var (kind, id) in new[] { ("review-sheet", sheet.Id), ("theme", theme.Id) })
        {
            var post = await browser.PostAsync($"/projects/{projectId}/team-notes?handler=Keep", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Kind"] = kind,
                ["ItemId"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["__RequestVerificationToken"] = token,
            }));
            Assert.Contains("Kept as it is.", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Contains("\"total\":1,", await SearchAsync(api, projectId, "allotments"), StringComparison.Ordinal);
        Assert.Empty((await api.GetFromJsonAsync<List<Held>>($"/api/projects/{projectId}/team-notes"))!);
        Assert.DoesNotContain("team writing", await browser.GetStringAsync($"/projects/{projectId}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_held_memo_and_a_held_sticky_note_can_be_deleted_by_a_lead()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var api = await App.ApiClientAsync(lead);
        var (otherStoryId, _) = await App.CreateStoryAsync(projectId);
        var (_, tellers) = await App.CreateStoryAsync(projectId);
        await App.WithDbAsync(async db =>
        {
            (await db.Storytellers.SingleAsync(s => s.Id == tellers[0])).Name = "Ottoline Brackenbury";
            await db.SaveChangesAsync();
            return 0;
        });
        (await api.PostAsJsonAsync($"/api/projects/{projectId}/memos?targetType=Story&targetId={otherStoryId}", new { text = "Ottoline knew the warden" })).EnsureSuccessStatusCode();
        var workshopId = await TestApp.CreateWorkshopAsync(api, projectId, 3, [], []);
        (await api.PostAsJsonAsync($"/api/projects/{projectId}/workshops/{workshopId}/notes", new { text = "ask Ottoline about the rota" })).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellers[0]}/withdrawal/entirely", new { confirm = true })).EnsureSuccessStatusCode();

        var held = (await api.GetFromJsonAsync<List<Held>>($"/api/projects/{projectId}/team-notes"))!;
        Assert.Equal(["memo", "sticky-note"], held.Select(h => h.Kind));
        foreach (var h in held)
            Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/projects/{projectId}/team-notes/{h.Kind}/{h.Id}")).StatusCode);
        Assert.Empty((await api.GetFromJsonAsync<List<Held>>($"/api/projects/{projectId}/team-notes"))!);
        Assert.Equal(0, await App.WithDbAsync(db => db.Memos.CountAsync(m => m.ProjectId == projectId)));
        Assert.DoesNotContain((await TestApp.BoardAsAsync(api, projectId, workshopId)).Cards, c => c.Kind == CardKind.Note);
        Assert.Contains("\"total\":0,", await SearchAsync(api, projectId, "warden"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Zebedee said no", true)]
    [InlineData("ZEBEDEE", true)]
    [InlineData("Zebedees", false)]
    [InlineData("Mr Quillfeather's hostel", true)]
    [InlineData("Nobody named", false)]
    public void A_memo_names_the_person_by_any_part_of_their_name_as_a_whole_word(string text, bool named) =>
        Assert.Equal(named, TeamTextReview.Mentions(text, TeamTextReview.NamesOf("Zebedee Quillfeather", null)));
}
