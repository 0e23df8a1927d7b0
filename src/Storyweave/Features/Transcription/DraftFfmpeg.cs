namespace Storyweave.Features.Transcription;

/// <summary>ffmpeg failed while making a draft; the details go to the server log, not to the person.</summary>
public sealed class DraftFfmpegException(int exit, string errors) : Exception($"ffmpeg stopped with code {exit}: {errors}");
