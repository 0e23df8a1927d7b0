using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Storyweave.Features.Transcripts;

/// <summary>
/// oTranscribe (.otr): JSON whose "text" is the editor's HTML. Each
/// <c>&lt;span class="timestamp" data-timestamp="12.3"&gt;0:12&lt;/span&gt;</c> starts a cue; a
/// "Name: " right after it is the speaker. The HTML is reduced to plain text (tags dropped,
/// entities decoded); nothing of it is ever rendered.
/// </summary>
public static partial class OtrParser
{
    public const string FormatId = "otr";

    public static ParsedTranscript Parse(string json)
    {
        string html;
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("text", out var textProperty) || textProperty.ValueKind != JsonValueKind.String)
                throw new TranscriptFormatException("This is not an oTranscribe (.otr) file: it has no transcript text (\"text\").");
            html = textProperty.GetString()!;
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            throw new TranscriptFormatException([new TranscriptError(line,
                $"Line {line}: this oTranscribe (.otr) file is damaged: its contents stop making sense here (it is not valid JSON).")]);
        }

        var errors = new ErrorList();
        var cues = new List<ParsedCue>();
        var drafts = new List<(CueDraft Draft, string Label)>();
        var current = new CueDraft(0, null, null, "");
        var label = "The text before the first timestamp";
        var text = new System.Text.StringBuilder();
        var timestampCount = 0;
        var skipDepth = 0; // >0 while inside a timestamp span (its "0:12" label) or a script/style element

        void Close()
        {
            current.Lines.AddRange(text.ToString().Split('\n'));
            text.Clear();
            drafts.Add((current, label));
        }

        foreach (Match token in Token().Matches(html))
        {
            if (token.Groups["tag"].Success)
            {
                var tag = token.Groups["tag"].Value;
                var name = TagName().Match(tag).Groups[1].Value.ToLowerInvariant();
                var closing = tag.StartsWith("</", StringComparison.Ordinal);
                if (skipDepth > 0)
                {
                    if (name is "span" or "script" or "style") skipDepth += closing ? -1 : tag.EndsWith("/>", StringComparison.Ordinal) ? 0 : 1;
                    continue;
                }
                if (!closing && name == "span" && TimestampClass().IsMatch(tag))
                {
                    Close();
                    timestampCount++;
                    var raw = WebUtility.HtmlDecode(DataTimestamp().Match(tag).Groups[1].Value).Trim();
                    label = $"Timestamp {timestampCount}";
                    double? start = double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && double.IsFinite(s) && s >= 0 ? s : null;
                    if (start is null)
                        errors.Add(new TranscriptError(null, $"{label}: the time '{Captions.Shorten(raw)}' is not a number of seconds, so this timestamp cannot be placed."));
                    current = new CueDraft(timestampCount, start, null, "");
                    skipDepth = 1;
                    continue;
                }
                if (!closing && name is "script" or "style")
                {
                    skipDepth = 1;
                    continue;
                }
                if (name is "p" or "div" or "br" or "li" or "h1" or "h2" or "h3" or "h4" or "h5" or "h6") text.Append('\n');
                continue;
            }
            // Line breaks in HTML source are spaces; only block tags break lines.
            if (skipDepth == 0) text.Append(WebUtility.HtmlDecode(token.Value).ReplaceLineEndings(" "));
        }
        Close();

        double? previousStart = null;
        for (var k = 0; k < drafts.Count; k++)
        {
            var (draft, where) = drafts[k];
            var body = string.Join("\n", draft.Lines.Select(l => Whitespace().Replace(l, " ").Trim()).Where(l => l.Length > 0));
            var (speaker, cueText) = TranscriptText.SplitSpeaker(body);
            if (draft.Start is { } start)
            {
                if (previousStart is { } p && start < p - TranscriptText.BackwardsTolerance)
                    errors.Add(new TranscriptError(null, $"{where} ({TranscriptText.Format(start)}) is earlier than the timestamp before it ({TranscriptText.Format(p)}); timestamps must be in time order."));
                previousStart = start;
                var next = drafts.Skip(k + 1).Select(d => d.Draft.Start).FirstOrDefault(s => s is not null);
                draft.End = next is { } n ? Math.Max(n, start) : null;
            }
            if (cueText.Length == 0)
            {
                // Empty text before the first timestamp is just the document's start.
                if (draft.Index > 0) errors.Add(new TranscriptError(null, $"{where} ({TranscriptText.Format(draft.Start ?? 0)}) has no text after it."));
                continue;
            }
            cues.Add(new ParsedCue(draft.Start, draft.End, speaker, cueText));
        }
        return TranscriptText.Finish(FormatId, cues, errors);
    }

    [GeneratedRegex(@"(?<tag><[^>]*>?)|[^<]+", RegexOptions.CultureInvariant)]
    private static partial Regex Token();

    [GeneratedRegex(@"^</?\s*([A-Za-z0-9]+)", RegexOptions.CultureInvariant)]
    private static partial Regex TagName();

    [GeneratedRegex(@"\bclass\s*=\s*[""'][^""']*\btimestamp\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex TimestampClass();

    [GeneratedRegex(@"\bdata-timestamp\s*=\s*[""']([^""']*)[""']", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex DataTimestamp();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();
}
