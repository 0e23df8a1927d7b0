using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Projects;

namespace Storyweave.Tests.Gathering;

/// <summary>
/// The team enters a storyteller's answers to the project's sign-up questions: a person whose story was copied from an
/// earlier project (who never saw these questions) gets answers, counted in the exports and findings; their own
/// words stay as they are; each change is in the event log; only reporters and leads may do it.
/// </summary>
public sealed class AnswersTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task A_reporter_enters_answers_for_a_storyteller_copied_from_an_earlier_project_and_they_count()
    {
        var lead = await App.CreateUserAsync();
        var api = await App.ApiClientAsync(lead);
        var earlier = await App.CreateProjectAsync(lead);
        var now = await App.CreateProjectAsync(lead);
        var callOut = await App.PublishCallOutAsync(now, lead);
        var question = callOut.Questions.OrderBy(q => q.Position).First();
        var options = question.Options.OrderBy(o => o.Position).ToList();

        var teller = await App.CreateStorytellerAsync(earlier, lead, "Frankie Earlier", quotes: true);
        await App.WithDbAsync(async db => { (await db.Storytellers.SingleAsync(s => s.Id == teller)).SelfDescription = "A stubborn optimist."; return await db.SaveChangesAsync(); });
        var storyId = await App.CreateStoryWithTranscriptAsync(earlier, lead, [teller], ("Frankie", "It started in a church hall."));
        var copy = await api.PostAsJsonAsync($"/api/projects/{now}/stories/copy", new { sourceProjectId = earlier, storyIds = new[] { storyId } });
        Assert.Equal(HttpStatusCode.OK, copy.StatusCode);
        var newStory = (int)(await copy.Content.ReadFromJsonAsync<JsonObject>())!["storyIds"]![0]!;
        var newTeller = (int)(await api.GetFromJsonAsync<JsonObject>($"/api/projects/{now}/stories/{newStory}"))!["storytellers"]![0]!["id"]!;

        var reporter = await App.CreateUserAsync(name: "Rene Reporter");
        await App.AddMemberAsync(now, reporter, ProjectRole.CommunityReporter);
        var pages = await App.SignInAsync(reporter);
        var detail = $"/projects/{now}/storytellers/{newTeller}";
        Assert.Contains("Enter their answers to the sign-up questions", await pages.GetStringAsync(detail));

        // On the page: tick two options and save.
        var form = $"{detail}/answers";
        var html = WebUtility.HtmlDecode(await pages.GetStringAsync(form));
        Assert.Contains(question.Text, html);
        var saved = await pages.PostAsync(form, new FormUrlEncodedContent(
        [
            new("__RequestVerificationToken", WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(await pages.GetStringAsync(form), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value)),
            new("options", options[0].Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("options", options[2].Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ]));
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var after = WebUtility.HtmlDecode(await pages.GetStringAsync(detail));
        Assert.Contains("Saved Frankie Earlier's answers.", after);
        Assert.Contains(options[0].Label, after);
        Assert.Contains("Change their answers to the sign-up questions", after);

        // Their own words are untouched; the change is logged, by the reporter, with no answer text.
        var person = await App.WithDbAsync(db => db.Storytellers.Include(s => s.Answers).AsNoTracking().SingleAsync(s => s.Id == newTeller));
        Assert.Equal("A stubborn optimist.", person.SelfDescription);
        Assert.Equal([options[0].Id, options[2].Id], person.Answers.Select(a => a.OptionId).Order());
        var logged = await App.WithDbAsync(db => db.Events.SingleAsync(e => e.ProjectId == now && e.Action == "storyteller.answers-changed"));
        Assert.Equal((reporter.Id, "added:2 removed:0"), (logged.ActorUserId, logged.Detail));

        // They count: the storytellers export shows the answers.
        var analyst = await App.CreateUserAsync();
        await App.AddMemberAsync(now, analyst, ProjectRole.Analyst);
        var analystApi = await App.ApiClientAsync(analyst);
        var csv = await analystApi.GetStringAsync($"/api/projects/{now}/exports/storytellers.csv");
        var rows = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = rows[0].Split(',').Select(h => h.Trim('"', '\uFEFF')).ToList();
        var cells = rows[1].Split(',');
        Assert.Equal("Yes", cells[header.IndexOf($"{question.Text}: {options[0].Label}")]);
        Assert.Equal("No", cells[header.IndexOf($"{question.Text}: {options[1].Label}")]);

        // Through the API: one removed; an option of another project refused with a reason; nothing half-changed.
        var reporterApi = await App.ApiClientAsync(reporter);
        var put = await reporterApi.PutAsJsonAsync($"/api/projects/{now}/storytellers/{newTeller}/answers", new { optionIds = new[] { options[0].Id } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(1, (int)(await put.Content.ReadFromJsonAsync<JsonObject>())!["removed"]!);
        var foreign = (await App.PublishCallOutAsync(earlier, lead)).Questions.First().Options.First().Id;
        var refused = await reporterApi.PutAsJsonAsync($"/api/projects/{now}/storytellers/{newTeller}/answers", new { optionIds = new[] { options[1].Id, foreign } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("is not part of this project's sign-up questions", await refused.Content.ReadAsStringAsync());
        Assert.Equal([options[0].Id], await App.WithDbAsync(db => db.StorytellerAnswers.Where(a => a.StorytellerId == newTeller).Select(a => a.OptionId).ToListAsync()));

        // Analysts and viewers may not; a storyteller of another project is not found.
        Assert.Equal(HttpStatusCode.Forbidden, (await analystApi.PutAsJsonAsync($"/api/projects/{now}/storytellers/{newTeller}/answers", new { optionIds = Array.Empty<int>() })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reporterApi.PutAsJsonAsync($"/api/projects/{now}/storytellers/{teller}/answers", new { optionIds = Array.Empty<int>() })).StatusCode);
    }
}
