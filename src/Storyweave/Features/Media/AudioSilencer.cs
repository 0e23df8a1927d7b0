using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Storyweave.Features.Media;

/// <summary>
/// The one way Storyweave silences stretches of a recording: a withdrawn storyteller's turns in a group
/// recording (<see cref="Withdrawal.WithdrawalService"/>, the original; its web rendition is then made again
/// from the silenced original) and the lines of a clip that hold a hidden word (<see cref="Clips.ClipJob"/>).
/// <list type="bullet">
/// <item><b>Sample-exact.</b> ffmpeg's <c>asegment</c> splits the sound at the exact samples where each stretch
/// starts and ends, the stretches go through <c>volume=0</c>, and <c>concat</c> joins the pieces again; one pass,
/// whatever the number of stretches (300 stretches in 30 minutes of 48 kHz stereo: about 2 s). (The
/// earlier <c>volume=enable='between(t,a,b)'</c> muted whole audio frames, so the frame that began just before a
/// turn kept up to ~100 ms of it; and a long <c>between(…)+…</c> chain fails outright past a few hundred turns.)</item>
/// <item><b>Margins.</b> Transcript times are approximate, so every stretch is widened by <see cref="Margin"/> on
/// both sides; that widened stretch is what must be silent. Lossy codecs (AAC, MP3, Opus) spread sound across a
/// frame, so the neighbouring voice would leak into the margin; the stretch is silenced wider still, by a guard
/// (<see cref="Guards"/>, 100 ms first), and any later re-encode of the result (a rendition, a re-encoded clip) stays
/// silent in the margin too.</item>
/// <item><b>Checked.</b> After encoding, the result is decoded and every sample of every channel inside each
/// stretch and its margin must be below <see cref="SilentBelow"/> (−80 dBFS). If not, it is done again with a wider
/// guard; if it still fails, the caller is told, and deletes the recording or fails the clip rather than keep a voice.</item>
/// </list>
/// Times are ffmpeg's presentation times of the decoded sound (for a clip, cut with <c>-ss</c> before <c>-i</c>, they start at 0).
/// </summary>
public static class AudioSilencer
{
    public readonly record struct Span(double Start, double End);

    /// <summary>How far past each end of a stretch must be silent (transcript times are approximate).</summary>
    public const double Margin = 0.05;

    /// <summary>The extra silence beyond the margin that keeps a lossy codec from carrying sound into it, tried in turn.</summary>
    public static readonly IReadOnlyList<double> Guards = [0.1, 0.2, 0.4];

    /// <summary>The loudest sample allowed inside a silenced stretch: −80 dBFS, far below hearing and above codec noise.</summary>
    public const float SilentBelow = 1e-4f;

    public sealed record Outcome(bool Silent, string Detail);

    /// <summary>The stretches widened by <paramref name="by"/> seconds each side (never before 0), merged where they meet.</summary>
    public static IReadOnlyList<Span> Widen(IEnumerable<Span> spans, double by)
    {
        var merged = new List<Span>();
        foreach (var s in spans.Where(s => s.End > s.Start).Select(s => new Span(Math.Max(0, s.Start - by), s.End + by)).OrderBy(s => s.Start))
        {
            if (merged.Count > 0 && s.Start <= merged[^1].End) merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, s.End) };
            else merged.Add(s);
        }
        return merged;
    }

    /// <summary>
    /// The ffmpeg filter graph (for <c>-filter_complex_script</c>) that reads <paramref name="input"/> and writes
    /// <c>[silenced]</c> with the <paramref name="silenced"/> stretches (already widened) at exact sample positions.
    /// </summary>
    public static string Graph(IReadOnlyList<Span> silenced, string input = "0:a:0")
    {
        if (silenced.Count == 0) return $"[{input}]anull[silenced]";
        var text = new StringBuilder();
        var pieces = 2 * silenced.Count + 1;
        // aresample first: the sound starts at time 0 (padded with silence if it started later, trimmed if it
        // started before) with no gaps, so the split points are exact and the joined pieces keep the timing.
        text.Append('[').Append(input).Append("]aresample=async=1:first_pts=0,asegment=timestamps=");
        text.AppendJoin('|', silenced.SelectMany(s => new[] { Seconds(s.Start), Seconds(s.End) }));
        for (var i = 0; i < pieces; i++) text.Append("[p").Append(i).Append(']');
        text.Append(";\n");
        // concat needs each piece to start at time 0; odd pieces are the silenced stretches.
        for (var i = 0; i < pieces; i++)
            text.Append("[p").Append(i).Append(']').Append(i % 2 == 1 ? "volume=0," : "").Append("asetpts=PTS-STARTPTS[r").Append(i).Append("];\n");
        for (var i = 0; i < pieces; i++) text.Append("[r").Append(i).Append(']');
        text.Append("concat=n=").Append(pieces).Append(":v=0:a=1[silenced]\n");
        return text.ToString();
    }

    /// <summary>What one ffmpeg run wrote: the file, or null and ffmpeg's complaint.</summary>
    public sealed record Encoded(string? Path, string Errors);

    /// <summary>
    /// Silences <paramref name="spans"/> (widened by the margin and a guard) through <paramref name="encode"/>, which runs
    /// ffmpeg with the graph script it is given (mapping <c>[silenced]</c>) and says what it wrote. The file is then
    /// checked; a wider guard is tried when sound is left in a stretch.
    /// </summary>
    public static async Task<Outcome> SilenceCheckedAsync(IReadOnlyList<Span> spans, string workDir,
        Func<string, CancellationToken, Task<Encoded>> encode, CancellationToken ct)
    {
        var mustBeSilent = Widen(spans, Margin);
        var detail = "";
        foreach (var guard in Guards)
        {
            var script = Path.Combine(workDir, "silence.filtergraph");
            await File.WriteAllTextAsync(script, Graph(Widen(spans, Margin + guard)), ct);
            var encoded = await encode(script, ct);
            if (encoded.Path is null) return new Outcome(false, $"ffmpeg could not write the silenced sound: {Tail(encoded.Errors)}");
            var check = await CheckSilentAsync(encoded.Path, mustBeSilent, ct);
            if (check.Silent) return check;
            detail = check.Detail;
        }
        return new Outcome(false, detail);
    }

    /// <summary>
    /// Writes a copy of <paramref name="input"/> to <paramref name="output"/> (same container) with <paramref name="spans"/>
    /// silenced and checked: video copied untouched, cover art, chapters and metadata tags dropped (they may show or
    /// name people), the sound re-encoded with the codec it had where ffmpeg can write it.
    /// </summary>
    public static async Task<Outcome> SilenceFileAsync(string input, string output, IReadOnlyList<Span> spans, string workDir, CancellationToken ct)
    {
        var probe = await MediaProbe.ProbeAsync(input, ct);
        if (probe is null) return new Outcome(false, "ffprobe could not read the recording.");
        var ext = Path.GetExtension(output).ToLowerInvariant();
        return await SilenceCheckedAsync(spans, workDir, async (script, token) =>
        {
            List<string> args = ["-hide_banner", "-nostdin", "-v", "error", "-y", "-i", input, "-filter_complex_script", script,
                "-map", "0:V?", "-map", "[silenced]", "-map_metadata", "-1", "-map_chapters", "-1", "-c:v", "copy"];
            if (EncoderFor(probe.AudioCodec) is { } codec) args.AddRange(["-c:a", codec]);
            if (ext is ".mp4" or ".m4a" or ".mov" or ".3gp") args.AddRange(["-movflags", "+faststart"]);
            args.Add(output);
            var (exit, _, errors) = await MediaProbe.RunAsync("ffmpeg", args, TimeSpan.FromHours(2), token);
            return new Encoded(exit == 0 && File.Exists(output) && new FileInfo(output).Length > 0 ? output : null, errors);
        }, ct);
    }

    /// <summary>The encoder that writes the codec a recording had (null: the container's default).</summary>
    private static string? EncoderFor(string codec) => codec switch
    {
        _ when codec.StartsWith("pcm_", StringComparison.Ordinal) => codec,
        "flac" => "flac",
        "alac" => "alac",
        "mp3" => "libmp3lame",
        "aac" => "aac",
        "opus" => "libopus",
        "vorbis" => "libvorbis",
        _ => null,
    };

    private static string Tail(string s) => s.Length <= 500 ? s.Trim() : s[^500..].Trim();

    /// <summary>
    /// Decodes the first sound stream of <paramref name="path"/> and checks that every sample of every channel
    /// inside <paramref name="spans"/> is below <see cref="SilentBelow"/>.
    /// </summary>
    public static async Task<Outcome> CheckSilentAsync(string path, IReadOnlyList<Span> spans, CancellationToken ct)
    {
        var (exit, stdout, _) = await MediaProbe.RunAsync("ffprobe",
            ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=sample_rate,channels", "-of", "csv=p=0", path], TimeSpan.FromMinutes(1), ct);
        var fields = stdout.Trim().Split(',');
        if (exit != 0 || fields.Length < 2 || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out var rate) || !int.TryParse(fields[1], CultureInfo.InvariantCulture, out var channels) || rate <= 0 || channels <= 0)
            return new Outcome(false, "ffprobe could not read the silenced sound.");
        var ordered = spans.OrderBy(s => s.Start).ToList();

        // aresample with first_pts=0 pads or trims the start so that sample n is at time n / rate, matching
        // the presentation times the stretches are in; async=1 fills any gap in the timestamps the same way.
        using var process = MediaProbe.Start("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0",
            "-af", "aresample=async=1:first_pts=0", "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]);
        var errors = process.StandardError.ReadToEndAsync(ct);
        var stream = process.StandardOutput.BaseStream;
        var buffer = new byte[1 << 16];
        int filled = 0, read;
        long sample = 0; // counted over all channels
        var span = 0;
        float loudest = 0;
        double? soundAt = null;
        try
        {
            while (span < ordered.Count && (read = await stream.ReadAsync(buffer.AsMemory(filled), ct)) > 0)
            {
                filled += read;
                var whole = filled - filled % 4;
                for (var i = 0; i < whole && span < ordered.Count; i += 4, sample++)
                {
                    var seconds = (double)(sample / channels) / rate;
                    while (span < ordered.Count && seconds > ordered[span].End) span++;
                    if (span >= ordered.Count || seconds < ordered[span].Start) continue;
                    var value = Math.Abs(BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(i, 4)));
                    if (value > loudest) loudest = value;
                    if (value >= SilentBelow && soundAt is null) soundAt = seconds;
                }
                Array.Copy(buffer, whole, buffer, 0, filled - whole);
                filled -= whole;
            }
            if (span >= ordered.Count)
            {
                MediaProbe.Kill(process); // past the last stretch: the rest need not be decoded
            }
            else
            {
                await process.WaitForExitAsync(ct);
                if (process.ExitCode != 0) return new Outcome(false, $"ffmpeg could not decode the silenced sound: {Tail(await errors)}");
            }
        }
        catch (OperationCanceledException)
        {
            MediaProbe.Kill(process);
            throw;
        }
        return soundAt is { } at
            ? new Outcome(false, string.Create(CultureInfo.InvariantCulture, $"sound at {at:0.000} s inside a silenced stretch (loudest sample {loudest:0.000000})"))
            : new Outcome(true, string.Create(CultureInfo.InvariantCulture, $"{ordered.Count} stretch(es) silent (loudest sample {loudest:0.000000})"));
    }

    private static string Seconds(double s) => s.ToString("0.000000", CultureInfo.InvariantCulture);
}
