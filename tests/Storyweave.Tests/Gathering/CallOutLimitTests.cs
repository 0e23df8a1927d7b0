using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.CallOut;

namespace Storyweave.Tests.Gathering;

/// <summary>
/// A lead's own limit on sign-ups per hour through one call-out, for everyone together: people behind a trusted
/// proxy (each with their own forwarded address, so the site's per-address limit is not what stops them) reach it,
/// the next is asked to wait (429 with Retry-After) or to ask the team, keeps what they typed, and other projects
/// are not affected.
/// </summary>
public sealed class CallOutLimitTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private static Dictionary<string, string> Form(string name, string selfDescription) => new()
    {
        ["Form.Name"] = name,
        ["Form.Email"] = "",
        ["Form.Phone"] = "07700 900000",
        ["Form.ContactPreference"] = "Phone",
        ["Form.SelfDescription"] = selfDescription,
        ["Form.Recording"] = "true",
        ["Form.Analysis"] = "true",
        ["Form.Credit"] = "FirstNameOnly",
    };

    /// <summary>Signs up as a visitor whose real address the (loopback, trusted) proxy forwards.</summary>
    private async Task<HttpResponseMessage> SignUpFromAsync(string forwardedFor, string slug, Dictionary<string, string> fields)
    {
        var client = App.AnonymousClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        var html = await client.GetStringAsync($"/join/{slug}");
        var token = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var pairs = fields.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value)).Append(new("__RequestVerificationToken", WebUtility.HtmlDecode(token)));
        return await client.PostAsync($"/join/{slug}", new FormUrlEncodedContent(pairs));
    }

    private async Task<(int ProjectId, string Slug, HttpClient Api)> OpenCallOutAsync(int? perHour)
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        await App.PublishCallOutAsync(projectId, lead);
        var slug = await App.WithDbAsync(db => db.Projects.Where(p => p.Id == projectId).Select(p => p.Slug).SingleAsync());
        var api = await App.ApiClientAsync(lead);
        var current = (await api.GetFromJsonAsync<CallOutEndpoints.CallOutDto>($"/api/projects/{projectId}/call-out"))!;
        Assert.Null(current.SignUpsPerHour);
        var saved = await api.PutAsJsonAsync($"/api/projects/{projectId}/call-out", new CallOutEndpoints.CallOutRequest(true, null, null, current.Introduction,
            current.WhatTakingPartInvolves, current.ThanksOffered, current.SelfDescriptionQuestion, current.ConsentFormText,
            current.Questions.Select(q => new CallOutEndpoints.QuestionRequest(q.Id, q.Text, q.HelpText, q.Options.Select(o => o.Label).ToList())).ToList(), perHour));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(perHour, (await saved.Content.ReadFromJsonAsync<CallOutEndpoints.CallOutDto>())!.SignUpsPerHour);
        return (projectId, slug, api);
    }

    [Fact]
    public async Task The_next_person_after_the_projects_limit_is_asked_to_wait_keeps_their_answers_and_other_projects_go_on()
    {
        var (projectId, slug, _) = await OpenCallOutAsync(perHour: 3);
        var (otherProjectId, otherSlug, _) = await OpenCallOutAsync(perHour: null);

        for (var i = 1; i <= 3; i++)
        {
            var ok = await SignUpFromAsync($"198.51.100.{i}", slug, Form($"Person {i}", "Someone with a story"));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Contains("What happens next", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var words = App.Unique("I grew up by the sea and I want to talk about the ward");
        var refused = await SignUpFromAsync("198.51.100.4", slug, Form("Fourth Person", words));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 3600);
        var html = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.Contains("This project has had as many sign-ups as it can take in an hour. Nothing has been saved yet.", html, StringComparison.Ordinal);
        Assert.Contains("or ask the project team to sign you up.", html, StringComparison.Ordinal);
        // The form is shown again with what they typed.
        Assert.Contains("value=\"Fourth Person\"", html, StringComparison.Ordinal);
        Assert.Contains(words, html, StringComparison.Ordinal);
        Assert.False(await App.WithDbAsync(db => db.Storytellers.AnyAsync(s => s.ProjectId == projectId && s.Name == "Fourth Person")));
        Assert.Equal(3, await App.WithDbAsync(db => db.Storytellers.CountAsync(s => s.ProjectId == projectId)));

        // A form with a mistake is not counted: the person is told what to fix, not asked to wait.
        var mistake = await SignUpFromAsync("198.51.100.5", slug, Form("", words));
        Assert.Equal(HttpStatusCode.OK, mistake.StatusCode);

        // Another project's call-out is not affected, from the same address.
        var elsewhere = await SignUpFromAsync("198.51.100.4", otherSlug, Form("Fourth Person", words));
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
        Assert.True(await App.WithDbAsync(db => db.Storytellers.AnyAsync(s => s.ProjectId == otherProjectId && s.Name == "Fourth Person")));
    }

    [Fact]
    public async Task A_lead_sets_the_limit_on_the_call_out_page_and_a_wrong_number_is_explained()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        await App.PublishCallOutAsync(projectId, lead);
        var client = await App.SignInAsync(lead);
        var page = $"/projects/{projectId}/call-out";
        var form = await client.GetStringAsync(page);
        Assert.Contains("At most this many sign-ups per hour for this call-out", form, StringComparison.Ordinal);

        var fields = new Dictionary<string, string>
        {
            ["Form.IsPublished"] = "true",
            ["Form.SelfDescriptionQuestion"] = CallOut.DefaultSelfDescriptionQuestion,
            ["Form.ConsentFormText"] = "You choose how your story is used.",
            ["Form.SignUpsPerHour"] = "twenty",
        };
        var wrong = await TestApp.PostFormAsync(client, page, fields, page + "?handler=Save");
        Assert.Contains("Write the sign-ups per hour as a whole number from 1 to 10000", WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Contains("value=\"twenty\"", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        fields["Form.SignUpsPerHour"] = "0";
        var zero = await TestApp.PostFormAsync(client, page, fields, page + "?handler=Save");
        Assert.Contains("Sign-ups per hour must be a whole number from 1 to 10000", WebUtility.HtmlDecode(await zero.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        fields["Form.SignUpsPerHour"] = "25";
        var saved = await TestApp.PostFormAsync(client, page, fields, page + "?handler=Save");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal(25, await App.WithDbAsync(db => db.CallOuts.Where(c => c.ProjectId == projectId).Select(c => c.SignUpsPerHour).SingleAsync()));
        Assert.Contains("value=\"25\"", await client.GetStringAsync(page), StringComparison.Ordinal);
    }
}
