namespace Storyweave.Hosting;

/// <summary>
/// Instance settings shared by every verb. Each comes from a command-line option, else an
/// environment variable, else a default (see <see cref="Cli.StoryweaveCli"/>).
/// </summary>
public sealed record StoryweaveOptions
{
    public const string DefaultUrls = "http://127.0.0.1:5080";
    public const string DefaultDataDir = "storyweave-data";

    public string DataDir { get; init; } = Path.GetFullPath(DefaultDataDir);
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>A PostgreSQL connection string; null means the embedded SQLite database.</summary>
    public string? Postgres { get; init; }

    public bool NoSample { get; init; }

    // Per-address limits, each purpose its own bucket. Generous: a community centre's 30 people share one
    // address. Guessing one account's password is slowed per account (SignInThrottle), not here.

    /// <summary>Staff sign-in posts per client address per minute (env STORYWEAVE_SIGNINS_PER_MINUTE).</summary>
    public int SignInAttemptsPerMinute { get; init; } = 60;

    /// <summary>Storyteller codes typed per client address per minute (env STORYWEAVE_CODES_PER_MINUTE); each link also locks after 5 wrong codes.</summary>
    public int CodeAttemptsPerMinute { get; init; } = 30;

    /// <summary>First-run set-up posts per client address per minute.</summary>
    public int SetupAttemptsPerMinute { get; init; } = 10;

    /// <summary>Public sign-ups accepted per client address per hour (env STORYWEAVE_SIGNUPS_PER_HOUR; a bot guard).</summary>
    public int SignUpsPerHourPerAddress { get; init; } = 60;

    /// <summary>
    /// Reverse proxies whose X-Forwarded-For / -Proto are believed (env STORYWEAVE_TRUSTED_PROXIES: addresses or
    /// networks like 10.0.0.0/8, comma-separated; "none" for none). Default: this machine (loopback), where
    /// docs/operations.md puts nginx. Anyone else's forwarded headers are ignored.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = ["127.0.0.0/8", "::1/128"];

    /// <summary>The largest recording one upload may bring (env STORYWEAVE_MAX_UPLOAD_MB). Zoom video runs to gigabytes.</summary>
    public long MaxUploadBytes { get; init; } = DefaultMaxUploadBytes;

    /// <summary>A signed-in session ends after this long without a request (env STORYWEAVE_SESSION_IDLE_MINUTES).</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A signed-in session ends this long after sign-in, however busy (env STORYWEAVE_SESSION_MAX_HOURS).</summary>
    public TimeSpan SessionAbsoluteLifetime { get; init; } = TimeSpan.FromHours(12);

    /// <summary>The least important console messages shown (env STORYWEAVE_LOG_LEVEL; default Warning).</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>One console line per request (env STORYWEAVE_LOG_REQUESTS=1; off by default).</summary>
    public bool LogRequests { get; init; }
    /// <summary>
    /// A ggml Whisper model file for automatic first drafts (env STORYWEAVE_WHISPER_MODEL); null offers
    /// only the built-in pocketsphinx engine. See docs/operations.md.
    /// </summary>
    public string? WhisperModelPath { get; init; }

    /// <summary>The language Whisper listens for, e.g. "en" (env STORYWEAVE_WHISPER_LANGUAGE; default "auto": it guesses per recording).</summary>
    public string WhisperLanguage { get; init; } = "auto";

    /// <summary>Where pocketsphinx's US English model is (Debian package pocketsphinx-en-us; env STORYWEAVE_POCKETSPHINX_MODEL).</summary>
    public string PocketsphinxModelDir { get; init; } = "/usr/share/pocketsphinx/model/en-us";

    public const long DefaultMaxUploadBytes = 2L * 1024 * 1024 * 1024;

    public bool UsesPostgres => !string.IsNullOrWhiteSpace(Postgres);
    public string SqlitePath => Path.Combine(DataDir, "storyweave.db");
    public string BackupsDir => Path.Combine(DataDir, "backups");
    public string KeysDir => Path.Combine(DataDir, "keys");
    public string MediaDir => Path.Combine(DataDir, "media");
    public string TempDir => Path.Combine(DataDir, "tmp");

    /// <summary>Lock files shared by every node on the data folder (e.g. the recording swap lock): never erased, never backed up.</summary>
    public string LocksDir => Path.Combine(DataDir, "locks");

    /// <summary>Folders inside the data folder that belong in a backup besides the database.</summary>
    public static readonly string[] ExcludedFromBackup = ["backups", "tmp", "locks"];

    public static readonly string[] DatabaseFileNames = ["storyweave.db", "storyweave.db-wal", "storyweave.db-shm"];
}
