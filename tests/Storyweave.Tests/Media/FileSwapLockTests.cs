using Microsoft.Extensions.DependencyInjection;
using Storyweave.Features.Media;

namespace Storyweave.Tests.Media;

/// <summary>
/// The recording swap lock (<see cref="FileSwapLock"/>) holds across nodes sharing one data folder: while a withdrawal on
/// node A swaps in a silenced recording, a rendition or clip cut on node B cannot accept a file made from the old sound.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileSwapLockTests
{
    /// <summary>Long enough for a lock that is free to be taken many times over (it is tried every few milliseconds).</summary>
    private static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(500);

    private static FileSwapLock LockOf(TestApp node) => node.Services.GetRequiredService<MediaStorage>().FileSwapLock;

    [Fact]
    public async Task While_node_A_holds_the_swap_lock_node_B_waits_for_it_and_takes_it_once_A_lets_go_and_the_other_way_round()
    {
        await using var a = await TestApp.StartAsync();
        await using var b = await a.StartSecondNodeAsync();
        Assert.Equal(LockOf(a).Path, LockOf(b).Path);

        var heldByA = await LockOf(a).TakeAsync();
        var onB = LockOf(b).TakeAsync();
        Assert.NotSame(onB, await Task.WhenAny(onB, Task.Delay(Moment)));
        Assert.False(onB.IsCompleted, "Node B took the swap lock while node A held it.");
        heldByA.Dispose();
        var heldByB = await onB.WaitAsync(TimeSpan.FromMinutes(1));

        // And node A waits for node B in turn, behind a second waiter of its own queued in the process.
        var onA = LockOf(a).TakeAsync();
        var secondOnA = LockOf(a).TakeAsync();
        Assert.NotSame(onA, await Task.WhenAny(onA, secondOnA, Task.Delay(Moment)));
        Assert.False(onA.IsCompleted || secondOnA.IsCompleted, "Node A took the swap lock while node B held it.");
        heldByB.Dispose();
        (await onA.WaitAsync(TimeSpan.FromMinutes(1))).Dispose();
        (await secondOnA.WaitAsync(TimeSpan.FromMinutes(1))).Dispose();

        // The lock file is not backed up and not scratch: it lives in locks/, readable by this user only.
        Assert.Equal(Path.Combine(a.DataDir, "locks", FileSwapLock.FileName), LockOf(a).Path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(LockOf(a).Path));
    }

    [Fact]
    public async Task A_wait_that_lasts_too_long_fails_with_a_message_naming_the_lock_and_a_cancelled_wait_stops_and_neither_keeps_the_lock()
    {
        await using var a = await TestApp.StartAsync();
        await using var b = await a.StartSecondNodeAsync();
        using var impatient = new FileSwapLock(LockOf(b).Path, TimeSpan.FromMilliseconds(300));

        var heldByA = await LockOf(a).TakeAsync();
        var timedOut = await Assert.ThrowsAsync<TimeoutException>(() => impatient.TakeAsync());
        Assert.Contains(LockOf(a).Path, timedOut.Message, StringComparison.Ordinal);
        Assert.Contains("another Storyweave process still holds it", timedOut.Message, StringComparison.Ordinal);

        using var cancel = new CancellationTokenSource();
        var waiting = LockOf(b).TakeAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        heldByA.Dispose();

        // Neither the timed-out nor the cancelled wait left its process's queue taken.
        (await impatient.TakeAsync().WaitAsync(TimeSpan.FromMinutes(1))).Dispose();
        (await LockOf(b).TakeAsync().WaitAsync(TimeSpan.FromMinutes(1))).Dispose();
    }
}
