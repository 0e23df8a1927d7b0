using System.Diagnostics;
using System.Globalization;
using Storyweave.Features.Media;

namespace Storyweave.Features.Transcription;

/// <summary>ffmpeg failed while making a draft; the details go to the server log, not to the person.</summary>
public sealed class DraftFfmpegException(int exit, string errors) : Exception($"ffmpeg stopped with code {exit}: {errors}");

/// <summary>Runs ffmpeg for the draft engines, with its <c>-progress</c> output as progress.</summary>
internal static class DraftFfmpeg
{
    public static async Task<(int Exit, string Errors)> RunAsync(IReadOnlyList<string> args, string workDir, double seconds, Action<double> progress, CancellationToken ct)
    {
        var info = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new MediaToolsMissingException("ffmpeg");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new MediaToolsMissingException("ffmpeg");
        }
        using var _ = process;
        process.StandardInput.Close();
        var errors = process.StandardError.ReadToEndAsync(ct);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
            {
                // out_time_us: how far into the input ffmpeg has got.
                if (!line.StartsWith("out_time_us=", StringComparison.Ordinal) || seconds <= 0) continue;
                if (long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros))
                    progress(Math.Clamp(micros / 1_000_000.0 / seconds, 0, 1));
            }
            await process.WaitForExitAsync(ct);
            return (process.ExitCode, await errors);
        }
        catch (OperationCanceledException)
        {
            MediaProbe.Kill(process);
            throw;
        }
    }
}
