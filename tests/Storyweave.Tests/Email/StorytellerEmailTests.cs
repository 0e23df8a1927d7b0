using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Storyweave.Features.Projects;
using Storyweave.Features.StorytellerPortal;

namespace Storyweave.Tests.Email;

/// <summary>
/// Emails to storytellers, delivered by a real SMTP server: the confirmation after a public sign-up (with none of
/// their answers), and their personal link sent by a lead (address, QR code and code; same rules as the handout).
/// </summary>
public sealed class StorytellerEmailTests(EmailFixture fixture) : IClassFixture<EmailFixture>
{
    private TestApp App => fixture.App;
    private SmtpTestServer Smtp => fixture.Smtp;

    private static async Task<HttpResponseMessage> PostSignUpAsync(HttpClient client, string slug, Dictionary<string, string> fields, params int[] options)
    {
        var html = await client.GetStringAsync($"/join/{slug}");
        var token = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var pairs = fields.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value))
            .Concat(options.Select(o => new KeyValuePair<string, string>("Form.Options", o.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .Append(new("__RequestVerificationToken", WebUtility.HtmlDecode(token)));
        return await client.PostAsync($"/join/{slug}", new FormUrlEncodedContent(pairs));
    }

    [Fact]
    public async Task A_sign_up_with_an_email_address_gets_one_confirmation_with_none_of_the_answers_and_one_without_gets_none()
    {
        var lead = await App.CreateUserAsync(name: "Priya Lead");
        var projectId = await App.CreateProjectAsync(lead, App.Unique("Recovery voices"));
        var callOut = await App.PublishCallOutAsync(projectId, lead);
        var row = await App.WithDbAsync(db => db.Projects.Where(p => p.Id == projectId).Select(p => new { p.Slug, p.Name }).SingleAsync());
        var (slug, project) = (row.Slug, row.Name);
        var lived = callOut.Questions[1].Options.Single(o => o.Label == "A person with lived experience").Id;
        var selfDescription = App.Unique("Survivor of the psychiatric ward and a keen cyclist");
        var accessNeeds = App.Unique("I need a hearing loop");

        // Without an email address: the thank-you page, and no email and no error.
        var noEmailName = App.Unique("Noor Phone");
        var noEmail = await PostSignUpAsync(App.AnonymousClient(), slug, new()
        {
            ["Form.Name"] = noEmailName,
            ["Form.Email"] = "",
            ["Form.Phone"] = "07700 900123",
            ["Form.ContactPreference"] = "Phone",
            ["Form.SelfDescription"] = "Someone with a story",
            ["Form.Recording"] = "true",
            ["Form.Analysis"] = "true",
            ["Form.Credit"] = "FirstNameOnly",
        });
        Assert.Equal(HttpStatusCode.OK, noEmail.StatusCode);
        Assert.Contains("What happens next", await noEmail.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var email = App.Unique("sam") + "@example.org";
        var signedUp = await PostSignUpAsync(App.AnonymousClient(), slug, new()
        {
            ["Form.Name"] = "Sam Signup",
            ["Form.Email"] = email,
            ["Form.Phone"] = "07700 900456",
            ["Form.ContactPreference"] = "Email",
            ["Form.SelfDescription"] = selfDescription,
            ["Form.AccessNeeds"] = accessNeeds,
            ["Form.Recording"] = "true",
            ["Form.Analysis"] = "true",
            ["Form.Quotes"] = "true",
            ["Form.Credit"] = "FirstNameOnly",
        }, lived);
        Assert.Equal(HttpStatusCode.OK, signedUp.StatusCode);

        var message = await Smtp.WaitForAsync(email, "Thank you for signing up");
        Assert.Equal($"Thank you for signing up: {project}", message.Subject);
        Assert.Equal("Sam Signup", message.To.Mailboxes.Single().Name);
        var text = message.TextBody ?? "";
        var html = WebUtility.HtmlDecode(message.HtmlBody ?? "");
        foreach (var body in new[] { text, html })
        {
            Assert.Contains("Hello Sam Signup", body, StringComparison.Ordinal);
            Assert.Contains($"share your story with {project}", body, StringComparison.Ordinal);
            Assert.Contains("will get in touch by email to arrange a time to talk", body, StringComparison.Ordinal);
            Assert.Contains("You can change your mind about how your story is used, or stop taking part, at any time", body, StringComparison.Ordinal);
            Assert.Contains($"Priya Lead ({lead.Email})", body, StringComparison.Ordinal);
            // None of their answers: not their own words, access needs, phone, ticked answers or consent choices.
            Assert.DoesNotContain(selfDescription, body, StringComparison.Ordinal);
            Assert.DoesNotContain(accessNeeds, body, StringComparison.Ordinal);
            Assert.DoesNotContain("900456", body, StringComparison.Ordinal);
            Assert.DoesNotContain("lived experience", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("First name", body, StringComparison.OrdinalIgnoreCase);
        }

        // Exactly one, and nothing at all for the person without an address (their sign-up was sent first, so any
        // message for them would have been sent before this one).
        await Task.Delay(500);
        Assert.Single(Smtp.Messages(), m => m.To.Mailboxes.Any(a => a.Address == email));
        Assert.DoesNotContain(Smtp.Messages(), m => m.To.Mailboxes.Any(a => a.Name == noEmailName));
        Assert.False(await App.WithDbAsync(db => db.OutboxMessages.AnyAsync(m => m.ToName == noEmailName)));
    }

    private static string CodeIn(MimeMessage message) => Regex.Match(message.TextBody ?? "", @"Type your code: (\d{3} \d{3})").Groups[1].Value;

    [Fact]
    public async Task A_lead_emails_the_link_whose_code_opens_the_page_until_it_is_turned_off_and_a_reporter_may_not()
    {
        var lead = await App.CreateUserAsync(name: "Lena Lead");
        var projectId = await App.CreateProjectAsync(lead, App.Unique("Paper and phones"));
        var email = App.Unique("wren") + "@example.org";
        var tellerId = await App.CreateStorytellerAsync(projectId, lead, "Wren Mailed", email: email);
        var noAddressId = await App.CreateStorytellerAsync(projectId, lead, "Ash Offline");
        var leadClient = await App.SignInAsync(lead);
        var page = $"/projects/{projectId}/storytellers/{tellerId}/link";

        Assert.Contains("Send their link by email", await leadClient.GetStringAsync(page), StringComparison.Ordinal);
        Assert.DoesNotContain("Send their link by email", await leadClient.GetStringAsync($"/projects/{projectId}/storytellers/{noAddressId}/link"), StringComparison.Ordinal);

        var sent = await TestApp.PostFormAsync(leadClient, page, new() { ["days"] = "30" }, page + "?handler=Email");
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Contains($"We have emailed a new link to Wren Mailed ({email})", WebUtility.HtmlDecode(await sent.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        var message = await Smtp.WaitForAsync(email, "Your own page about your story");
        var path = SmtpTestServer.LinkPath(message);
        Assert.Matches("^/me/[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$", path);
        var code = CodeIn(message);
        Assert.Matches(@"^\d{3} \d{3}$", code);
        Assert.Contains("The link works until", message.TextBody, StringComparison.Ordinal);
        // The QR code is a picture inside the message (cid:), of exactly the emailed address.
        var cid = Regex.Match(message.HtmlBody ?? "", "<img src=\"cid:([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(cid);
        var picture = message.BodyParts.OfType<MimePart>().Single(p => p.ContentId == cid);
        Assert.Equal("image/png", picture.ContentType.MimeType);
        using (var bytes = new MemoryStream())
        {
            await picture.Content!.DecodeToAsync(bytes);
            Assert.Equal(LinksModel.QrPng(SmtpTestServer.SiteUrl.TrimEnd('/') + path), bytes.ToArray());
        }

        // The emailed code opens the storyteller's own page.
        var token = path["/me/".Length..];
        var phone = await App.OpenStorytellerPageAsync(new TestApp.StorytellerLinkDto(path, token, code, ""));
        Assert.Contains("Hello, Wren Mailed", WebUtility.HtmlDecode(await phone.GetStringAsync("/me")), StringComparison.Ordinal);

        // Logged in the project's event log, without the code or the address.
        var logged = await App.WithDbAsync(db => db.Events.Where(e => e.ProjectId == projectId && e.Action == "storyteller-link.emailed").ToListAsync());
        var row = Assert.Single(logged);
        Assert.Equal(lead.Id, row.ActorUserId);
        Assert.DoesNotContain(code.Replace(" ", "", StringComparison.Ordinal), row.Detail ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain(email, row.Detail ?? "", StringComparison.Ordinal);
        var link = await App.WithDbAsync(db => db.StorytellerLinks.Where(l => l.StorytellerId == tellerId && l.RevokedAt == null).SingleAsync());
        Assert.InRange((link.ExpiresAt - link.CreatedAt).TotalDays, 29.9, 30.1);

        // Turned off, the emailed code no longer opens the page.
        var revoked = await TestApp.PostFormAsync(leadClient, page, new() { ["linkId"] = link.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, page + "?handler=Revoke");
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await App.AnonymousClient().GetAsync(path)).StatusCode);
        // Even the right code does not open it (the form is not shown, so post to it directly).
        var fresh = App.AnonymousClient();
        var antiforgery = Regex.Match(await fresh.GetStringAsync("/account/sign-in"), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var typed = await fresh.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = code, ["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery) }));
        Assert.Equal(HttpStatusCode.Gone, typed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fresh.GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/me")).StatusCode);

        // The API: a lead may send (a new link, the older one off), a Community Reporter gets 403 and a storyteller
        // without an address a plain reason.
        var api = await App.ApiClientAsync(lead);
        var byApi = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellerId}/link/email", new { days = 7 });
        Assert.Equal(HttpStatusCode.OK, byApi.StatusCode);
        var second = await Smtp.WaitForAsync(email, "Your own page about your story", count: 2);
        Assert.NotEqual(path, SmtpTestServer.LinkPath(second));
        var none = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{noAddressId}/link/email", new { });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, none.StatusCode);
        Assert.Contains("Ash Offline has no email address", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var reporter = await App.CreateUserAsync(name: "Rory Reporter");
        await App.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        var reporterApi = await App.ApiClientAsync(reporter);
        Assert.Equal(HttpStatusCode.Forbidden, (await reporterApi.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellerId}/link/email", new { })).StatusCode);
        var reporterClient = await App.SignInAsync(reporter);
        Assert.DoesNotContain("Send their link by email", await reporterClient.GetStringAsync(page), StringComparison.Ordinal);
        var reporterPage = await TestApp.PostFormAsync(reporterClient, page, [], page + "?handler=Email");
        Assert.Equal(HttpStatusCode.Redirect, reporterPage.StatusCode);
        Assert.Contains("/account/denied", reporterPage.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(2, await App.WithDbAsync(db => db.Events.CountAsync(e => e.ProjectId == projectId && e.Action == "storyteller-link.emailed")));
    }
}
