using Storyweave.Features.Media;

namespace Storyweave.Features.Redaction;

/// <summary>
/// Which stretches of a clip to silence for redacted words. Transcripts have times per cue (a line or turn), not
/// per word, so the whole cue that contains a redacted word is silenced: cue-level, never word-level. The times are
/// relative to the clip (a cue that starts before the clip is silenced from 0:00). The silencing itself, with its
/// margins and check, is the shared <see cref="AudioSilencer"/>.
/// </summary>
public static class AudioSilencing
{
    public sealed record TimedText(double? StartSeconds, double? EndSeconds, string Text);

    /// <summary>The stretches to silence: cues overlapping the clip whose text has a redacted term, merged where they touch.</summary>
    public static IReadOnlyList<AudioSilencer.Span> Windows(IEnumerable<TimedText> cues, double clipStart, double clipEnd, Redactor redactor) =>
        AudioSilencer.Widen(cues.Where(c => c.StartSeconds is not null && c.EndSeconds is not null && c.EndSeconds > clipStart && c.StartSeconds < clipEnd && redactor.Contains(c.Text))
            .Select(c => new AudioSilencer.Span(Math.Max(c.StartSeconds!.Value, clipStart) - clipStart, Math.Min(c.EndSeconds!.Value, clipEnd) - clipStart)), 0);
}
