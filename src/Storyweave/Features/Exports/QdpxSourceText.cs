using System.Text;
using Storyweave.Features.Redaction;

namespace Storyweave.Features.Exports;

/// <summary>
/// The plain text of one story as a REFI-QDA source, and the map from Storyweave's passage offsets to it.
/// <para>Storyweave's offsets count UTF-16 units in the whole transcript (every line joined by "\n"). The source
/// holds only the lines that may leave the project, joined the same way, then redacted as one text (so a name split
/// over two lines is still found). A passage's start and end are carried through both steps: a hidden line shrinks to
/// nothing, and a start or end inside a replaced word moves to the start or end of its replacement, so the selection
/// holds exactly the redacted words. The result counts Unicode characters (code points), not UTF-16 units.</para>
/// </summary>
public sealed class QdpxSourceText
{
    /// <summary>UTF-8 without a byte-order mark (a mark would be read as a character and shift every offset by one).</summary>
    public static readonly Encoding Encoding = new UTF8Encoding(false);

    private readonly int[] _toJoined;
    private readonly int[] _startInText;
    private readonly int[] _endInText;
    private readonly int[] _codePoints;

    private QdpxSourceText(string text, int[] toJoined, int[] startInText, int[] endInText)
    {
        Text = text;
        _toJoined = toJoined;
        _startInText = startInText;
        _endInText = endInText;
        _codePoints = new int[text.Length + 1];
        for (var i = 0; i < text.Length; i++)
            _codePoints[i + 1] = _codePoints[i] + (char.IsLowSurrogate(text[i]) && i > 0 && char.IsHighSurrogate(text[i - 1]) ? 0 : 1);
    }

    /// <summary>The text written to the source file.</summary>
    public string Text { get; }

    /// <param name="lines">The transcript's lines in order, each with whether it may leave the project.</param>
    public static QdpxSourceText Build(IReadOnlyList<(string Text, bool Visible)> lines, Redactor redactor)
    {
        // Step 1: the whole transcript (as Storyweave's offsets count it) to the permitted lines joined by "\n".
        var full = lines.Sum(l => l.Text.Length) + Math.Max(0, lines.Count - 1);
        var toJoined = new int[full + 1];
        var joined = new StringBuilder();
        var position = 0;
        var any = false;
        foreach (var (line, visible) in lines)
        {
            if (visible)
            {
                if (any) joined.Append('\n');
                any = true;
                for (var k = 0; k <= line.Length; k++) toJoined[position + k] = joined.Length + k;
                joined.Append(line);
            }
            else
            {
                for (var k = 0; k <= line.Length; k++) toJoined[position + k] = joined.Length;
            }
            position += line.Length + 1; // the "\n" after the line maps with the line's end (k == Length)
        }

        // Step 2: the joined text to its redacted form. Inside a replaced word a start moves back, an end forward.
        var raw = joined.ToString();
        var startInText = new int[raw.Length + 1];
        var endInText = new int[raw.Length + 1];
        var text = new StringBuilder(raw.Length);
        var at = 0;
        foreach (var (index, length, replacement) in redactor.Replacements(raw))
        {
            for (; at < index; at++)
            {
                startInText[at] = endInText[at] = text.Length;
                text.Append(raw[at]);
            }
            var replacementStart = text.Length;
            text.Append(replacement);
            startInText[index] = endInText[index] = replacementStart;
            for (at = index + 1; at < index + length; at++)
            {
                startInText[at] = replacementStart;
                endInText[at] = text.Length;
            }
        }
        for (; at < raw.Length; at++)
        {
            startInText[at] = endInText[at] = text.Length;
            text.Append(raw[at]);
        }
        startInText[raw.Length] = endInText[raw.Length] = text.Length;
        return new QdpxSourceText(text.ToString(), toJoined, startInText, endInText);
    }

    /// <summary>
    /// Where an offset into the whole transcript lands in <see cref="Text"/>, in code points: as a start (inside a
    /// replaced word: the replacement's start) or as an end (the replacement's end). A hidden line's offsets land where
    /// the next permitted text begins.
    /// </summary>
    public int Position(int offset, bool asEnd)
    {
        var joined = _toJoined[Math.Clamp(offset, 0, _toJoined.Length - 1)];
        return _codePoints[asEnd ? _endInText[joined] : _startInText[joined]];
    }

    /// <summary>
    /// A passage's place in <see cref="Text"/> in code points, or null when none of it is in the text (all of it in
    /// hidden lines, or offsets beyond the transcript after an edit).
    /// </summary>
    public (int Start, int End)? Map(int startOffset, int endOffset)
    {
        var last = _toJoined.Length - 1;
        var start = _startInText[_toJoined[Math.Clamp(startOffset, 0, last)]];
        var end = _endInText[_toJoined[Math.Clamp(endOffset, 0, last)]];
        return end > start ? (_codePoints[start], _codePoints[end]) : null;
    }
}
