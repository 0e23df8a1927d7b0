using System.Globalization;
using Storyweave.Features.Media;

namespace Storyweave.Features.Transcription;

/// <summary>
/// The engine that works on a fresh Debian machine: ffmpeg's <c>asr</c> filter (CMU pocketsphinx,
/// built into Debian's ffmpeg) with Debian's US English model (package <c>pocketsphinx-en-us</c>).
/// Weak on accents and noisy rooms (see BENCHMARKS.md), but it needs nothing else.
/// <para>
/// How the times are found. The filter decides by itself where an utterance ends (its voice-activity
/// detector sees about half a second of quiet) and then sets the utterance's words as the frame
/// metadata <c>lavfi.asr.text</c>, with no word times; so an utterance is only known to end before the
/// frame that carries its text. In the same pass, <c>silencedetect</c> marks the quiet stretches: an
/// utterance's line runs from the first speech after the previous utterance to the last speech before
/// its text arrived. <c>apad</c> adds quiet at the end so the last utterance is reported too.
/// <c>ametadata=print</c> writes every frame's metadata to a file (named bare, in the scratch folder,
/// so no path with characters the filter syntax would need escaped enters the filter argument).
/// </para>
/// </summary>
public sealed class PocketsphinxEngine(string modelDir) : IDraftEngine
{
    private string AcousticModel => Path.Combine(modelDir, "en-us");
    private string Dictionary => Path.Combine(modelDir, "cmudict-en-us.dict");
    private string LanguageModel => Path.Combine(modelDir, "en-us.lm.bin");

    public const string MissingModelMessage =
        "Automatic drafts need the English speech model, which is not installed on this server. " +
        "Ask your administrator to install the Debian package pocketsphinx-en-us (sudo apt-get install pocketsphinx-en-us).";

    public const string NoAsrFilterMessage =
        "This server's ffmpeg was built without speech recognition (its asr filter). " +
        "Ask your administrator to install Debian's own ffmpeg package (sudo apt-get install ffmpeg), which has it.";

    /// <summary>Quieter than this for at least <see cref="MinSilence"/> seconds counts as a pause between phrases.</summary>
    private const string SilenceThreshold = "-35dB";
    private const double MinSilence = 0.35;

    /// <summary>Quiet added after the recording so the recogniser reports its last utterance.</summary>
    private const double TailPad = 2.0;

    /// <summary>When no pause was measured, how long before its report an utterance is taken to end (the detector's wait).</summary>
    private const double ReportLag = 0.5;

    public string Name => DraftEngines.Pocketsphinx;
    public string Label => "Pocketsphinx (built in, US English; rough)";

    public string? Problem() =>
        Directory.Exists(AcousticModel) && File.Exists(Dictionary) && File.Exists(LanguageModel) ? null : MissingModelMessage;

    public async Task<IReadOnlyList<RecognisedPhrase>> RecogniseAsync(string source, double durationSeconds, string scratchDir, string scratchPrefix,
        Action<double> progress, CancellationToken ct)
    {
        if (Problem() is { } problem) throw new DraftEngineException(problem);
        var metadataName = scratchPrefix + ".asr.txt";
        var filter = string.Create(CultureInfo.InvariantCulture,
            $"silencedetect=noise={SilenceThreshold}:d={MinSilence},apad=pad_dur={TailPad},asr=hmm={AcousticModel}:dict={Dictionary}:lm={LanguageModel},ametadata=mode=print:file={metadataName}");
        List<string> args = ["-hide_banner", "-nostdin", "-v", "error", "-nostats", "-progress", "pipe:1", "-i", source, "-map", "0:a:0", "-vn", "-af", filter, "-f", "null", "-"];
        var (exit, errors) = await MediaProbe.RunFfmpegWithProgressAsync(args, scratchDir, durationSeconds + TailPad, progress, ct);
        if (exit != 0)
        {
            if (errors.Contains("No such filter", StringComparison.Ordinal) && errors.Contains("asr", StringComparison.Ordinal)) throw new DraftEngineException(NoAsrFilterMessage);
            throw new DraftFfmpegException(exit, errors);
        }
        var metadataPath = Path.Combine(scratchDir, metadataName);
        var text = File.Exists(metadataPath) ? await File.ReadAllTextAsync(metadataPath, ct) : "";
        var (reports, silences) = ParseMetadata(text);
        return Align(reports, silences, durationSeconds);
    }

    /// <summary>An utterance's words and the time of the frame that carried them.</summary>
    public sealed record Report(double At, string Text);

    /// <summary>A quiet stretch from silencedetect; End is null when the recording ends in it.</summary>
    public sealed record Silence(double Start, double? End);

    /// <summary>
    /// Reads ametadata's print format: a line <c>frame:N pts:P pts_time:T</c> for each frame with metadata,
    /// followed by its <c>key=value</c> lines.
    /// </summary>
    public static (List<Report> Reports, List<Silence> Silences) ParseMetadata(string text)
    {
        var reports = new List<Report>();
        var silences = new List<Silence>();
        var frameTime = 0.0;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("frame:", StringComparison.Ordinal))
            {
                var at = line.IndexOf("pts_time:", StringComparison.Ordinal);
                if (at >= 0 && double.TryParse(line.AsSpan(at + "pts_time:".Length).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var t)) frameTime = t;
                continue;
            }
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) continue;
            var key = line[..eq];
            var value = line[(eq + 1)..];
            switch (key)
            {
                case "lavfi.asr.text":
                    if (value.Trim().Length > 0) reports.Add(new Report(frameTime, value.Trim()));
                    break;
                case "lavfi.silence_start" when Number(value) is { } start:
                    silences.Add(new Silence(Math.Max(0, start), null));
                    break;
                case "lavfi.silence_end" when Number(value) is { } end:
                    if (silences.Count > 0 && silences[^1].End is null) silences[^1] = silences[^1] with { End = end };
                    else silences.Add(new Silence(0, end));
                    break;
            }
        }
        return (reports, silences);
    }

    /// <summary>
    /// Gives each utterance the speech between the previous utterance's report and its own (see the class
    /// comment). Times never run past the recording's end, which matters because of the added tail of quiet.
    /// </summary>
    public static List<RecognisedPhrase> Align(IReadOnlyList<Report> reports, IReadOnlyList<Silence> silences, double duration)
    {
        var speech = SpeechSpans(silences, duration);
        var phrases = new List<RecognisedPhrase>();
        var previous = 0.0;
        foreach (var report in reports.OrderBy(r => r.At))
        {
            var at = Math.Min(report.At, duration);
            var spans = speech.Where(s => s.End > previous && s.Start < at).ToList();
            double start, end;
            if (spans.Count > 0)
            {
                start = Math.Max(previous, spans[0].Start);
                end = Math.Min(at, spans[^1].End);
            }
            else
            {
                start = previous;
                end = Math.Max(previous, at - ReportLag);
            }
            phrases.Add(new RecognisedPhrase(Math.Round(start, 2), Math.Round(Math.Max(start, end), 2), report.Text));
            previous = Math.Max(previous, at);
        }
        return phrases;
    }

    private static List<(double Start, double End)> SpeechSpans(IReadOnlyList<Silence> silences, double duration)
    {
        var spans = new List<(double, double)>();
        var cursor = 0.0;
        foreach (var s in silences.OrderBy(s => s.Start))
        {
            if (s.Start > cursor + 0.01) spans.Add((cursor, Math.Min(s.Start, duration)));
            cursor = Math.Max(cursor, s.End ?? duration);
        }
        if (cursor < duration - 0.01) spans.Add((cursor, duration));
        return spans;
    }

    private static double? Number(string s) => double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
