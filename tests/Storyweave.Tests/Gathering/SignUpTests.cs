using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Consent;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Gathering;

public sealed class SignUpTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private async Task<(int ProjectId, string Slug, TestApp.TestUser Lead, Storyweave.Features.CallOut.CallOut CallOut)> OpenCallOutAsync()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var callOut = await App.PublishCallOutAsync(projectId, lead);
        var slug = await App.WithDbAsync(db => db.Projects.Where(p => p.Id == projectId).Select(p => p.Slug).SingleAsync());
        return (projectId, slug, lead, callOut);
    }

    private static Dictionary<string, string> Form(string name, string email, params (string Key, string Value)[] extra)
    {
        var form = new Dictionary<string, string>
        {
            ["Form.Name"] = name,
            ["Form.Email"] = email,
            ["Form.ContactPreference"] = "Email",
            ["Form.SelfDescription"] = "A carer, a gardener, and someone who has been through the system.",
            ["Form.AccessNeeds"] = "Step-free access please",
            ["Form.Recording"] = "true",
            ["Form.Analysis"] = "true",
            ["Form.Quotes"] = "true",
            ["Form.Credit"] = "FirstNameOnly",
        };
        foreach (var (k, v) in extra) form[k] = v;
        return form;
    }

    /// <summary>Posts a form with repeated "Form.Options" values.</summary>
    private static async Task<HttpResponseMessage> PostSignUpAsync(HttpClient client, string slug, Dictionary<string, string> fields, params int[] options)
    {
        var html = await client.GetStringAsync($"/join/{slug}");
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var pairs = fields.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value))
            .Concat(options.Select(o => new KeyValuePair<string, string>("Form.Options", o.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .Append(new("__RequestVerificationToken", WebUtility.HtmlDecode(token)));
        return await client.PostAsync($"/join/{slug}", new FormUrlEncodedContent(pairs));
    }

    [Fact]
    public async Task A_public_sign_up_keeps_the_answers_verbatim_and_records_online_consent()
    {
        var (projectId, slug, lead, callOut) = await OpenCallOutAsync();
        var research = callOut.Questions[0].Options.Single(o => o.Label == "Research").Id;
        var lived = callOut.Questions[1].Options.Single(o => o.Label == "A person with lived experience").Id;
        var client = App.AnonymousClient();

        var page = await client.GetStringAsync($"/join/{slug}");
        Assert.Contains("Is your experience of co-production about", page, StringComparison.Ordinal);
        Assert.Contains("Describe yourself in any way you choose.", page, StringComparison.Ordinal);

        var response = await PostSignUpAsync(client, slug, Form("Robin Example", "robin@example.org"), research, lived);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Thank you, Robin Example", html, StringComparison.Ordinal);
        Assert.Contains("What happens next", html, StringComparison.Ordinal);
        Assert.Contains("by email", html, StringComparison.Ordinal);

        var person = await App.WithDbAsync(db => db.Storytellers.Include(s => s.Answers).SingleAsync(s => s.ProjectId == projectId));
        Assert.Equal("A carer, a gardener, and someone who has been through the system.", person.SelfDescription);
        Assert.Equal(EntryMethod.SignUpForm, person.EntryMethod);
        Assert.Equal("Step-free access please", person.AccessNeeds);
        Assert.Equal([research, lived], person.Answers.Select(a => a.OptionId).Order());
        var consent = await App.WithDbAsync(db => db.ConsentRecords.SingleAsync(c => c.StorytellerId == person.Id));
        Assert.Equal(ConsentMethod.OnlineForm, consent.Method);
        Assert.True(consent.Recording && consent.Analysis && consent.Quotes);
        Assert.False(consent.Clips || consent.PublishStory);
        Assert.Null(consent.TakenByUserId);

        // The lead sees the sign-up in the registry.
        var registry = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/storytellers");
        Assert.Contains("Robin Example", registry, StringComparison.Ordinal);
        Assert.Contains("Research", registry, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_sign_up_with_the_same_email_is_merged_and_the_person_is_told()
    {
        var (projectId, slug, _, callOut) = await OpenCallOutAsync();
        var policy = callOut.Questions[0].Options.Single(o => o.Label == "Policy").Id;
        var services = callOut.Questions[0].Options.Single(o => o.Label == "Services").Id;
        var client = App.AnonymousClient();
        await PostSignUpAsync(client, slug, Form("Kim", "kim@example.org"), policy);
        var second = await PostSignUpAsync(client, slug, Form("Kim Again", " KIM@example.org ", ("Form.SelfDescription", "Also a volunteer.")), services);
        Assert.Contains("rather than adding you twice", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var people = await App.WithDbAsync(db => db.Storytellers.Include(s => s.Answers).Where(s => s.ProjectId == projectId).ToListAsync());
        var kim = Assert.Single(people);
        Assert.Equal(2, kim.SignUpCount);
        Assert.Equal("Kim Again", kim.Name);
        Assert.Contains("A carer, a gardener", kim.SelfDescription, StringComparison.Ordinal);
        Assert.Contains("Also a volunteer.", kim.SelfDescription, StringComparison.Ordinal);
        Assert.Equal([policy, services], kim.Answers.Select(a => a.OptionId).Order());
        Assert.Equal(2, await App.WithDbAsync(db => db.ConsentRecords.CountAsync(c => c.StorytellerId == kim.Id)));
    }

    [Fact]
    public async Task Missing_contact_details_get_specific_messages_and_nothing_is_stored()
    {
        var (projectId, slug, _, _) = await OpenCallOutAsync();
        var response = await PostSignUpAsync(App.AnonymousClient(), slug, Form("", "", ("Form.ContactPreference", "Phone"), ("Form.Credit", "Pseudonym")));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("There is a problem", html, StringComparison.Ordinal);
        Assert.Contains("Tell us your name", html, StringComparison.Ordinal);
        Assert.Contains("You chose to be contacted by phone: enter your phone number.", html, StringComparison.Ordinal);
        Assert.Contains("You chose a made-up name", html, StringComparison.Ordinal);
        // What was typed is kept in the form.
        Assert.Contains("Step-free access please", html, StringComparison.Ordinal);
        Assert.Equal(0, await App.WithDbAsync(db => db.Storytellers.CountAsync(s => s.ProjectId == projectId)));
    }

    [Fact]
    public async Task A_filled_honeypot_thanks_the_bot_and_stores_nothing()
    {
        var (projectId, slug, _, _) = await OpenCallOutAsync();
        var response = await PostSignUpAsync(App.AnonymousClient(), slug, Form("Bot", "bot@example.org", ("Website", "http://spam.example")));
        Assert.Contains("Thank you", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await App.WithDbAsync(db => db.Storytellers.CountAsync(s => s.ProjectId == projectId)));
    }

    [Fact]
    public async Task An_unpublished_call_out_is_not_reachable_and_a_closed_one_says_so()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var slug = await App.WithDbAsync(db => db.Projects.Where(p => p.Id == projectId).Select(p => p.Slug).SingleAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await App.AnonymousClient().GetAsync($"/join/{slug}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await App.AnonymousClient().GetAsync("/join/no-such-project")).StatusCode);

        await App.PublishCallOutAsync(projectId, lead, opensOn: new DateOnly(2020, 1, 1), closesOn: new DateOnly(2020, 2, 1));
        var closed = await App.AnonymousClient().GetStringAsync($"/join/{slug}");
        Assert.Contains("Sign-ups for this project closed on 1 February 2020", closed, StringComparison.Ordinal);
        Assert.DoesNotContain("<form method=\"post\" class=\"stack\" aria-labelledby", closed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_ups_beyond_the_per_address_limit_are_refused_with_a_plain_message()
    {
        await using var app = await TestApp.StartAsync(configure: o => o with { SignUpsPerHourPerAddress = 2 });
        var projectId = await app.CreateProjectAsync(app.Admin!);
        await app.PublishCallOutAsync(projectId, app.Admin!);
        var slug = await app.WithDbAsync(db => db.Projects.Where(p => p.Id == projectId).Select(p => p.Slug).SingleAsync());
        var client = app.AnonymousClient();
        Assert.Equal(HttpStatusCode.OK, (await PostSignUpAsync(client, slug, Form("One", "one@example.org"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostSignUpAsync(client, slug, Form("Two", "two@example.org"))).StatusCode);
        var third = await PostSignUpAsync(client, slug, Form("Three", "three@example.org"));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Contains("Too many sign-ups", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, await app.WithDbAsync(db => db.Storytellers.CountAsync(s => s.ProjectId == projectId)));
    }

    [Fact]
    public async Task The_call_out_api_saves_questions_and_will_not_drop_an_answer_people_ticked()
    {
        var (projectId, slug, lead, callOut) = await OpenCallOutAsync();
        var research = callOut.Questions[0].Options.Single(o => o.Label == "Research").Id;
        await PostSignUpAsync(App.AnonymousClient(), slug, Form("Ticker", "ticker@example.org"), research);
        var api = await App.ApiClientAsync(lead);

        var current = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/call-out"))!;
        Assert.Equal($"/join/{slug}", (string?)current["signUpUrl"]);
        var q0 = (int)current["questions"]![0]!["id"]!;
        var q1 = (int)current["questions"]![1]!["id"]!;

        var dropResearch = await api.PutAsJsonAsync($"/api/projects/{projectId}/call-out", new
        {
            isPublished = true,
            consentFormText = "Text",
            selfDescriptionQuestion = "Describe yourself.",
            questions = new object[] { new { id = q0, text = "Sector?", options = new[] { "Policy", "Services" } }, new { id = q1, text = "Role?", options = new[] { "A", "B" } } },
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, dropResearch.StatusCode);
        Assert.Contains("Research\\\" has already been ticked", await dropResearch.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var addOption = await api.PutAsJsonAsync($"/api/projects/{projectId}/call-out", new
        {
            isPublished = true,
            consentFormText = "Text",
            selfDescriptionQuestion = "Describe yourself.",
            questions = new object[] { new { id = q0, text = "Sector?", options = new[] { "Research", "Policy", "Services", "Communities" } } },
        });
        Assert.Equal(HttpStatusCode.OK, addOption.StatusCode);
        var saved = (await addOption.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Single((JsonArray)saved["questions"]!);
        Assert.Equal(4, ((JsonArray)saved["questions"]![0]!["options"]!).Count);
        Assert.Equal(research, (int)saved["questions"]![0]!["options"]![0]!["id"]!); // the ticked answer kept its id

        var viewerApi = await App.ApiClientAsync(await App.CreateUserAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.PutAsJsonAsync($"/api/projects/{projectId}/call-out", new { isPublished = false })).StatusCode);
    }

    [Fact]
    public async Task Opening_the_sign_up_page_needs_consent_text()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var response = await (await App.ApiClientAsync(lead)).PutAsJsonAsync($"/api/projects/{projectId}/call-out", new { isPublished = true, selfDescriptionQuestion = "Describe yourself." });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("consent form text", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
