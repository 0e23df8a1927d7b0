using Storyweave.Hosting;

namespace Storyweave.Features.Transcription;

/// <summary>A stretch of recognised speech, in seconds from the start of the recording.</summary>
public sealed record RecognisedPhrase(double Start, double End, string Text);

/// <summary>
/// A speech recogniser that runs on this machine: nothing of a recording is ever sent elsewhere.
/// Two real implementations (ffmpeg's pocketsphinx filter, Whisper.net), hence the interface.
/// </summary>
public interface IDraftEngine
{
    string Name { get; }

    /// <summary>Words for a person choosing an engine.</summary>
    string Label { get; }

    /// <summary>Null when the engine can run here; otherwise what is missing and what to install or set, in plain words.</summary>
    string? Problem();

    /// <summary>
    /// Recognises the speech in <paramref name="source"/>. Scratch files go in <paramref name="scratchDir"/>
    /// and start with <paramref name="scratchPrefix"/> (the caller deletes them). <paramref name="progress"/>
    /// takes 0–1. Throws <see cref="DraftEngineException"/> with a message for people when it cannot.
    /// </summary>
    Task<IReadOnlyList<RecognisedPhrase>> RecogniseAsync(string source, double durationSeconds, string scratchDir, string scratchPrefix,
        Action<double> progress, CancellationToken ct);
}

/// <summary>An engine could not make a draft; <see cref="Exception.Message"/> is meant for the person who asked.</summary>
public sealed class DraftEngineException(string message) : Exception(message);

/// <summary>The engines this instance has, by name.</summary>
public sealed class DraftEngines(StoryweaveOptions options)
{
    public const string Pocketsphinx = "pocketsphinx";
    public const string Whisper = "whisper";

    private readonly IDraftEngine[] _all = [new PocketsphinxEngine(options.PocketsphinxModelDir), new WhisperEngine(options)];

    public IReadOnlyList<IDraftEngine> All => _all;

    public IDraftEngine? Find(string? name) => _all.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whisper when an operator set a model (it is the better engine), else pocketsphinx.</summary>
    public string DefaultName => WhisperConfigured ? Whisper : Pocketsphinx;

    public bool WhisperConfigured => !string.IsNullOrWhiteSpace(options.WhisperModelPath);
}
