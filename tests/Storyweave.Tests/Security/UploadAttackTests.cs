using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Backup;
using Storyweave.Features.Media;
using Storyweave.Features.Projects;
using Storyweave.Features.Transcripts;
using Storyweave.Hosting;

namespace Storyweave.Tests.Security;

/// <summary>
/// Each upload attack against each upload endpoint: a renamed program, a zip bomb, "../" names
/// inside an archive and in the file name, and oversize files. Each is refused with a message that
/// says what was wrong, and nothing is left in tmp/ or media/.
/// </summary>
public sealed partial class UploadAttackTests : IAsyncLifetime
{
    private const long MediaLimit = 1024 * 1024;
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(configure: o => o with { MaxUploadBytes = MediaLimit });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static byte[] Elf()
    {
        var bytes = new byte[4096];
        new Random(1).NextBytes(bytes);
        byte[] header = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0];
        header.CopyTo(bytes, 0);
        return bytes;
    }

    private static byte[] WindowsProgram()
    {
        var bytes = new byte[4096];
        new Random(2).NextBytes(bytes);
        bytes[0] = (byte)'M';
        bytes[1] = (byte)'Z';
        bytes[2] = 0x90;
        bytes[3] = 0x00;
        return bytes;
    }

    private static byte[] Docx(params (string Name, Action<Stream> Write)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, write) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
                write(s);
            }
        }
        return buffer.ToArray();
    }

    private static Action<Stream> Text(string text) => s => s.Write(Encoding.UTF8.GetBytes(text));

    private const string ContentTypes = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>";

    /// <summary>A .docx of a few hundred kilobytes whose document part unpacks to 60 MB.</summary>
    private static byte[] ZipBombDocx() => Docx(("[Content_Types].xml", Text(ContentTypes)), ("word/document.xml", s =>
    {
        var zeros = new byte[1024 * 1024];
        for (var i = 0; i < 60; i++) s.Write(zeros);
    }
    ));

    private static byte[] TraversalDocx() => Docx(("[Content_Types].xml", Text(ContentTypes)), ("../../outside.xml", Text("<x/>")), ("word/document.xml", Text("<w:document/>")));

    private static MultipartFormDataContent Upload(byte[] bytes, string fileName)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { file, "file", fileName } };
    }

    private static async Task<string> MessageAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        try
        {
            var json = JsonNode.Parse(body)!;
            return (string)(json["errors"]?[0]?["message"] ?? json["errors"]?[0] ?? json["message"] ?? json["detail"] ?? "")! ?? body;
        }
        catch (System.Text.Json.JsonException)
        {
            return body;
        }
    }

    private List<string> LeftOvers()
    {
        var found = new List<string>();
        foreach (var dir in new[] { _app.Options.TempDir, _app.Options.MediaDir })
            if (Directory.Exists(dir)) found.AddRange(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != ".lock")); // each node's scratch lock
        // Nothing was written beside the data folder either.
        var parent = Path.GetDirectoryName(_app.DataDir)!;
        if (File.Exists(Path.Combine(parent, "outside.xml"))) found.Add("outside.xml beside the data folder");
        return found;
    }

    private sealed record Attack(string Name, byte[] Bytes, string FileName, string TranscriptMessage, string MediaMessage, int MediaStatus);

    private static IEnumerable<Attack> Attacks()
    {
        yield return new Attack("Linux program named .mp3", Elf(), "interview.mp3", "is a Linux program", "is a Linux program", 422);
        yield return new Attack("Linux program named .vtt", Elf(), "interview.vtt", "is a Linux program", "is a Linux program", 422);
        yield return new Attack("Linux program named .docx", Elf(), "interview.docx", "is a Linux program", "is a Linux program", 422);
        yield return new Attack("Windows program named .vtt", WindowsProgram(), "captions.vtt", "is a Windows program", "is a Windows program", 422);
        yield return new Attack("zip bomb .docx", ZipBombDocx(), "transcript.docx", "unpacks to more than", FileSignatures.OfficeDocumentMessage, 422);
        yield return new Attack("../ inside a .docx", TraversalDocx(), "transcript.docx", "points outside the document", FileSignatures.OfficeDocumentMessage, 422);
        yield return new Attack("program with a ../ file name", Elf(), "../../../etc/cron.d/evil.vtt", "is a Linux program", "is a Linux program", 422);
    }


    [Fact]
    public async Task Every_upload_attack_is_refused_by_every_upload_endpoint_in_plain_words_and_nothing_is_kept()
    {
        var lead = await _app.CreateUserAsync();
        var projectId = await _app.CreateProjectAsync(lead);
        var (storyId, _) = await _app.CreateStoryAsync(projectId);
        var api = await _app.ApiClientAsync(lead);
        var page = await _app.SignInAsync(lead);
        var importPage = $"/projects/{projectId}/stories/{storyId}/transcript/import";
        var failures = new List<string>();
        var attempts = 0;

        async Task CheckAsync(string endpoint, Attack attack, HttpResponseMessage response, int status, string expected)
        {
            attempts++;
            var message = await MessageAsync(response);
            if ((int)response.StatusCode != status || !message.Contains(expected, StringComparison.Ordinal))
                failures.Add($"{attack.Name} → {endpoint}: {(int)response.StatusCode} '{message[..Math.Min(message.Length, 300)]}', expected {status} with '{expected}'");
            if (LeftOvers() is { Count: > 0 } left) failures.Add($"{attack.Name} → {endpoint} left files: {string.Join(", ", left)}");
        }

        foreach (var attack in Attacks())
        {
            await CheckAsync("POST /api/transcripts/parse", attack,
                await api.PostAsync("/api/transcripts/parse", Upload(attack.Bytes, attack.FileName)), 422, attack.TranscriptMessage);
            await CheckAsync("POST …/transcript/import", attack,
                await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import", Upload(attack.Bytes, attack.FileName)), 422, attack.TranscriptMessage);
            await CheckAsync("POST …/media", attack,
                await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", Upload(attack.Bytes, attack.FileName)), attack.MediaStatus, attack.MediaMessage);

            // The import page (a form without JavaScript): the message is shown on the page.
            var html = await page.GetStringAsync(importPage);
            var token = WebUtility.HtmlDecode(Token().Match(html).Groups[1].Value);
            var form = Upload(attack.Bytes, attack.FileName);
            form.Add(new StringContent(token), "__RequestVerificationToken");
            var posted = await page.PostAsync(importPage, form);
            attempts++;
            var shown = WebUtility.HtmlDecode(await posted.Content.ReadAsStringAsync());
            if (posted.StatusCode != HttpStatusCode.OK || !shown.Contains(attack.TranscriptMessage, StringComparison.Ordinal))
                failures.Add($"{attack.Name} → import page: {(int)posted.StatusCode}, message not shown");
        }

        // Oversize: a transcript over 20 MB and a recording over this instance's limit (1 MB here).
        var bigText = Encoding.UTF8.GetBytes(new string('a', (int)TranscriptParser.MaxFileBytes + 1024));
        var oversize = new Attack("oversize", bigText, "huge.vtt", "is larger than 20 MB", "larger than 1 MB", 413);
        await CheckAsync("POST /api/transcripts/parse", oversize, await api.PostAsync("/api/transcripts/parse", Upload(bigText, "huge.vtt")), 400, oversize.TranscriptMessage);
        await CheckAsync("POST …/transcript/import", oversize, await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/transcript/import", Upload(bigText, "huge.vtt")), 400, oversize.TranscriptMessage);
        await CheckAsync("POST …/media", oversize, await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", Upload(new byte[MediaLimit + 10], "huge.mp3")), 413, oversize.MediaMessage);

        Assert.True(failures.Count == 0, $"{failures.Count} of {attempts} refusals were wrong:\n" + string.Join("\n", failures));
        Assert.Equal(0, await _app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.MediaFiles)));
        Assert.Equal(0, await _app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.TranscriptCues, c => c.StoryId == storyId)));
    }

    /// <summary>A plain ZIP (not a document) of a few hundred kilobytes whose one entry unpacks to 60 MB, named like a recording.</summary>
    private static byte[] ZipBomb()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var s = zip.CreateEntry("interview.mp4", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 60; i++) s.Write(zeros);
        }
        return buffer.ToArray();
    }

    private static byte[] Gzip()
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(new byte[10 * 1024 * 1024]);
        return buffer.ToArray();
    }

    /// <summary>The start of a file of this kind, then random bytes: only the first bytes say what it is.</summary>
    private static byte[] Starting(params byte[] magic)
    {
        var bytes = new byte[8192];
        new Random(3).NextBytes(bytes);
        magic.CopyTo(bytes, 0);
        return bytes;
    }

    [Theory]
    [InlineData("zip bomb", "interview.mp4", "ZIP")]
    [InlineData("gzip", "interview.mp3.gz", "GZIP")]
    [InlineData("gzip named .m4a", "interview.m4a", "GZIP")]
    [InlineData("7z", "interview.wav", "7-Zip")]
    [InlineData("rar", "interview.webm", "RAR")]
    public async Task A_compressed_archive_uploaded_as_a_recording_is_named_as_an_archive_and_nothing_is_kept(string kind, string fileName, string expectedKind)
    {
        var bytes = kind switch
        {
            "zip bomb" => ZipBomb(),
            "gzip" or "gzip named .m4a" => Gzip(),
            "7z" => Starting(0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0x00, 0x04),
            _ => Starting(0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x01, 0x00),
        };
        var lead = await _app.CreateUserAsync();
        var projectId = await _app.CreateProjectAsync(lead);
        var (storyId, _) = await _app.CreateStoryAsync(projectId);
        var api = await _app.ApiClientAsync(lead);

        var response = await api.PostAsync($"/api/projects/{projectId}/stories/{storyId}/media", Upload(bytes, fileName));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var message = await MessageAsync(response);
        Assert.Equal($"This file is a compressed archive ({expectedKind}), not a recording. Unzip it on your computer and upload the audio or video file inside.", message);
        Assert.Empty(LeftOvers());
        Assert.Equal(0, await _app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.MediaFiles)));
    }

    [Fact]
    public async Task A_real_transcript_with_a_folder_path_as_its_name_is_read_and_the_name_is_never_used_as_a_path()
    {
        var api = await _app.ApiClientAsync(await _app.CreateUserAsync());
        var vtt = Encoding.UTF8.GetBytes("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Sam>Hello.\n");
        var response = await api.PostAsync("/api/transcripts/parse", Upload(vtt, "../../../outside.xml"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(LeftOvers());
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    private static string Manifest() =>
        """{"format":"storyweave-backup","formatVersion":1,"createdAt":"2026-01-01T00:00:00Z","provider":"sqlite","lastMigration":null,"tables":[],"fileCount":1}""";

    [Fact]
    public async Task A_backup_with_a_path_out_of_the_data_folder_or_a_zip_bomb_is_refused_and_nothing_is_restored()
    {
        await using var empty = await TestApp.StartAsync(withAdmin: false);
        using var folder = new TestMedia.Folder();

        var traversal = folder.File("traversal.zip");
        await File.WriteAllBytesAsync(traversal, Docx((BackupService.ManifestName, Text(Manifest())), ("files/../../outside.txt", Text("escaped"))));
        var e1 = await Assert.ThrowsAsync<RestoreException>(() => empty.WithServiceAsync<BackupService, BackupService.Manifest>(b => b.RestoreAsync(traversal, TextWriter.Null)));
        Assert.Contains("unsafe file name: ../../outside.txt", e1.Message, StringComparison.Ordinal);

        var bomb = folder.File("bomb.zip");
        await File.WriteAllBytesAsync(bomb, Docx((BackupService.ManifestName, Text(Manifest())), ("files/media/1/big.bin", s =>
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 100; i++) s.Write(zeros);
        }
        )));
        var e2 = await Assert.ThrowsAsync<RestoreException>(() => empty.WithServiceAsync<BackupService, BackupService.Manifest>(b => b.RestoreAsync(bomb, TextWriter.Null)));
        Assert.Contains("zip bomb", e2.Message, StringComparison.Ordinal);
        Assert.Contains("files/media/1/big.bin", e2.Message, StringComparison.Ordinal);

        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(empty.DataDir)!, "outside.txt")));
        Assert.False(Directory.Exists(Path.Combine(empty.DataDir, "media", "1")));
        Assert.DoesNotContain(Directory.EnumerateFiles(empty.Options.TempDir, "*", SearchOption.AllDirectories), f => Path.GetFileName(f) != ".lock"); // each node's scratch lock
    }
}
