using Storyweave.Features.Media;
using Storyweave.Hosting;
using Whisper.net;

namespace Storyweave.Features.Transcription;

/// <summary>
/// The better engine, for operators who provide a model: Whisper (whisper.cpp through Whisper.net, on
/// this machine's processor) with a ggml model file the operator downloads once and names in
/// STORYWEAVE_WHISPER_MODEL (docs/operations.md says where to get one and what each size costs).
/// The recording is first turned into 16 kHz mono WAV in the scratch folder, which is what Whisper reads.
/// Whisper's segments come with times and punctuation; no speakers (see ARCHITECTURE.md).
/// </summary>
public sealed class WhisperEngine(StoryweaveOptions options) : IDraftEngine
{
    /// <summary>The first four bytes of every ggml Whisper model: the number 0x67676d6c ("ggml") stored little-endian.</summary>
    private static readonly byte[] GgmlMagic = "lmgg"u8.ToArray();

    /// <summary>Share of the progress bar given to converting the recording before Whisper starts.</summary>
    private const double ConversionShare = 0.05;

    public string Name => DraftEngines.Whisper;
    public string Label => "Whisper (better; set up by your administrator)";

    public string? Problem() => ModelProblem(options.WhisperModelPath);

    /// <summary>Why the model file cannot be used, or null when it looks like a ggml Whisper model.</summary>
    public static string? ModelProblem(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
            return "Whisper is not set up on this server. An administrator can set STORYWEAVE_WHISPER_MODEL to a ggml Whisper model file (see docs/operations.md); until then, use pocketsphinx.";
        if (Directory.Exists(path))
            return $"The Whisper model setting (STORYWEAVE_WHISPER_MODEL) names a folder, {path}. It must name the model file itself, for example {Path.Combine(path, "ggml-base.en.bin")}.";
        if (!File.Exists(path))
            return $"The Whisper model file {path} (set in STORYWEAVE_WHISPER_MODEL) does not exist. Ask your administrator to download a ggml Whisper model there (see docs/operations.md) or correct the setting.";
        var head = new byte[4];
        int read;
        try
        {
            using var stream = File.OpenRead(path);
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return $"Storyweave cannot read the Whisper model file {path}: the account Storyweave runs as needs permission to read it. Ask your administrator to fix its permissions.";
        }
        if (read < head.Length || !head.AsSpan().SequenceEqual(GgmlMagic))
            return $"The file {path} is not a ggml Whisper model (it does not start like one; perhaps a web page saved by mistake, or a model in another format). " +
                "Ask your administrator to download a ggml model such as ggml-base.en.bin (see docs/operations.md).";
        return null;
    }

    public async Task<IReadOnlyList<RecognisedPhrase>> RecogniseAsync(string source, double durationSeconds, string scratchDir, string scratchPrefix,
        Action<double> progress, CancellationToken ct)
    {
        if (Problem() is { } problem) throw new DraftEngineException(problem);
        var modelPath = options.WhisperModelPath!;

        var wavName = scratchPrefix + ".wav";
        List<string> args = ["-hide_banner", "-nostdin", "-v", "error", "-nostats", "-progress", "pipe:1", "-y", "-i", source, "-map", "0:a:0", "-vn",
            "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", "-map_metadata", "-1", "-f", "wav", wavName];
        var (exit, errors) = await MediaProbe.RunFfmpegWithProgressAsync(args, scratchDir, durationSeconds, p => progress(p * ConversionShare), ct);
        if (exit != 0) throw new DraftFfmpegException(exit, errors);

        WhisperFactory factory;
        try
        {
            factory = WhisperFactory.FromPath(modelPath);
        }
        catch (WhisperModelLoadException)
        {
            throw new DraftEngineException($"Whisper could not load the model file {modelPath}: it starts like a ggml model but is incomplete or damaged " +
                "(for example a download that stopped early), or needs a newer Storyweave. Ask your administrator to download it again (see docs/operations.md).");
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            throw new DraftEngineException("Whisper's own program library could not be started on this server (" + e.GetType().Name + "). " +
                "Ask your administrator to check the server log; pocketsphinx still works.");
        }
        using (factory)
        {
            var builder = factory.CreateBuilder()
                .WithLanguage(string.IsNullOrWhiteSpace(options.WhisperLanguage) ? "auto" : options.WhisperLanguage)
                // Leave a core for the web app and everyone else; whisper.cpp gains little past four threads.
                .WithThreads(Math.Clamp(Environment.ProcessorCount - 1, 1, 4))
                .WithProgressHandler(percent => progress(ConversionShare + (1 - ConversionShare) * Math.Clamp(percent, 0, 100) / 100.0));
            await using var processor = builder.Build();
            var phrases = new List<RecognisedPhrase>();
            await using var wav = File.OpenRead(Path.Combine(scratchDir, wavName));
            await foreach (var segment in processor.ProcessAsync(wav, ct))
            {
                var text = segment.Text.Trim();
                // Whisper marks stretches without speech as [BLANK_AUDIO], (music) and the like: not words anyone said.
                if (text.Length == 0 || IsNonSpeech(text)) continue;
                phrases.Add(new RecognisedPhrase(Math.Round(segment.Start.TotalSeconds, 2), Math.Round(Math.Max(segment.Start.TotalSeconds, segment.End.TotalSeconds), 2), text));
            }
            return phrases;
        }
    }

    private static bool IsNonSpeech(string text) =>
        (text.StartsWith('[') && text.EndsWith(']')) || (text.StartsWith('(') && text.EndsWith(')')) || (text.StartsWith('*') && text.EndsWith('*'));
}
