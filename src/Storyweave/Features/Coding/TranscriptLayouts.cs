using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Storyweave.Data;
using Storyweave.Features.Stories;

namespace Storyweave.Features.Coding;

/// <summary>
/// Where each line of a story's transcript sits in the story's plain text (the lines' words joined by "\n"),
/// without the words: what coding needs to turn a selection's character offsets into the lines it covers.
/// <para>Coding a passage used to read every line of the story (700 KB for a long one) to find the few it
/// covers. The layout is kept in a bounded cache keyed by story and <see cref="Story.TranscriptVersion"/>:
/// every change to a story's lines raises that version in the same transaction (it is also what tells an
/// open editor that the text changed under it), so a layout can never be used for a newer text. The words of
/// the covered lines are still read from the database for each passage and checked against the layout; a
/// mismatch drops the cached layout and builds it again (see <see cref="CodingService"/>).</para>
/// </summary>
public sealed class TranscriptLayouts : IDisposable
{
    /// <summary>Lines kept across all cached stories: about 64 bytes each, so at most ~13 MB.</summary>
    public const int MaxCachedLines = 200_000;

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = MaxCachedLines, CompactionPercentage = 0.25 });

    /// <summary>One line: its row, its place and [Start, End) in the plain text, and what a passage copies from it.</summary>
    public readonly record struct Line(long CueId, int Position, int Start, int End, string Speaker, double? StartSeconds, double? EndSeconds);

    public sealed class Layout(int version, Line[] lines)
    {
        public int Version { get; } = version;
        public IReadOnlyList<Line> Lines => lines;
        public int TextLength => lines.Length == 0 ? 0 : lines[^1].End;

        /// <summary>The lines with words that overlap [start, end), in order.</summary>
        public List<Line> Covered(int start, int end)
        {
            var covered = new List<Line>();
            for (var i = Math.Max(0, IndexAt(start)); i < lines.Length && lines[i].Start < end; i++)
                if (lines[i].End > lines[i].Start && lines[i].End > start) covered.Add(lines[i]);
            return covered;
        }

        /// <summary>
        /// The range of lines whose words and following "\n" hold [start, end): from the line that [start] is in
        /// (or whose separator it is) to the line after the one <paramref name="end"/> falls in, so that joining
        /// their words by "\n" gives text from <c>lines[first].Start</c> that contains the whole span.
        /// </summary>
        public (int First, int Last) Around(int start, int end)
        {
            var first = Math.Max(0, IndexAt(start));
            var last = Math.Max(first, IndexAt(Math.Max(start, end - 1)));
            return (first, Math.Min(lines.Length - 1, last + 1));
        }

        /// <summary>The last line starting at or before <paramref name="offset"/> (-1 when there is none).</summary>
        private int IndexAt(int offset)
        {
            int lo = 0, hi = lines.Length - 1, found = -1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                if (lines[mid].Start <= offset) { found = mid; lo = mid + 1; }
                else hi = mid - 1;
            }
            return found;
        }
    }

    /// <summary>The layout of the story's transcript at <paramref name="version"/>, from the cache or read once.</summary>
    public async Task<Layout> GetAsync(StoryweaveDb db, int storyId, int version, CancellationToken ct)
    {
        if (cache.TryGetValue(storyId, out Layout? cached) && cached!.Version == version) return cached;
        // Lines and version in one statement, so the layout is filed under the version its lines belong to
        // even when someone saves between this request's reads (PostgreSQL reads each statement afresh).
        var rows = await db.TranscriptCues.AsNoTracking().Where(c => c.StoryId == storyId)
            .Select(c => new { c.Story!.TranscriptVersion, c.Id, c.Position, c.Text, c.Speaker, c.StartSeconds, c.EndSeconds })
            .ToListAsync(ct);
        var speakers = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = new Line[rows.Count];
        var offset = 0;
        var i = 0;
        foreach (var r in rows.OrderBy(r => r.Position))
        {
            // The same few speaker names repeat on every line: keep one copy of each.
            if (!speakers.TryGetValue(r.Speaker, out var speaker)) speakers[r.Speaker] = speaker = r.Speaker;
            lines[i++] = new Line(r.Id, r.Position, offset, offset + r.Text.Length, speaker, r.StartSeconds, r.EndSeconds);
            offset += r.Text.Length + 1;
        }
        var layout = new Layout(rows.Count > 0 ? rows[0].TranscriptVersion : version, lines);
        if (layout.Version == version)
            cache.Set(storyId, layout, new MemoryCacheEntryOptions { Size = Math.Max(1, lines.Length), SlidingExpiration = TimeSpan.FromMinutes(30) });
        return layout;
    }

    public void Dispose() => cache.Dispose();

    /// <summary>Forgets a story's layout (it did not match the lines read from the database).</summary>
    public void Forget(int storyId) => cache.Remove(storyId);
}
