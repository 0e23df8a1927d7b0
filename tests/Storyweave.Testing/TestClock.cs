namespace Storyweave.Testing;

/// <summary>
/// A clock a test can move forward. Register it with
/// <c>configureBuilder: b => b.Services.AddSingleton&lt;TimeProvider&gt;(clock)</c>: the app, cookie
/// authentication and Identity's security-stamp check all read the container's TimeProvider.
/// </summary>
public sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public TestClock() : this(DateTimeOffset.UtcNow) { }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
