using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Storyweave.Features.Coding;
using Storyweave.Features.Consent;
using Storyweave.Features.Reports;
using Storyweave.Features.Stories;

namespace Storyweave.Testing;

/// <summary>Intents for reports: a coded project whose storytellers chose different credits, and waiting for a file.</summary>
public sealed partial class TestApp
{
    public sealed record ReportTeller(int Id, string Name, string Words, int PassageId, int ThemeId);

    /// <summary>
    /// Three main themes (the first with a sub-theme) and four storytellers, one story each, whose one
    /// coded passage is coded with a theme: Named (quotes, full name), Pseudonym (quotes, "Pat Pseudo"),
    /// Anonymous (quotes, no name) and NoQuotes (analysis only, full name chosen but no quotes).
    /// Words are letters and spaces only, so every format shows them verbatim.
    /// </summary>
    public async Task<(IReadOnlyList<(int Id, string Name)> Themes, ReportTeller Named, ReportTeller Pseudonym, ReportTeller Anonymous, ReportTeller NoQuotes)>
        CreateReportScenarioAsync(int projectId, TestUser lead)
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var themes = new List<(int, string)>();
        foreach (var name in new[] { $"Alpha belonging {tag}", $"Beta trust {tag}", $"Gamma change {tag}" })
            themes.Add((await CreateThemeAsync(projectId, name), name));
        await WithDbAsync(async db =>
        {
            db.Themes.Add(new Features.Codebook.Theme { ProjectId = projectId, ParentId = themes[0].Item1, Name = $"Alpha sub theme {tag}", CreatedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });

        async Task<ReportTeller> TellerAsync(string name, bool quotes, CreditStyle credit, string words, int themeId)
        {
            var id = await CreateStorytellerAsync(projectId, lead, name, quotes: quotes, credit: credit);
            var passageId = await WithDbAsync(async db =>
            {
                var story = new Story { ProjectId = projectId, Title = Unique("Report story "), CreatedAt = DateTime.UtcNow };
                db.Stories.Add(story);
                await db.SaveChangesAsync();
                db.StoryStorytellers.Add(new StoryStoryteller { StoryId = story.Id, StorytellerId = id });
                db.TranscriptCues.Add(new TranscriptCue { StoryId = story.Id, Position = 0, StartSeconds = 0, EndSeconds = 5, Speaker = "Teller", Text = words });
                db.SpeakerLabels.Add(new SpeakerLabel { StoryId = story.Id, Label = "Teller", StorytellerId = id });
                var passage = new CodedPassage { ProjectId = projectId, StoryId = story.Id, StartOffset = 0, EndOffset = words.Length, Snippet = words, StartSeconds = 0, EndSeconds = 5, Speaker = "Teller", CreatedAt = DateTime.UtcNow };
                db.Passages.Add(passage);
                await db.SaveChangesAsync();
                db.PassageThemes.Add(new PassageTheme { PassageId = passage.Id, ThemeId = themeId, CodedAt = DateTime.UtcNow });
                await db.SaveChangesAsync();
                return passage.Id;
            });
            return new ReportTeller(id, name, words, passageId, themeId);
        }

        var named = await TellerAsync($"Nadia Namedperson{tag}", true, CreditStyle.Named, $"The allotment gave me friends again {tag}", themes[0].Item1);
        var pseudo = await TellerAsync($"Paula Realname{tag}", true, CreditStyle.Pseudonym, $"Nobody listened until the peer group {tag}", themes[1].Item1);
        var anon = await TellerAsync($"Anna Hiddenname{tag}", true, CreditStyle.Anonymous, $"I finally trusted the nurse {tag}", themes[1].Item1);
        var noQuotes = await TellerAsync($"Noel Noquotes{tag}", false, CreditStyle.Named, $"My private words must stay out {tag}", themes[2].Item1);
        return (themes, named, pseudo, anon, noQuotes);
    }

    /// <summary>Polls a report file until it is ready (or failed), for at most two minutes.</summary>
    public static async Task<ReportEndpoints.FileDto> WaitForReportFileAsync(HttpClient client, int projectId, int fileId)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var file = (await client.GetFromJsonAsync<ReportEndpoints.FileDto>($"/api/projects/{projectId}/report-files/{fileId}", JsonOptions))!;
            if (file.Status is OutputStatus.Ready or OutputStatus.Failed) return file;
            if (DateTime.UtcNow > until) throw new TimeoutException($"Report file {fileId} is still {file.Status} ({file.ProgressText}).");
            await Task.Delay(200);
        }
    }

    /// <summary>The text a reader sees in each format (DOCX paragraphs, pdftotext, decoded HTML, Markdown).</summary>
    public static async Task<string> ReportTextAsync(ReportFormat format, byte[] bytes)
    {
        switch (format)
        {
            case ReportFormat.Docx:
                using (var doc = WordprocessingDocument.Open(new MemoryStream(bytes), false))
                    return string.Join("\n", doc.MainDocumentPart!.Document.Body!.Descendants<Paragraph>().Select(p => p.InnerText));
            case ReportFormat.Pdf:
                return await PdfToTextAsync(bytes);
            case ReportFormat.Html:
                return WebUtility.HtmlDecode(System.Text.Encoding.UTF8.GetString(bytes));
            default:
                return System.Text.Encoding.UTF8.GetString(bytes);
        }
    }

    public static async Task<string> PdfToTextAsync(byte[] pdf)
    {
        var path = Path.Combine(Path.GetTempPath(), $"report-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pdftotext", ["-layout", path, "-"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var text = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0) throw new InvalidOperationException($"pdftotext failed with exit code {process.ExitCode}.");
            // -layout keeps lines; fold runs of spaces so phrases that wrap mid-line still match.
            return System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
