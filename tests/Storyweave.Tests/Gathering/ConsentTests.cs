using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.Gathering;

public sealed class ConsentPolicyRuleTests
{
    private static ConsentRecord Record(bool quotes = true, DateOnly? embargo = null, CreditStyle credit = CreditStyle.Named, string pseudonym = "") => new()
    {
        Recording = true,
        Analysis = true,
        Quotes = quotes,
        Clips = false,
        PublishStory = true,
        CreditInReports = credit,
        CreditInClips = CreditStyle.Anonymous,
        CreditOnPublicSite = CreditStyle.FirstNameOnly,
        Pseudonym = pseudonym,
        EmbargoUntil = embargo,
    };

    [Theory]
    [InlineData(CreditStyle.Named, "", "Jo Bloggs-Smith")]
    [InlineData(CreditStyle.FirstNameOnly, "", "Jo")]
    [InlineData(CreditStyle.Pseudonym, "River", "River")]
    [InlineData(CreditStyle.Pseudonym, "", "A storyteller")]
    [InlineData(CreditStyle.Anonymous, "River", "Anonymous storyteller")]
    public void Quotes_are_credited_as_the_storyteller_chose(CreditStyle credit, string pseudonym, string expected)
    {
        var decision = ConsentPolicy.Decide(Record(credit: credit, pseudonym: pseudonym), "Jo Bloggs-Smith", ConsentUse.Quotes, new DateOnly(2026, 1, 1));
        Assert.True(decision.Allowed);
        Assert.Equal(expected, decision.CreditName);
    }

    [Fact]
    public void No_record_means_no_use_at_all()
    {
        foreach (var use in Enum.GetValues<ConsentUse>())
            Assert.False(ConsentPolicy.Decide(null, "Jo", use, new DateOnly(2026, 1, 1)).Allowed);
    }

    [Theory]
    [InlineData(ConsentUse.Quotes, false)]
    [InlineData(ConsentUse.PublishStory, false)]
    [InlineData(ConsentUse.Analysis, true)]
    [InlineData(ConsentUse.Recording, true)]
    public void An_embargo_holds_back_outputs_but_not_analysis(ConsentUse use, bool allowedDuringEmbargo)
    {
        var record = Record(embargo: new DateOnly(2026, 6, 1));
        Assert.Equal(allowedDuringEmbargo, ConsentPolicy.Decide(record, "Jo", use, new DateOnly(2026, 5, 31)).Allowed);
        Assert.True(ConsentPolicy.Decide(record, "Jo", use, new DateOnly(2026, 6, 1)).Allowed);
    }

    [Fact]
    public void Each_output_uses_its_own_credit()
    {
        var record = Record();
        Assert.Equal(CreditStyle.FirstNameOnly, ConsentPolicy.Decide(record, "Jo Bloggs", ConsentUse.PublishStory, new DateOnly(2026, 1, 1)).Credit);
        Assert.False(ConsentPolicy.Decide(record, "Jo Bloggs", ConsentUse.Clips, new DateOnly(2026, 1, 1)).Allowed);
        Assert.Null(ConsentPolicy.Decide(record, "Jo Bloggs", ConsentUse.Analysis, new DateOnly(2026, 1, 1)).Credit);
    }
}

public sealed class ConsentTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task A_changed_consent_is_a_new_record_and_both_show_in_the_history()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var tellerId = await App.CreateStorytellerAsync(projectId, lead, "Morgan Teller", quotes: true);
        var api = await App.ApiClientAsync(lead);

        var change = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellerId}/consent", new
        {
            recording = true,
            analysis = true,
            quotes = false,
            clips = false,
            publishStory = false,
            creditInReports = "Pseudonym",
            creditInClips = "Anonymous",
            creditOnPublicSite = "Anonymous",
            pseudonym = "Wren",
            method = "RecordedVerbally",
            verbalAtSeconds = 65.0,
            embargoUntil = "2030-01-01",
            note = "Changed her mind about quotes.",
        });
        Assert.Equal(HttpStatusCode.Created, change.StatusCode);

        var history = (await api.GetFromJsonAsync<JsonArray>($"/api/projects/{projectId}/storytellers/{tellerId}/consent"))!;
        Assert.Equal(2, history.Count);
        Assert.False((bool)history[0]!["quotes"]!);
        Assert.True((bool)history[1]!["quotes"]!);
        Assert.Equal(65.0, (double)history[0]!["verbalAtSeconds"]!);

        Assert.False((await App.WithServiceAsync<ConsentPolicy, ConsentDecision>(p => p.DecideAsync(tellerId, ConsentUse.Quotes))).Allowed);

        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/storytellers/{tellerId}");
        Assert.Contains("Changed her mind about quotes.", page, StringComparison.Ordinal);
        Assert.Contains("Said out loud in the recording at 1:05", page, StringComparison.Ordinal);
        Assert.Contains("Lee Lead", page, StringComparison.Ordinal);
        Assert.Contains("Nothing shared before", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consent_records_cannot_be_edited_or_deleted()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var tellerId = await App.CreateStorytellerAsync(projectId, lead);
        var error = await App.WithDbAsync(async db =>
        {
            var record = await db.ConsentRecords.SingleAsync(c => c.StorytellerId == tellerId);
            record.Quotes = true;
            return await Record.ExceptionAsync(() => db.SaveChangesAsync());
        });
        Assert.Contains("append-only", Assert.IsType<InvalidOperationException>(error).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RecordedVerbally", null, null, "give the time in the recording")]
    [InlineData("PaperForm", null, null, "say where the scanned form is kept")]
    [InlineData("OnlineForm", null, "2099-01-01", "cannot be in the future")]
    public async Task Incomplete_consent_gets_a_specific_message(string method, double? at, string? givenOn, string expected)
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var tellerId = await App.CreateStorytellerAsync(projectId, lead);
        var response = await (await App.ApiClientAsync(lead)).PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellerId}/consent",
            new { recording = true, method, verbalAtSeconds = at, givenOn, creditInReports = "Named", creditInClips = "Named", creditOnPublicSite = "Named" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assisted_entry_is_recorded_as_such_with_who_entered_it()
    {
        var reporter = await App.CreateUserAsync(name: "Rae Reporter");
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        await App.AddMemberAsync(projectId, reporter, ProjectRole.CommunityReporter);
        var response = await (await App.ApiClientAsync(reporter)).PostAsJsonAsync($"/api/projects/{projectId}/storytellers", new
        {
            name = "Ola Phone",
            phone = "07700 900123",
            contactPreference = "Phone",
            selfDescription = "Told me on the phone: a dad of three.",
            recording = true,
            analysis = true,
            credit = "Anonymous",
            consentMethod = "RecordedVerbally",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var person = await App.WithDbAsync(db => db.Storytellers.SingleAsync(s => s.Id == id));
        Assert.Equal(EntryMethod.AssistedEntry, person.EntryMethod);
        Assert.Equal(reporter.Id, person.EnteredByUserId);
        var consent = await App.WithDbAsync(db => db.ConsentRecords.SingleAsync(c => c.StorytellerId == id));
        Assert.Equal(ConsentMethod.RecordedVerbally, consent.Method);
        Assert.Equal(reporter.Id, consent.TakenByUserId);
        var page = await (await App.SignInAsync(lead)).GetStringAsync($"/projects/{projectId}/storytellers/{id}");
        Assert.Contains("Added on their behalf by Rae Reporter", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Contact_details_are_shown_to_reporters_and_leads_but_not_to_viewers_or_analysts()
    {
        var lead = await App.CreateUserAsync();
        var viewer = await App.CreateUserAsync();
        var analyst = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        await App.AddMemberAsync(projectId, viewer, ProjectRole.Viewer);
        await App.AddMemberAsync(projectId, analyst, ProjectRole.Analyst);
        var tellerId = await App.CreateStorytellerAsync(projectId, lead, email: "private@example.org");

        var asLead = await (await App.ApiClientAsync(lead)).GetStringAsync($"/api/projects/{projectId}/storytellers/{tellerId}");
        Assert.Contains("private@example.org", asLead, StringComparison.Ordinal);
        foreach (var who in new[] { viewer, analyst })
        {
            var body = await (await App.ApiClientAsync(who)).GetStringAsync($"/api/projects/{projectId}/storytellers/{tellerId}");
            Assert.DoesNotContain("private@example.org", body, StringComparison.Ordinal);
            var page = await (await App.SignInAsync(who)).GetStringAsync($"/projects/{projectId}/storytellers/{tellerId}");
            Assert.DoesNotContain("private@example.org", page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Facets_sit_beside_the_self_description_without_changing_it()
    {
        var lead = await App.CreateUserAsync();
        var projectId = await App.CreateProjectAsync(lead);
        var tellerId = await App.CreateStorytellerAsync(projectId, lead, "Ash");
        var api = await App.ApiClientAsync(lead);
        var added = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellerId}/facets", new { kind = "AgeBand", value = "35–44", addToProjectList = true });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var facetId = (int)(await added.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var person = (await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/storytellers/{tellerId}"))!;
        Assert.Equal("Words of Ash", (string?)person["selfDescription"]);
        Assert.Equal("35–44", (string?)person["facets"]![0]!["value"]);
        Assert.True(await App.WithDbAsync(db => db.FacetChoices.AnyAsync(c => c.ProjectId == projectId && c.Value == "35–44")));

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/projects/{projectId}/storytellers/{tellerId}/facets/{facetId}")).StatusCode);
        Assert.Empty((JsonArray)(await api.GetFromJsonAsync<JsonObject>($"/api/projects/{projectId}/storytellers/{tellerId}"))!["facets"]!);

        var empty = await api.PostAsJsonAsync($"/api/projects/{projectId}/storytellers/{tellerId}/facets", new { kind = "Gender", value = " " });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, empty.StatusCode);
    }

    [Fact]
    public async Task A_withdrawn_storyteller_is_refused_every_use_even_where_an_old_consent_record_is_still_found()
    {
        var lead = await App.CreateUserAsync(name: "Lee Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var tellerId = await App.CreateStorytellerAsync(projectId, lead, "Robin Restored", quotes: true, clips: true, publish: true);
        Assert.True((await App.WithServiceAsync<ConsentPolicy, ConsentDecision>(p => p.DecideAsync(tellerId, ConsentUse.Clips))).Allowed);

        // As in a database restored from before the withdrawal: marked withdrawn, with the old consent record present.
        await App.WithDbAsync(db => db.Storytellers.Where(s => s.Id == tellerId)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.WithdrawnAt, DateTime.UtcNow)));
        foreach (var use in new[] { ConsentUse.Analysis, ConsentUse.Quotes, ConsentUse.Clips, ConsentUse.PublishStory })
        {
            var decision = await App.WithServiceAsync<ConsentPolicy, ConsentDecision>(p => p.DecideAsync(tellerId, use));
            Assert.False(decision.Allowed, use.ToString());
            Assert.Contains("withdrawn", decision.Reason, StringComparison.Ordinal);
        }
    }
}
