using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Coding;
using Storyweave.Features.Stories;
using Xunit.Abstractions;

namespace Storyweave.Tests.Coding;

/// <summary>The coding page as a browser without script gets it: its size, and coding and removing through its forms.</summary>
public sealed partial class CodingPageTests(AppFixture fixture, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    /// <summary>
    /// A 272-line story of about 57 KB (the size issue #17 measured) and a codebook of 50 themes (10 with 4
    /// sub-themes each), with 60 passages coded with two themes each.
    /// </summary>
    private async Task<(int ProjectId, int StoryId, TestApp.TestUser Lead, List<int> Themes)> BigStoryAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var words = "we talked about the kitchen table and the people who sat around it, the long winter, the bus that never came, and the friend who kept calling until I picked up";
        var cues = Enumerable.Range(0, 272).Select(i =>
            new TranscriptService.CueInput(i * 5, i * 5 + 5, i % 2 == 0 ? "Reporter" : "Dana", $"Line {i}: {words} ({i}) and then some more of what she said.")).ToList();
        var (storyId, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Dana")], cues);
        var themes = await App.WithDbAsync(async db =>
        {
            var ids = new List<int>();
            for (var main = 0; main < 10; main++)
            {
                var parent = new Storyweave.Features.Codebook.Theme { ProjectId = projectId, Name = $"Main theme number {main}", Color = "#1f5c4a", Position = main, CreatedAt = DateTime.UtcNow };
                db.Themes.Add(parent);
                await db.SaveChangesAsync();
                ids.Add(parent.Id);
                for (var sub = 0; sub < 4; sub++)
                {
                    var child = new Storyweave.Features.Codebook.Theme { ProjectId = projectId, ParentId = parent.Id, Name = $"Sub-theme {main}.{sub} about something", Color = "#a4161a", Position = sub, CreatedAt = DateTime.UtcNow };
                    db.Themes.Add(child);
                    await db.SaveChangesAsync();
                    ids.Add(child.Id);
                }
            }
            return ids;
        });
        await App.WithServiceAsync<CodingService, bool>(async coding =>
        {
            var spans = CodingService.Layout(await App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == storyId).ToListAsync()));
            for (var i = 1; i < 120; i += 2)
            {
                var r = await coding.CodeSelectionAsync(projectId, storyId, spans[i].Start + 8, spans[i].End - 10, [themes[i % 50], themes[(i + 7) % 50]], lead.Id);
                Assert.True(r.Succeeded, string.Join(" ", r.Errors));
            }
            return true;
        });
        return (projectId, storyId, lead, themes);
    }

    [Fact]
    public async Task The_coding_page_of_a_long_story_writes_the_theme_list_once_and_stays_under_300_KB()
    {
        var (projectId, storyId, lead, themes) = await BigStoryAsync();
        var story = await App.WithDbAsync(db => db.TranscriptCues.Where(c => c.StoryId == storyId).SumAsync(c => c.Text.Length + 1));
        Assert.InRange(story, 55_000, 60_000);
        var client = await App.SignInAsync(lead);
        var html = await client.GetStringAsync($"/projects/{projectId}/stories/{storyId}/coding");
        var bytes = Encoding.UTF8.GetByteCount(html);
        output.WriteLine($"Coding page: {bytes:N0} bytes of HTML for a {story:N0}-character story with {themes.Count} themes and 60 passages.");
        Assert.True(bytes <= 300_000, $"The coding page is {bytes:N0} bytes.");
        var uncoded = Encoding.UTF8.GetByteCount(await client.GetStringAsync($"/projects/{projectId}/stories/{storyId}/coding?coder=nobody"));
        output.WriteLine($"The same page showing no codes (coder filter): {uncoded:N0} bytes.");

        // One theme list for "Code all turns of one speaker", none per line; one token for every Remove button.
        Assert.Equal(themes.Count, Checkbox().Count(html));
        Assert.True(Token().Count(html) <= 4, $"{Token().Count(html)} antiforgery tokens");
        Assert.Equal(120, Regex.Count(html, "form=\"coding-remove\""));
        Assert.Equal(272, Regex.Count(html, "class=\"code-line\""));
        // Sub-themes follow their main theme in the list.
        var first = html.IndexOf("Main theme number 3", StringComparison.Ordinal);
        Assert.True(first < html.IndexOf("Sub-theme 3.0", first, StringComparison.Ordinal) && html.IndexOf("Sub-theme 3.3", first, StringComparison.Ordinal) < html.IndexOf("Main theme number 4", first, StringComparison.Ordinal));

        // Asking for one line's form (the "Code this line" link without script) adds the list once more, for that line only.
        var withLine = await client.GetStringAsync($"/projects/{projectId}/stories/{storyId}/coding?line=7");
        Assert.Equal(2 * themes.Count, Checkbox().Count(withLine));
        Assert.Single(Regex.Matches(withLine, "id=\"code-line\""));
        Assert.True(Encoding.UTF8.GetByteCount(withLine) <= 300_000);
    }

    [Fact]
    public async Task Without_script_a_line_is_coded_through_its_own_form_and_a_code_removed_through_the_shared_remove_form()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var (storyId, _) = await App.CreateCodingStoryAsync(projectId, lead, [new("Dana"), new("Eli", Analysis: false)],
        [
            new TranscriptService.CueInput(0, 4, "Reporter", "What brought you here?"),
            new TranscriptService.CueInput(4, 9.5, "Dana", "A leaflet in the library."),
            new TranscriptService.CueInput(9.5, 15, "Eli", "I still come every week."),
        ]);
        var theme = await App.CreateThemeAsync(projectId, "Finding help", "#a4161a");
        var client = await App.SignInAsync(lead);
        var page = $"/projects/{projectId}/stories/{storyId}/coding";

        var html = await client.GetStringAsync(page);
        Assert.Contains("href=\"?line=1#code-line\"", html, StringComparison.Ordinal);
        // Eli's turn is not shown, offered for coding, or sent to the script.
        Assert.DoesNotContain("I still come every week.", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"?line=2#code-line", html, StringComparison.Ordinal);

        var form = await client.GetStringAsync($"{page}?line=1");
        Assert.Contains("<h3 id=\"code-line-title\">Code line 2</h3>", form, StringComparison.Ordinal);
        var coded = await TestApp.PostFormAsync(client, $"{page}?line=1", new() { ["position"] = "1", ["themeIds"] = theme.ToString(System.Globalization.CultureInfo.InvariantCulture) }, page + "?handler=CodeLine");
        Assert.Equal(HttpStatusCode.Redirect, coded.StatusCode);
        var passage = await App.WithDbAsync(db => db.Passages.Include(p => p.Themes).SingleAsync(p => p.StoryId == storyId));
        Assert.Equal(("A leaflet in the library.", theme), (passage.Snippet, passage.Themes.Single().ThemeId));

        // No theme chosen: the same line's form comes back with the message.
        var none = await TestApp.PostFormAsync(client, page, new() { ["position"] = "1" }, page + "?handler=CodeLine");
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        var again = await none.Content.ReadAsStringAsync();
        Assert.Contains("Choose at least one theme.", again, StringComparison.Ordinal);
        Assert.Contains("id=\"code-line\"", again, StringComparison.Ordinal);

        var after = await client.GetStringAsync(page);
        Assert.Contains($"name=\"code\" value=\"{passage.Id}:{theme}\"", after, StringComparison.Ordinal);
        var removed = await TestApp.PostFormAsync(client, page, new() { ["code"] = $"{passage.Id}:{theme}" }, page + "?handler=Remove");
        Assert.Equal(HttpStatusCode.Redirect, removed.StatusCode);
        Assert.False(await App.WithDbAsync(db => db.Passages.AnyAsync(p => p.StoryId == storyId)));
    }

    [GeneratedRegex("type=\"checkbox\"")]
    private static partial Regex Checkbox();

    [GeneratedRegex("name=\"__RequestVerificationToken\"")]
    private static partial Regex Token();
}
