using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;
using Storyweave.Features.Withdrawal;

namespace Storyweave.Tests.Withdrawal;

/// <summary>Team memos that name a storyteller who withdrew entirely leave search until a lead reviews them (issue 18, item 5).</summary>
public sealed class HeldMemoTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private sealed record HeldMemo(int Id, string TargetType, int TargetId, string Text);

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

        var held = await api.GetFromJsonAsync<List<HeldMemo>>($"/api/projects/{projectId}/held-memos");
        var memoHeld = Assert.Single(held!);
        Assert.Equal("zebedee said the hostel felt like prison", memoHeld.Text);

        var browser = await App.SignInAsync(lead);
        var page = await browser.GetStringAsync($"/projects/{projectId}/held-memos");
        Assert.Contains("zebedee said the hostel felt like prison", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Hostel waiting lists", page, StringComparison.Ordinal);

        // "Reviewed, keep": back in search, off the list.
        var kept = await api.PostAsync($"/api/projects/{projectId}/held-memos/{memoHeld.Id}/keep", null);
        Assert.Equal(HttpStatusCode.NoContent, kept.StatusCode);
        Assert.Contains("\"total\":1,", await SearchAsync(api, projectId, "zebedee"), StringComparison.Ordinal);
        Assert.Empty((await api.GetFromJsonAsync<List<HeldMemo>>($"/api/projects/{projectId}/held-memos"))!);
        Assert.Contains("There is nothing to review.", await browser.GetStringAsync($"/projects/{projectId}/held-memos"), StringComparison.Ordinal);
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
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/projects/{projectId}/held-memos")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync($"/api/projects/{projectId}/held-memos/1/keep", null)).StatusCode);
            var pageResponse = await (await App.SignInAsync(user)).GetAsync($"/projects/{projectId}/held-memos");
            Assert.NotEqual(HttpStatusCode.OK, pageResponse.StatusCode);
            Assert.DoesNotContain("These memos name a storyteller", await pageResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var anonymous = App.AnonymousClient();
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/projects/{projectId}/held-memos")).StatusCode);
    }

    [Theory]
    [InlineData("Zebedee said no", true)]
    [InlineData("ZEBEDEE", true)]
    [InlineData("Zebedees", false)]
    [InlineData("Mr Quillfeather's hostel", true)]
    [InlineData("Nobody named", false)]
    public void A_memo_names_the_person_by_any_part_of_their_name_as_a_whole_word(string text, bool named) =>
        Assert.Equal(named, WithdrawalService.Mentions(text, WithdrawalService.NamesOf("Zebedee Quillfeather", null)));
}
