using System.IO.Compression;
using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Storyweave.Features.Audit;
using Storyweave.Features.Clips;
using Storyweave.Features.Consent;
using Storyweave.Features.Media;
using Storyweave.Features.Projects;
using Storyweave.Features.Reports;
using Storyweave.Features.StorytellerPortal;
using Storyweave.Features.Storytellers;

namespace Storyweave.Tests.StorytellerPortal;

/// <summary>A storyteller's own page: personal links, the short code, their page, choices, download, corrections.</summary>
public sealed class StorytellerPortalTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    private sealed record Setup(TestApp.TestUser Lead, HttpClient LeadClient, int ProjectId, int StorytellerId, int StoryId, string OwnWords);

    /// <summary>A project with one storyteller who told a story alone (recorded verbally, agreed to recording and analysis).</summary>
    private async Task<Setup> SetupAsync(string name = "Ada Quill", bool quotesAndClips = false)
    {
        var lead = await App.CreateUserAsync(name: "Lena Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var tellerId = await App.CreateStorytellerAsync(projectId, lead, name, quotes: quotesAndClips, clips: quotesAndClips);
        var words = App.Unique("The allotment kept me going ");
        var storyId = await App.CreateStoryWithTranscriptAsync(projectId, lead, [tellerId], ("Reporter", "What kept you going?"), (name.Split(' ')[0], words));
        return new Setup(lead, await App.SignInAsync(lead), projectId, tellerId, storyId, words);
    }

    private static Task<HttpResponseMessage> TypeCodeAsync(HttpClient client, TestApp.StorytellerLinkDto link, string code) =>
        TestApp.PostFormAsync(client, link.Path, new() { ["code"] = code });

    private static string WrongCode(string code) => code == "000 000" ? "111 111" : "000 000";

    /// <summary>
    /// The address is typed from a paper handout or read aloud: small letters, no dashes, spaces, O for 0 and
    /// I or L for 1 all open the same page; the handout carries a QR code of exactly that address; a link made
    /// before the short form (43 mixed-case characters) still opens.
    /// </summary>
    [Fact]
    public async Task The_short_address_forgives_how_it_is_typed_the_handout_has_its_QR_code_and_older_links_still_open()
    {
        var s = await SetupAsync("Wren Paper");
        var link = await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, s.StorytellerId);
        var plain = link.Token.Replace("-", "", StringComparison.Ordinal);
        var typed = new[]
        {
            link.Token.ToLowerInvariant(),
            plain,
            string.Join(' ', link.Token.Split('-')).Replace(" ", "%20", StringComparison.Ordinal),
            link.Token.Replace('0', 'O').Replace('1', 'l'),
            link.Token.Replace('1', 'I').ToLowerInvariant(),
        };
        foreach (var token in typed)
        {
            var response = await App.AnonymousClient().GetAsync("/me/" + token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/me/{token} answered {(int)response.StatusCode}");
        }
        var phone = await App.OpenStorytellerPageAsync(link with { Path = "/me/" + plain.ToLowerInvariant() });
        Assert.Contains("Hello, Wren Paper", WebUtility.HtmlDecode(await phone.GetStringAsync("/me")));
        // One character wrong is another (unknown) address.
        var wrong = plain[..^1] + (plain[^1] == 'Z' ? 'Y' : 'Z');
        Assert.Equal(HttpStatusCode.NotFound, (await App.AnonymousClient().GetAsync("/me/" + wrong)).StatusCode);

        // The handout's QR code is the full address, made by the same encoder (so a phone camera opens exactly it).
        var address = System.Text.RegularExpressions.Regex.Match(link.Html, "class=\"secret handout-address\">([^<]+)<").Groups[1].Value;
        var qr = System.Text.RegularExpressions.Regex.Match(link.Html, "<img class=\"handout-qr\" src=\"data:image/png;base64,([^\"]+)\"");
        Assert.True(qr.Success, "The handout has no QR code.");
        Assert.Equal(Storyweave.Features.StorytellerPortal.LinksModel.QrPng(WebUtility.HtmlDecode(address)), Convert.FromBase64String(WebUtility.HtmlDecode(qr.Groups[1].Value)));
        Assert.Contains("Capital or small letters both work", link.Html);

        // A link made before the short form: its long token is hashed exactly as typed, and still opens.
        var legacy = "Ab0_-" + new string('x', 38);
        await App.WithDbAsync(async db =>
        {
            db.StorytellerLinks.Add(new StorytellerLink
            {
                ProjectId = s.ProjectId,
                StorytellerId = s.StorytellerId,
                TokenHash = Storyweave.Features.Accounts.ApiToken.Hash(legacy),
                CodeHash = StorytellerLinkService.CodeHash(legacy, "246810"),
                CreatedAt = DateTime.UtcNow,
                ExpiresAt = DateTime.UtcNow.AddDays(1),
            });
            return await db.SaveChangesAsync();
        });
        var old = await App.OpenStorytellerPageAsync(new TestApp.StorytellerLinkDto("/me/" + legacy, legacy, "246 810", ""));
        Assert.Contains("Hello, Wren Paper", WebUtility.HtmlDecode(await old.GetStringAsync("/me")));
    }

    [Fact]
    public async Task A_reporter_makes_a_link_and_the_storyteller_opens_it_with_the_code()
    {
        var s = await SetupAsync();
        var reporter = await App.CreateUserAsync(name: "Rory Reporter");
        await App.AddMemberAsync(s.ProjectId, reporter, ProjectRole.CommunityReporter);
        var reporterClient = await App.SignInAsync(reporter);

        // The detail page leads to the link page; the link page shows the address and code once.
        Assert.Contains($"/projects/{s.ProjectId}/storytellers/{s.StorytellerId}/link", await reporterClient.GetStringAsync($"/projects/{s.ProjectId}/storytellers/{s.StorytellerId}"));
        var link = await TestApp.CreateStorytellerLinkAsync(reporterClient, s.ProjectId, s.StorytellerId);
        // A short token to type from paper: four groups of four, no letters that look like others (I, L, O, U).
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$", link.Token);
        Assert.Contains("Storyweave cannot send emails", link.Html);
        Assert.Contains("Text to copy into an email", link.Html);

        // Only hashes are kept, and the default lifetime is 90 days.
        var row = await App.WithDbAsync(db => db.StorytellerLinks.SingleAsync(l => l.StorytellerId == s.StorytellerId));
        Assert.DoesNotContain(link.Token, row.TokenHash + row.CodeHash, StringComparison.Ordinal);
        Assert.DoesNotContain(link.Code.Replace(" ", "", StringComparison.Ordinal), row.TokenHash + row.CodeHash, StringComparison.Ordinal);
        Assert.Equal(reporter.Id, row.CreatedByUserId);
        Assert.InRange((row.ExpiresAt - row.CreatedAt).TotalDays, 89.9, 90.1);
        // The page shown once is not cached, and a second look does not show the code again.
        var again = await reporterClient.GetStringAsync($"/projects/{s.ProjectId}/storytellers/{s.StorytellerId}/link");
        Assert.DoesNotContain(link.Code, again, StringComparison.Ordinal);
        Assert.Contains("Works", again, StringComparison.Ordinal);

        var phone = App.AnonymousClient();
        var open = await phone.GetAsync(link.Path);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Contains("Type your 6-number code", await open.Content.ReadAsStringAsync());
        Assert.Equal("no-referrer", open.Headers.GetValues("Referrer-Policy").Single());

        var wrong = await TypeCodeAsync(phone, link, WrongCode(link.Code));
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("That code is not right. Please check it and try again. You can try 4 more times.", await wrong.Content.ReadAsStringAsync());
        var letters = await TypeCodeAsync(phone, link, "abc def");
        Assert.Contains("The code is 6 numbers, with no letters", await letters.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/me")).StatusCode);

        var right = await TypeCodeAsync(phone, link, link.Code.Replace(" ", "-", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("/me", right.Headers.Location!.OriginalString);
        var cookie = right.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("storyweave.me=", StringComparison.Ordinal));
        Assert.Contains("path=/me", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);

        var page = await phone.GetAsync("/me");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Contains("Hello, Ada Quill", html);
        Assert.Contains(s.OwnWords.Trim(), html);
        Assert.Contains("What kept you going?", html); // their own interview: the reporter's question is part of it
        Assert.Contains("Your words are not in any report.", html);
        Assert.Contains("Keep the recording of you talking", html);
        // Every form on the page carries its own form-safety token (a form without one fails in a browser).
        Assert.Equal(System.Text.RegularExpressions.Regex.Count(html, "<form "), System.Text.RegularExpressions.Regex.Count(html, "name=\"__RequestVerificationToken\""));
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Count(html, "<form ")); // leave, choices, stop all use, correction

        // The visit and the opening are logged, by link id, with no user.
        var log = await App.WithDbAsync(db => db.AccessLog.Where(a => a.ProjectId == s.ProjectId).ToListAsync());
        var viewed = Assert.Single(log, a => a.Action == "viewed" && a.UserId == null);
        Assert.Null(viewed.UserId);
        Assert.Equal($"storyteller-link:{row.Id}", viewed.Actor);
        Assert.Equal(("storyteller", s.StorytellerId.ToString(System.Globalization.CultureInfo.InvariantCulture)), (viewed.TargetType, viewed.TargetId));
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == s.ProjectId && e.Action == "storyteller-link.opened" && e.ActorUserId == $"storyteller-link:{row.Id}")));
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == s.ProjectId && e.Action == "storyteller-link.created" && e.ActorUserId == reporter.Id)));

        // Leaving ends the session.
        var left = await TestApp.PostFormAsync(phone, "/me", [], "/me?handler=SignOut");
        Assert.Equal("/me/left", left.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/me/left")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task An_unknown_address_is_not_found()
    {
        var client = App.AnonymousClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/me/" + StorytellerLinkService.NewToken())).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/me/" + new string('x', 300))).StatusCode);
    }

    [Fact]
    public async Task A_revoked_link_is_refused_kindly_and_ends_an_open_session()
    {
        var s = await SetupAsync();
        var link = await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, s.StorytellerId);
        var (phone, _) = await App.OpenStorytellerSessionAsync(link);
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/me")).StatusCode);

        var linkId = await App.WithDbAsync(db => db.StorytellerLinks.Where(l => l.StorytellerId == s.StorytellerId).Select(l => l.Id).SingleAsync());
        var page = $"/projects/{s.ProjectId}/storytellers/{s.StorytellerId}/link";
        var revoked = await TestApp.PostFormAsync(s.LeadClient, page, new() { ["linkId"] = linkId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, page + "?handler=Revoke");
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        Assert.Contains("Turned off", await s.LeadClient.GetStringAsync(page));

        // The open session ends on its next request, with a plain explanation.
        var after = await phone.GetAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("Please open your link again", await after.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/me/download")).StatusCode);

        var fresh = App.AnonymousClient();
        var open = await fresh.GetAsync(link.Path);
        Assert.Equal(HttpStatusCode.Gone, open.StatusCode);
        Assert.Contains("This link has been turned off", await open.Content.ReadAsStringAsync());
        // Even the right code does not open a revoked link. (The form is not shown, so post to it directly.)
        var antiforgery = await GetAntiforgeryAsync(fresh);
        var typed = await fresh.PostAsync(link.Path, new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = link.Code, ["__RequestVerificationToken"] = antiforgery }));
        Assert.Equal(HttpStatusCode.Gone, typed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fresh.GetAsync("/me")).StatusCode);

        // A new link works, and making it turned off nothing else that still worked.
        var second = await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, s.StorytellerId, days: 7);
        var client = await App.OpenStorytellerPageAsync(second);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task An_expired_link_is_refused_kindly()
    {
        var s = await SetupAsync();
        var link = await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, s.StorytellerId, days: 1);
        var row = await App.WithDbAsync(db => db.StorytellerLinks.SingleAsync(l => l.StorytellerId == s.StorytellerId));
        Assert.InRange((row.ExpiresAt - row.CreatedAt).TotalHours, 23.9, 24.1);
        var (phone, _) = await App.OpenStorytellerSessionAsync(link);

        await App.WithDbAsync(db => db.StorytellerLinks.Where(l => l.Id == row.Id).ExecuteUpdateAsync(u => u.SetProperty(l => l.ExpiresAt, DateTime.UtcNow.AddMinutes(-1))));

        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/me")).StatusCode);
        var open = await App.AnonymousClient().GetAsync(link.Path);
        Assert.Equal(HttpStatusCode.Gone, open.StatusCode);
        Assert.Contains("This link has run out", await open.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_link_lifetime_outside_the_allowed_range_is_refused_with_a_clear_message()
    {
        var s = await SetupAsync();
        var page = $"/projects/{s.ProjectId}/storytellers/{s.StorytellerId}/link";
        foreach (var days in new[] { "0", "400", "ten" })
        {
            var response = await TestApp.PostFormAsync(s.LeadClient, page, new() { ["days"] = days }, page + "?handler=Create");
            var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
            Assert.Contains("from 1 to 365", html);
            Assert.DoesNotContain("handout-code", html);
        }
        Assert.False(await App.WithDbAsync(db => db.StorytellerLinks.AnyAsync(l => l.StorytellerId == s.StorytellerId)));
    }

    [Fact]
    public async Task Five_wrong_codes_lock_the_link_until_a_new_one_is_made()
    {
        var s = await SetupAsync();
        var link = await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, s.StorytellerId);
        var phone = App.AnonymousClient();
        for (var i = 1; i <= 4; i++)
        {
            var wrong = await TypeCodeAsync(phone, link, WrongCode(link.Code));
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains(i == 4 ? "You can try 1 more time." : $"You can try {5 - i} more times.", await wrong.Content.ReadAsStringAsync());
        }
        var fifth = await TypeCodeAsync(phone, link, WrongCode(link.Code));
        Assert.Equal(HttpStatusCode.Gone, fifth.StatusCode);
        Assert.Contains("This link is locked", await fifth.Content.ReadAsStringAsync());

        // Now even the right code is refused.
        var open = await phone.GetAsync(link.Path);
        Assert.Equal(HttpStatusCode.Gone, open.StatusCode);
        var antiforgery = await GetAntiforgeryAsync(phone);
        var right = await phone.PostAsync(link.Path, new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = link.Code, ["__RequestVerificationToken"] = antiforgery }));
        Assert.Equal(HttpStatusCode.Gone, right.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/me")).StatusCode);

        Assert.Contains("Locked after 5 wrong codes", await s.LeadClient.GetStringAsync($"/projects/{s.ProjectId}/storytellers/{s.StorytellerId}/link"));
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == s.ProjectId && e.Action == "storyteller-link.locked")));

        var second = await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, s.StorytellerId);
        var client = await App.OpenStorytellerPageAsync(second);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task Typing_codes_is_rate_limited_per_address()
    {
        await using var app = await TestApp.StartAsync(configure: o => o with { CodeAttemptsPerMinute = 3 });
        var lead = await app.CreateUserAsync(name: "Lena Lead");
        var projectId = await app.CreateProjectAsync(lead);
        var tellerId = await app.CreateStorytellerAsync(projectId, lead, "Ada Quill");
        var link = await TestApp.CreateStorytellerLinkAsync(await app.SignInAsync(lead), projectId, tellerId);
        // The window may turn over once meanwhile, so one of the first four may pass that would otherwise not.
        var phone = app.AnonymousClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++) statuses.Add((await TypeCodeAsync(phone, link, WrongCode(link.Code))).StatusCode);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var limited = await TypeCodeAsync(phone, link, link.Code);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Contains("Too many codes were tried from this device", await limited.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_download_holds_everything_about_the_person_and_nothing_about_anyone_else()
    {
        var lead = await App.CreateUserAsync(name: "Lena Lead");
        var projectId = await App.CreateProjectAsync(lead);
        var callOut = await App.PublishCallOutAsync(projectId, lead);
        var options = callOut.Questions.SelectMany(q => q.Options).OrderBy(o => o.Id).ToList();
        var ada = await App.CreateStorytellerAsync(projectId, lead, "Ada Quill", optionIds: [options[0].Id], email: "ada.quill@example.org");
        var bert = await App.CreateStorytellerAsync(projectId, lead, "Bertrand Zephyrine", optionIds: [options[^1].Id], email: "bertrand.zephyrine@example.org");
        await App.WithDbAsync(async db =>
        {
            db.StorytellerFacets.Add(new StorytellerFacet { StorytellerId = ada, Kind = FacetKind.AgeBand, Value = "Adafacet 50-59", AddedAt = DateTime.UtcNow });
            db.StorytellerFacets.Add(new StorytellerFacet { StorytellerId = bert, Kind = FacetKind.AgeBand, Value = "Bertfacet quokkaband", AddedAt = DateTime.UtcNow });
            db.CorrectionRequests.Add(new CorrectionRequest { ProjectId = projectId, StorytellerId = bert, Text = "Bertcorrection marmalade", CreatedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });

        // A group story (Ada, Bertrand and the reporter), Ada's story alone, and Bertrand's alone.
        var group = await App.CreateStoryWithTranscriptAsync(projectId, lead, [ada, bert],
            ("Reporter", "Groupquestion periwinkle"), ("Ada", "Adagroupwords lighthouse"), ("Bertrand", "Bertgroupwords xylophonequartz"));
        var adaAlone = await App.CreateStoryWithTranscriptAsync(projectId, lead, [ada], ("Reporter", "Adaquestion harbour"), ("Ada", "Adasolowords --> <b>seashell</b> & co"));
        var bertAlone = await App.CreateStoryWithTranscriptAsync(projectId, lead, [bert], ("Bertrand", "Bertsolowords zanzibarite"));
        var adaRecording = "ADA-ONLY-RECORDING " + Guid.NewGuid();
        await AddRecordingAsync(projectId, adaAlone, adaRecording);
        await AddRecordingAsync(projectId, group, "GROUP-RECORDING-xylophonequartz");
        await AddRecordingAsync(projectId, bertAlone, "BERT-RECORDING-zanzibarite");

        var leadClient = await App.SignInAsync(lead);
        var client = await App.OpenStorytellerPageAsync(await TestApp.CreateStorytellerLinkAsync(leadClient, projectId, ada));
        await client.GetStringAsync("/me");
        var response = await client.GetAsync("/me/download");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("my-story-", response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        using var zip = new ZipArchive(new MemoryStream(bytes));
        var entries = new Dictionary<string, byte[]>();
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            entries[entry.FullName] = copy.ToArray();
        }
        Assert.Equal(
            ["README.txt", "about-you.json", "recordings/story-2-recording-1.m4a", "transcripts/story-1.srt", "transcripts/story-1.txt", "transcripts/story-1.vtt", "transcripts/story-2.srt", "transcripts/story-2.txt", "transcripts/story-2.vtt"],
            entries.Keys.Order(StringComparer.Ordinal));
        var text = string.Join("\n", entries.Where(e => !e.Key.StartsWith("recordings/", StringComparison.Ordinal)).Select(e => Encoding.UTF8.GetString(e.Value)));
        var json = System.Text.Json.Nodes.JsonNode.Parse(entries["about-you.json"])!;

        // Everything about Ada: record, answers, self-description, facets, turns, consent history, links, recording.
        Assert.Equal("Ada Quill", (string?)json["You"]!["Name"]);
        Assert.Equal("ada.quill@example.org", (string?)json["You"]!["Email"]);
        Assert.Equal("Words of Ada Quill", (string?)json["You"]!["InYourOwnWords"]);
        Assert.Equal(options[0].Label, (string?)json["You"]!["Answers"]![0]!["Answer"]);
        Assert.Single(json["You"]!["Answers"]!.AsArray());
        Assert.Contains("Adafacet 50-59", text);
        Assert.Single(json["ConsentHistoryNewestFirst"]!.AsArray());
        Assert.Equal("Said out loud in the recording", (string?)json["ConsentHistoryNewestFirst"]![0]!["How"]);
        Assert.Single(json["YourPersonalLinks"]!.AsArray());
        Assert.NotNull(json["YourPersonalLinks"]![0]!["CreatedAt"]);
        Assert.Contains(json["VisitsToYourPageAndChanges"]!.AsArray(), v => (string?)v!["Action"] == "viewed");
        Assert.Contains("Adagroupwords lighthouse", Encoding.UTF8.GetString(entries["transcripts/story-1.txt"]));
        Assert.Contains("Another person speaking", Encoding.UTF8.GetString(entries["transcripts/story-1.txt"]));
        var vtt1 = Encoding.UTF8.GetString(entries["transcripts/story-1.vtt"]);
        // Readable cues (at most about 7 s each, the same maker as every other caption file), each with the voice.
        Assert.True(vtt1.Contains("<v You>Adagroupwords", StringComparison.Ordinal) && vtt1.Contains("<v You>lighthouse", StringComparison.Ordinal), vtt1);
        Assert.StartsWith("WEBVTT", Encoding.UTF8.GetString(entries["transcripts/story-1.vtt"]));
        Assert.Contains("Adaquestion harbour", Encoding.UTF8.GetString(entries["transcripts/story-2.txt"]));
        // Cue text is escaped so it cannot break the caption file.
        var vtt2 = Encoding.UTF8.GetString(entries["transcripts/story-2.vtt"]);
        Assert.True(vtt2.Contains("<v You>Adasolowords --&gt;\n", StringComparison.Ordinal) && vtt2.Contains("<v You>&lt;b&gt;seashell&lt;/b&gt; &amp; co\n", StringComparison.Ordinal), vtt2);
        // The same captions as SubRip, numbered, with comma milliseconds; "-->" cannot pass for a time line.
        var srt2 = Encoding.UTF8.GetString(entries["transcripts/story-2.srt"]);
        Assert.StartsWith("1\r\n00:00:", srt2, StringComparison.Ordinal);
        Assert.Matches(@"^1\r\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\r\n", srt2);
        Assert.Contains("Adasolowords ->\r\n", srt2, StringComparison.Ordinal);
        Assert.Contains("<b>seashell</b> & co\r\n", srt2, StringComparison.Ordinal);
        Assert.DoesNotContain("Bertrand", srt2, StringComparison.Ordinal);
        Assert.Equal(adaRecording, Encoding.UTF8.GetString(entries["recordings/story-2-recording-1.m4a"]));
        Assert.Contains("The recording has other people in it, so it is not in this folder. You can ask the project lead for it.", text);

        // Nothing about Bertrand: not in any entry, nor in the raw bytes of the ZIP.
        var raw = Encoding.Latin1.GetString(bytes);
        foreach (var marker in new[] { "Bertrand", "Zephyrine", "xylophonequartz", "zanzibarite", "quokkaband", "marmalade", "periwinkle", "GROUP-RECORDING", "BERT-RECORDING", options[^1].Label })
        {
            Assert.DoesNotContain(marker, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(marker, raw, StringComparison.OrdinalIgnoreCase);
            foreach (var (name, content) in entries) Assert.DoesNotContain(marker, Encoding.UTF8.GetString(content), StringComparison.OrdinalIgnoreCase);
        }

        // The page shows the same: Ada's words, not Bertrand's.
        var page = WebUtility.HtmlDecode(await client.GetStringAsync("/me"));
        Assert.Contains("Adagroupwords lighthouse", page);
        Assert.DoesNotContain("xylophonequartz", page);
        Assert.DoesNotContain("periwinkle", page);
        Assert.DoesNotContain("Bertrand", page);

        var downloaded = await App.WithDbAsync(db => db.AccessLog.Where(a => a.ProjectId == projectId && a.Action == "downloaded").ToListAsync());
        Assert.Equal(ada.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(downloaded).TargetId);
    }

    private async Task AddRecordingAsync(int projectId, int storyId, string content)
    {
        var stored = MediaStorage.NewStoredName(".m4a");
        var dir = Path.Combine(App.DataDir, "media", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, stored), content);
        await App.WithDbAsync(db =>
        {
            db.MediaFiles.Add(new MediaFile { ProjectId = projectId, StoryId = storyId, OriginalFileName = "interview.m4a", StoredName = stored, SizeBytes = content.Length, UploadedAt = DateTime.UtcNow });
            return db.SaveChangesAsync();
        });
    }

    [Fact]
    public async Task The_page_says_where_the_story_was_used_reports_playlists_and_the_public_site()
    {
        var s = await SetupAsync(quotesAndClips: true);
        await App.WithDbAsync(async db =>
        {
            var theme = new Storyweave.Features.Codebook.Theme { ProjectId = s.ProjectId, Name = "Hope", Color = "#1f5c4a" };
            db.Themes.Add(theme);
            var passage = new Storyweave.Features.Coding.CodedPassage { ProjectId = s.ProjectId, StoryId = s.StoryId, StartOffset = 0, EndOffset = 5, Snippet = "The a", Speaker = "Ada", StartSeconds = 10, EndSeconds = 19, CreatedAt = DateTime.UtcNow };
            db.Passages.Add(passage);
            var report = new Report { ProjectId = s.ProjectId, Kind = ReportKind.Full, Title = "Growing together", Date = new DateOnly(2026, 3, 1), CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
            db.Reports.Add(report);
            await db.SaveChangesAsync();
            db.ReportQuotes.Add(new ReportQuote { ReportId = report.Id, ThemeId = theme.Id, PassageId = passage.Id });
            db.ReportFiles.Add(new ReportFile { ProjectId = s.ProjectId, ReportId = report.Id, Format = ReportFormat.Html, Status = OutputStatus.Ready, PublishedAt = DateTime.UtcNow, CreatedAt = DateTime.UtcNow });
            var media = new MediaFile { ProjectId = s.ProjectId, StoryId = s.StoryId, OriginalFileName = "a.m4a", StoredName = MediaStorage.NewStoredName(".m4a"), UploadedAt = DateTime.UtcNow };
            db.MediaFiles.Add(media);
            var playlist = new Playlist { ProjectId = s.ProjectId, Title = "Voices of the allotment", CreatedAt = DateTime.UtcNow };
            db.Playlists.Add(playlist);
            await db.SaveChangesAsync();
            db.Clips.Add(new Clip { PlaylistId = playlist.Id, ProjectId = s.ProjectId, StoryId = s.StoryId, MediaFileId = media.Id, PassageId = passage.Id, StartSeconds = 10, EndSeconds = 19, Title = "Clip", CreatedAt = DateTime.UtcNow });
            var story = await db.Stories.SingleAsync(x => x.Id == s.StoryId);
            story.PublishedAt = DateTime.UtcNow;
            return await db.SaveChangesAsync();
        });
        var client = await App.OpenStorytellerPageAsync(await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, s.StorytellerId));
        var page = WebUtility.HtmlDecode(await client.GetStringAsync("/me"));
        Assert.Contains("Report \"Growing together\" (March 2026) has 1 quote from you. It is on the public website.", page);
        Assert.Contains("The playlist \"Voices of the allotment\" has 1 clip of you.", page);
        // Chosen for the public site, but held back: the storyteller did not agree to publication.
        Assert.Contains("the team chose to put it on the public website, but it is not shown", page);

        // After saying no to quotes and clips on the page, it no longer claims the quote and clip are used.
        var fields = new Dictionary<string, string>
        {
            ["Choices.Recording"] = "true",
            ["Choices.Analysis"] = "true",
            ["Choices.CreditInReports"] = "Anonymous",
            ["Choices.CreditInClips"] = "Anonymous",
            ["Choices.CreditOnPublicSite"] = "Anonymous",
        };
        var saved = await TestApp.PostFormAsync(client, "/me", fields, "/me?handler=Consent");
        Assert.Equal("/me?done=choices#choices", saved.Headers.Location!.OriginalString);
        page = WebUtility.HtmlDecode(await client.GetStringAsync("/me"));
        Assert.DoesNotContain("has 1 quote from you", page);
        Assert.Contains("Report \"Growing together\" (March 2026): 1 quote from you had been chosen. Because of your choices, it is left out of the report now.", page);
        Assert.DoesNotContain("has 1 clip of you", page);
        Assert.Contains("The playlist \"Voices of the allotment\": 1 clip of you had been made. Because of your choices, it is not shown or shared now.", page);
    }

    [Fact]
    public async Task A_consent_change_on_the_page_takes_effect_at_once()
    {
        var s = await SetupAsync();
        var client = await App.OpenStorytellerPageAsync(await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, s.StorytellerId));
        var before = await App.WithServiceAsync<ConsentPolicy, ConsentDecision>(p => p.DecideAsync(s.StorytellerId, ConsentUse.Analysis));
        Assert.True(before.Allowed);

        // Recording yes, analysis no, quotes yes with a made-up name; the made-up name is required.
        var fields = new Dictionary<string, string>
        {
            ["Choices.Recording"] = "true",
            ["Choices.Quotes"] = "true",
            ["Choices.CreditInReports"] = "Pseudonym",
            ["Choices.CreditInClips"] = "Anonymous",
            ["Choices.CreditOnPublicSite"] = "FirstNameOnly",
        };
        var missing = await TestApp.PostFormAsync(client, "/me", fields, "/me?handler=Consent");
        Assert.Contains("A made-up name was chosen: write the name to use.", WebUtility.HtmlDecode(await missing.Content.ReadAsStringAsync()));
        fields["Choices.Pseudonym"] = "Robin";
        var saved = await TestApp.PostFormAsync(client, "/me", fields, "/me?handler=Consent");
        Assert.Equal("/me?done=choices#choices", saved.Headers.Location!.OriginalString);
        Assert.Contains("Your choices are saved", await client.GetStringAsync("/me?done=choices"));

        var analysis = await App.WithServiceAsync<ConsentPolicy, ConsentDecision>(p => p.DecideAsync(s.StorytellerId, ConsentUse.Analysis));
        Assert.False(analysis.Allowed);
        var quotes = await App.WithServiceAsync<ConsentPolicy, ConsentDecision>(p => p.DecideAsync(s.StorytellerId, ConsentUse.Quotes));
        Assert.True(quotes.Allowed);
        Assert.Equal("Robin", quotes.CreditName);
        var record = await App.WithDbAsync(db => db.ConsentRecords.Where(c => c.StorytellerId == s.StorytellerId).OrderByDescending(c => c.Id).FirstAsync());
        Assert.Equal(ConsentMethod.OnlineForm, record.Method);
        Assert.Null(record.TakenByUserId);
        Assert.Null(record.RecordedByUserId);
        Assert.Equal(StorytellerPortalService.StorytellerNote, record.Note);
        var linkId = await App.WithDbAsync(db => db.StorytellerLinks.Where(l => l.StorytellerId == s.StorytellerId).Select(l => l.Id).SingleAsync());
        var tellerKey = s.StorytellerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.Action == "consent.recorded" && e.ActorUserId == $"storyteller-link:{linkId}" && e.ObjectId == tellerKey)));
        Assert.True(await App.WithDbAsync(db => db.AccessLog.AnyAsync(a => a.Action == "changed-consent" && a.Actor == $"storyteller-link:{linkId}" && a.UserId == null)));
        // The team sees it was the storyteller's own decision.
        Assert.Contains("the storyteller (online form)", await s.LeadClient.GetStringAsync($"/projects/{s.ProjectId}/storytellers/{s.StorytellerId}"));

        // "Stop all use" turns every use off.
        var stopped = await TestApp.PostFormAsync(client, "/me", [], "/me?handler=StopAll");
        Assert.Equal("/me?done=stopped#choices", stopped.Headers.Location!.OriginalString);
        foreach (var use in Enum.GetValues<ConsentUse>())
            Assert.False((await App.WithServiceAsync<ConsentPolicy, ConsentDecision>(p => p.DecideAsync(s.StorytellerId, use))).Allowed);
    }

    [Fact]
    public async Task Withdrawing_entirely_on_their_own_page_deletes_everything_at_once_and_ends_the_link()
    {
        var s = await SetupAsync();
        var client = await App.OpenStorytellerPageAsync(await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, s.StorytellerId));
        var notSure = await TestApp.PostFormAsync(client, "/me/withdraw", []);
        Assert.Contains("Tick the box to say you are sure", await notSure.Content.ReadAsStringAsync());
        Assert.Null(await App.WithDbAsync(db => db.Storytellers.Where(x => x.Id == s.StorytellerId).Select(x => x.WithdrawnAt).SingleAsync()));

        var sure = await TestApp.PostFormAsync(client, "/me/withdraw", new() { ["sure"] = "true" });
        Assert.Equal("/me/left?withdrawn=true", sure.Headers.Location!.OriginalString);
        Assert.Contains("Your story has been taken out", await client.GetStringAsync("/me/left?withdrawn=true"));

        // Done, not just asked for: the person is wiped and marked withdrawn, nothing of theirs is used,
        // their consent records and links are gone, and the log says the storyteller did it (ids only).
        var person = await App.WithDbAsync(db => db.Storytellers.AsNoTracking().SingleAsync(x => x.Id == s.StorytellerId));
        Assert.NotNull(person.WithdrawnAt);
        Assert.Equal(Storyweave.Features.Withdrawal.WithdrawalService.WithdrawnName, person.Name);
        Assert.False(await App.WithDbAsync(db => db.ConsentRecords.AnyAsync(c => c.StorytellerId == s.StorytellerId)));
        Assert.False(await App.WithDbAsync(db => db.StorytellerLinks.AnyAsync(l => l.StorytellerId == s.StorytellerId)));
        foreach (var use in Enum.GetValues<ConsentUse>())
            Assert.False((await App.WithServiceAsync<ConsentPolicy, ConsentDecision>(p => p.DecideAsync(s.StorytellerId, use))).Allowed);
        var tellerKey = s.StorytellerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == s.ProjectId && e.Action == "storyteller.withdrawn" && e.ObjectId == tellerKey && e.ActorUserId == null)));

        // The page and the link no longer open.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task A_correction_request_reaches_the_lead_who_answers_it_on_the_storytellers_page()
    {
        var s = await SetupAsync();
        var client = await App.OpenStorytellerPageAsync(await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, s.StorytellerId));
        var empty = await TestApp.PostFormAsync(client, "/me", new() { ["Correction"] = "  " }, "/me?handler=Correction");
        Assert.Contains("Write what is wrong, and what it should say.", await empty.Content.ReadAsStringAsync());
        var tooLong = await TestApp.PostFormAsync(client, "/me", new() { ["Correction"] = new string('a', 4001) }, "/me?handler=Correction");
        Assert.Contains("Please keep it shorter", await tooLong.Content.ReadAsStringAsync());

        var sent = await TestApp.PostFormAsync(client, "/me", new() { ["Correction"] = "My allotment is in Leith, not Leeds." }, "/me?handler=Correction");
        Assert.Equal("/me?done=correction#correction", sent.Headers.Location!.OriginalString);
        Assert.Contains("Not answered yet.", await client.GetStringAsync("/me"));

        var requestsPage = $"/projects/{s.ProjectId}/storyteller-requests";
        var list = WebUtility.HtmlDecode(await s.LeadClient.GetStringAsync(requestsPage));
        Assert.Contains("My allotment is in Leith, not Leeds.", list);
        Assert.Contains("Waiting for an answer (1)", list);
        Assert.Contains(requestsPage, await s.LeadClient.GetStringAsync($"/projects/{s.ProjectId}")); // the leads' nav links to it
        var requestId = await App.WithDbAsync(db => db.CorrectionRequests.Where(c => c.StorytellerId == s.StorytellerId).Select(c => c.Id).SingleAsync());
        var noAnswer = await TestApp.PostFormAsync(s.LeadClient, requestsPage, new() { ["requestId"] = requestId.ToString(System.Globalization.CultureInfo.InvariantCulture), ["response"] = "" }, requestsPage + "?handler=Resolve");
        Assert.Contains("Write a short answer for the storyteller", await noAnswer.Content.ReadAsStringAsync());
        var resolved = await TestApp.PostFormAsync(s.LeadClient, requestsPage,
            new() { ["requestId"] = requestId.ToString(System.Globalization.CultureInfo.InvariantCulture), ["response"] = "Thank you, we corrected it to Leith." }, requestsPage + "?handler=Resolve");
        Assert.Equal(HttpStatusCode.Redirect, resolved.StatusCode);
        Assert.Contains("Answered (1)", await s.LeadClient.GetStringAsync(requestsPage));
        Assert.Contains("Thank you, we corrected it to Leith.", WebUtility.HtmlDecode(await client.GetStringAsync("/me")));
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == s.ProjectId && e.Action == "correction.requested")));
        Assert.True(await App.WithDbAsync(db => db.Events.AnyAsync(e => e.ProjectId == s.ProjectId && e.Action == "correction.resolved" && e.ActorUserId == s.Lead.Id)));

        // Reporters make links but do not see the requests page.
        var reporter = await App.CreateUserAsync(name: "Rory Reporter");
        await App.AddMemberAsync(s.ProjectId, reporter, ProjectRole.CommunityReporter);
        var reporterClient = await App.SignInAsync(reporter);
        var denied = await reporterClient.GetAsync(requestsPage);
        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.StartsWith("/account/denied", denied.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task A_storyteller_session_reaches_no_project_page_or_api_and_one_link_cannot_read_another_person()
    {
        var s = await SetupAsync();
        var bert = await App.CreateStorytellerAsync(s.ProjectId, s.Lead, "Bertrand Zephyrine");
        var adaLink = await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, s.StorytellerId);
        var bertLink = await TestApp.CreateStorytellerLinkAsync(s.LeadClient, s.ProjectId, bert);
        var (ada, cookie) = await App.OpenStorytellerSessionAsync(adaLink);

        // Even sent where a browser never would (the cookie's path is /me), the session opens nothing of the project.
        var rogue = App.ClientWithStorytellerCookie(cookie);
        Assert.Equal(HttpStatusCode.OK, (await rogue.GetAsync("/me")).StatusCode);
        foreach (var url in new[]
                 {
                     $"/projects/{s.ProjectId}", $"/projects/{s.ProjectId}/storytellers/{s.StorytellerId}", $"/projects/{s.ProjectId}/stories/{s.StoryId}",
                     $"/projects/{s.ProjectId}/storytellers/{s.StorytellerId}/link", $"/projects/{s.ProjectId}/storyteller-requests", "/projects",
                 })
        {
            var response = await rogue.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.AbsolutePath.StartsWith("/account/sign-in", StringComparison.Ordinal),
                $"{url} answered {(int)response.StatusCode} to a storyteller session");
        }
        foreach (var url in new[] { $"/api/projects/{s.ProjectId}", $"/api/projects/{s.ProjectId}/storytellers", $"/api/projects/{s.ProjectId}/events", "/api/projects" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await rogue.GetAsync(url)).StatusCode);

        // Ada's page and download are Ada's; Bertrand's address with Ada's code does not open.
        var page = await ada.GetStringAsync("/me");
        Assert.Contains("Hello, Ada Quill", page);
        Assert.DoesNotContain("Bertrand", page);
        var wrong = await TypeCodeAsync(ada, bertLink, adaLink.Code == bertLink.Code ? WrongCode(adaLink.Code) : adaLink.Code);
        Assert.Contains("That code is not right", await wrong.Content.ReadAsStringAsync());
        Assert.Contains("Hello, Ada Quill", await ada.GetStringAsync("/me"));

        // A team member's own session does not open a storyteller page.
        Assert.Equal(HttpStatusCode.Unauthorized, (await s.LeadClient.GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await s.LeadClient.GetAsync("/me/download")).StatusCode);
    }

    /// <summary>An anonymous form token (a refused link shows no form), taken from the sign-in page.</summary>
    private static async Task<string> GetAntiforgeryAsync(HttpClient client)
    {
        var html = await client.GetStringAsync("/account/sign-in");
        var match = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        Assert.True(match.Success, "The sign-in page has no form token.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }
}
