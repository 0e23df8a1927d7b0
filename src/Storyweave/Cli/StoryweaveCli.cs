using System.CommandLine;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Backup;
using Storyweave.Features.PublicSite;
using Storyweave.Features.Sample;
using Storyweave.Hosting;

namespace Storyweave.Cli;

/// <summary>
/// The command line. Every verb builds the same application (same DI container, same services)
/// as <c>serve</c>; only <c>serve</c> starts the web server.
/// </summary>
public static class StoryweaveCli
{
    /// <summary>
    /// The web server (no verb, or <c>serve</c>) gets no process-termination timeout: on SIGTERM or Ctrl+C
    /// the web host stops itself gracefully (jobs are left to be queued again, the database is closed) and
    /// says it has stopped; with System.CommandLine's default the process was cut off two seconds into
    /// that shutdown. Other verbs keep the default: Ctrl+C cancels them and they clean up.
    /// </summary>
    public static Task<int> RunAsync(string[] args)
    {
        var parsed = BuildRoot().Parse(args);
        var serving = parsed.CommandResult.Command is RootCommand || parsed.CommandResult.Command.Name == "serve";
        return serving ? parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }) : parsed.InvokeAsync();
    }

    public static RootCommand BuildRoot()
    {
        var dataDir = new Option<string?>("--data-dir")
        {
            Description = "Folder for the database, media, backups and keys (env STORYWEAVE_DATA_DIR; default ./storyweave-data).",
            Recursive = true,
        };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "Use this PostgreSQL connection string instead of the embedded SQLite database (env STORYWEAVE_POSTGRES).",
            Recursive = true,
        };

        StoryweaveOptions Resolve(ParseResult r, string? urls = null, bool noSample = false) => new()
        {
            DataDir = Path.GetFullPath(r.GetValue(dataDir) ?? Env("STORYWEAVE_DATA_DIR") ?? StoryweaveOptions.DefaultDataDir),
            Postgres = r.GetValue(postgres) ?? Env("STORYWEAVE_POSTGRES"),
            Urls = urls ?? Env("STORYWEAVE_URLS") ?? StoryweaveOptions.DefaultUrls,
            NoSample = noSample,
            MaxUploadBytes = MaxUploadBytesFromEnv(),
            SessionIdleTimeout = TimeSpan.FromMinutes(WholeNumberFromEnv("STORYWEAVE_SESSION_IDLE_MINUTES", 30, 1, 24 * 60)),
            SessionAbsoluteLifetime = TimeSpan.FromHours(WholeNumberFromEnv("STORYWEAVE_SESSION_MAX_HOURS", 12, 1, 24 * 30)),
            LogLevel = LogLevelFromEnv(),
            SignInAttemptsPerMinute = WholeNumberFromEnv("STORYWEAVE_SIGNINS_PER_MINUTE", 60, 1, 100_000),
            CodeAttemptsPerMinute = WholeNumberFromEnv("STORYWEAVE_CODES_PER_MINUTE", 30, 1, 100_000),
            SignUpsPerHourPerAddress = WholeNumberFromEnv("STORYWEAVE_SIGNUPS_PER_HOUR", 60, 1, 100_000),
            TrustedProxies = TrustedProxiesFromEnv(),
            LogRequests = Env("STORYWEAVE_LOG_REQUESTS") is "1" or "true" or "yes",
            WhisperModelPath = Env("STORYWEAVE_WHISPER_MODEL") is { } model ? Path.GetFullPath(model) : null,
            WhisperLanguage = Env("STORYWEAVE_WHISPER_LANGUAGE") ?? "auto",
            PocketsphinxModelDir = Env("STORYWEAVE_POCKETSPHINX_MODEL") ?? "/usr/share/pocketsphinx/model/en-us",
        };

        var root = new RootCommand("Storyweave: co-produced, story-based research. With no verb, runs the web app (same as 'serve').");
        root.Options.Add(dataDir);
        root.Options.Add(postgres);

        // serve (also the default)
        Command ServeLike(Command command)
        {
            var urls = new Option<string?>("--urls") { Description = $"Address to listen on (env STORYWEAVE_URLS; default {StoryweaveOptions.DefaultUrls})." };
            var noSample = new Option<bool>("--no-sample") { Description = "Do not create the made-up sample project on first run." };
            command.Options.Add(urls);
            command.Options.Add(noSample);
            command.SetAction((r, ct) => ServeAsync(Resolve(r, r.GetValue(urls), r.GetValue(noSample)), ct));
            return command;
        }
        ServeLike(root);
        root.Subcommands.Add(ServeLike(new Command("serve", "Run the web app.")));

        var migrate = new Command("migrate", "Create or update the database (required after an upgrade on PostgreSQL).");
        migrate.SetAction((r, ct) => WithApp(Resolve(r), prepare: false, async (app, o) =>
            await DatabaseStartup.MigrateAsync(app.Services, o, Console.Out, ct)));
        root.Subcommands.Add(migrate);

        var outFile = new Option<string>("--out") { Description = "The backup file to write (a .zip, or encrypted with a passphrase). Readable by this user only.", Required = true };
        var passphraseFile = new Option<string?>("--passphrase-file")
        {
            Description = "Encrypt (backup) or decrypt (restore) with the passphrase in this file (its first line), or set STORYWEAVE_BACKUP_PASSPHRASE. Never given on the command line, where others can see it.",
        };
        var backup = new Command("backup", "Write a consistent snapshot of the database and the data folder's files to one file.") { outFile, passphraseFile };
        backup.SetAction((r, ct) => WithApp(Resolve(r), prepare: true, async (app, o) =>
        {
            var (passphrase, problem) = await ReadPassphraseAsync(r.GetValue(passphraseFile));
            if (problem is null && passphrase is not null) problem = BackupCrypto.CheckPassphrase(passphrase);
            if (problem is not null) return await FailAsync([problem]);
            await using var scope = app.Services.CreateAsyncScope();
            var target = r.GetValue(outFile)!;
            await Console.Out.WriteLineAsync($"Backing up to {Path.GetFullPath(target)}{(passphrase is null ? "" : " (encrypted)")}");
            var manifest = await scope.ServiceProvider.GetRequiredService<BackupService>().BackupAsync(target, Console.Out, passphrase, ct);
            await Console.Out.WriteLineAsync($"Backup complete: {manifest.Tables.Sum(t => t.Rows)} rows, {manifest.FileCount} files.{(passphrase is null ? " It is not encrypted: keep it somewhere only you can read, or use --passphrase-file." : "")}");
            if (manifest.SealedStorytellers > 0)
                await Console.Out.WriteLineAsync($"The personal content of {manifest.SealedStorytellers} storyteller(s) is sealed with their own keys, which are not in the backup. "
                    + "To restore it you also need the key list: write it with 'storyweave export-keys --out FILE' and keep it apart from the backups (never on the same disk or in the same place). "
                    + "Write it again after every full withdrawal and destroy the older copies: that is what makes a withdrawal reach old backups.");
            return 0;
        }));
        root.Subcommands.Add(backup);

        var keysOut = new Option<string>("--out") { Description = "The key list file to write. Readable by this user only; keep it apart from the backups.", Required = true };
        var exportKeys = new Command("export-keys", "Write the key list that unseals storytellers' personal content in backups (keep it apart from them; write it again after each withdrawal).") { keysOut };
        exportKeys.SetAction((r, ct) => WithApp(Resolve(r), prepare: true, async (app, o) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var target = Path.GetFullPath(r.GetValue(keysOut)!);
            if (target.StartsWith(Path.GetFullPath(o.DataDir) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                return await FailAsync(["Write the key list outside the data folder: a copy kept beside the data or the backups would let a restore bring withdrawn people back."]);
            var (keys, withdrawn) = await StorytellerKeyList.ExportAsync(scope.ServiceProvider.GetRequiredService<StoryweaveDb>(),
                scope.ServiceProvider.GetRequiredService<TimeProvider>(), target, ct);
            await Console.Out.WriteLineAsync($"Key list written to {target}: {keys} storyteller key(s), {withdrawn} withdrawn storyteller(s). "
                + "Keep it apart from the backups. After a full withdrawal, write it again and destroy every older copy.");
            return 0;
        }));
        root.Subcommands.Add(exportKeys);

        var backupFile = new Argument<string>("file") { Description = "A backup made by 'storyweave backup'." };
        var keysFile = new Option<string?>("--keys") { Description = "The key list written by 'storyweave export-keys' (needed to restore storytellers' personal content)." };
        var withoutKeys = new Option<bool>("--without-keys") { Description = "Restore without a key list: every storyteller comes back as withdrawn, without their stories." };
        var restore = new Command("restore", "Restore a backup into an empty data folder (or an empty PostgreSQL database).") { backupFile, passphraseFile, keysFile, withoutKeys };
        restore.SetAction((r, ct) => WithApp(Resolve(r), prepare: false, async (app, o) =>
        {
            var file = r.GetValue(backupFile)!;
            if (!File.Exists(file))
            {
                await Console.Error.WriteLineAsync($"There is no file at {Path.GetFullPath(file)}.");
                return 1;
            }
            var (passphrase, problem) = await ReadPassphraseAsync(r.GetValue(passphraseFile));
            if (problem is not null) return await FailAsync([problem]);
            if (r.GetValue(keysFile) is not null && r.GetValue(withoutKeys))
                return await FailAsync(["Give either --keys FILE or --without-keys, not both."]);
            var keys = r.GetValue(keysFile) is { } keysPath ? await StorytellerKeyList.ReadAsync(keysPath, ct)
                : r.GetValue(withoutKeys) ? StorytellerKeyList.Empty : null;
            await using var scope = app.Services.CreateAsyncScope();
            await Console.Out.WriteLineAsync($"Restoring {Path.GetFullPath(file)} into {o.DataDir}");
            var manifest = await scope.ServiceProvider.GetRequiredService<BackupService>().RestoreAsync(file, Console.Out, passphrase, keys, ct);
            await Console.Out.WriteLineAsync($"Restore complete: {manifest.Tables.Sum(t => t.Rows)} rows, {manifest.FileCount} files (backup made {manifest.CreatedAt:u}).");
            if (manifest.WithdrawnSinceBackup.Count > 0)
                await Console.Out.WriteLineAsync($"{manifest.WithdrawnSinceBackup.Count} storyteller(s) withdrew after this backup was made. They are restored as withdrawn, "
                    + "without their stories, details or recordings (a group recording they spoke in is left out too; the live instance had kept it with their voice silenced).");
            if (keys is { Keys.Count: > 0 } && manifest.NotInKeyList.Count > 0)
                await Console.Out.WriteLineAsync($"Warning: {manifest.NotInKeyList.Count} of them are neither in the key list nor named in it as withdrawn, "
                    + "so the key list is older than the backup. If you have a newer key list, restore again into an empty data folder with it.");
            return 0;
        }));
        root.Subcommands.Add(restore);

        var siteDir = new Option<string>("--out") { Description = "The folder to write the site into (empty, or use --force to replace its contents).", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace the contents of a folder that is not empty." };
        var publish = new Command("publish", "Write the public story site as static files (only what is published and agreed to right now), for hosting anywhere.") { siteDir, force };
        publish.SetAction((r, ct) => WithApp(Resolve(r), prepare: true, async (app, o) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var exporter = scope.ServiceProvider.GetRequiredService<StaticSiteExporter>();
            var target = r.GetValue(siteDir)!;
            if (exporter.CheckOutput(target, r.GetValue(force)) is { } problem) return await FailAsync([problem]);
            await Console.Out.WriteLineAsync($"Writing the public story site to {Path.GetFullPath(target)}");
            var summary = await exporter.ExportAsync(target, Console.Out, ct);
            await Console.Out.WriteLineAsync($"Done: {summary.Stories} {(summary.Stories == 1 ? "story" : "stories")}, {summary.Playlists} {(summary.Playlists == 1 ? "playlist" : "playlists")}, " +
                $"{summary.Reports} report {(summary.Reports == 1 ? "file" : "files")}; {summary.Files} files, {PublicFiles.Size(summary.Bytes)}. Open index.html or copy the folder to a web host.");
            return 0;
        }));
        root.Subcommands.Add(publish);

        var draftProject = new Option<int>("--project") { Description = "The project's id.", Required = true };
        var draftStory = new Option<int>("--story") { Description = "The story's id (it needs a recording).", Required = true };
        var draftEngine = new Option<string?>("--engine") { Description = "pocketsphinx (built in) or whisper (needs STORYWEAVE_WHISPER_MODEL). Default: whisper when configured." };
        var draftReplace = new Option<bool>("--replace") { Description = "Replace the lines already in the story's transcript." };
        var transcribe = new Command("transcribe", "Make an automatic first draft of a story's transcript from its recording, printing progress.") { draftProject, draftStory, draftEngine, draftReplace };
        transcribe.SetAction((r, ct) => WithApp(Resolve(r), prepare: true, async (app, o) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var drafts = scope.ServiceProvider.GetRequiredService<Features.Transcription.DraftService>();
            var started = await drafts.StartAsync(r.GetValue(draftProject), r.GetValue(draftStory), r.GetValue(draftEngine), r.GetValue(draftReplace), actorUserId: null, enqueue: false, ct);
            if (!started.Succeeded) return await FailAsync(started.Errors.ToList());
            await Console.Out.WriteLineAsync($"Making an automatic draft of story {started.Job!.StoryId} with {started.Job.Engine} (the recording stays on this machine).");
            var last = -1;
            var job = await scope.ServiceProvider.GetRequiredService<Features.Transcription.DraftRunner>().RunAsync(started.Job.Id, p =>
            {
                var percent = (int)Math.Floor(p * 10) * 10;
                if (percent <= last) return;
                last = percent;
                Console.Out.WriteLine($"  {percent}%");
            }, ct: ct);
            if (job is null) return await FailAsync(["The draft's job disappeared (its story was deleted meanwhile)."]);
            if (job.Status != Features.Transcription.DraftStatus.Written) return await FailAsync([Features.Transcription.DraftService.Describe(job)]);
            if (last < 100) await Console.Out.WriteLineAsync("  100%");
            await Console.Out.WriteLineAsync($"Done: {job.LineCount} {(job.LineCount == 1 ? "line" : "lines")} written. It is an automatic draft: check every line in the transcript editor and set who is speaking.");
            return 0;
        }));
        root.Subcommands.Add(transcribe);

        root.Subcommands.Add(UserCommand(Resolve));
        root.Subcommands.Add(TokenCommand(Resolve));
        return root;
    }

    private static Command UserCommand(Func<ParseResult, string?, bool, StoryweaveOptions> resolve)
    {
        var user = new Command("user", "Manage accounts.");

        var email = new Option<string>("--email") { Description = "The person's email address (their sign-in name).", Required = true };
        var name = new Option<string>("--name") { Description = "The name shown in the app.", Required = true };
        var role = new Option<string>("--role") { Description = "admin or member.", DefaultValueFactory = _ => "member" };
        role.AcceptOnlyFromAmong("admin", "member");
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input instead of generating one." };
        var add = new Command("add", "Add an account. Prints a generated password unless --password-stdin is given.") { email, name, role, passwordStdin };
        add.SetAction((r, ct) => WithApp(resolve(r, null, false), prepare: true, async (app, o) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            var (password, generated) = await ReadPasswordAsync(r.GetValue(passwordStdin));
            var result = await accounts.CreateAsync(r.GetValue(email)!, r.GetValue(name)!, password, r.GetValue(role) == "admin", null, ct);
            if (!result.Succeeded) return await FailAsync(result.Errors);
            await Console.Out.WriteLineAsync($"Added {result.Value!.Email} ({(result.Value.IsAdmin ? "administrator" : "member")}).");
            if (generated) await Console.Out.WriteLineAsync($"Password: {password}");
            return 0;
        }));
        user.Subcommands.Add(add);

        var resetEmail = new Option<string>("--email") { Description = "The account's email address.", Required = true };
        var resetStdin = new Option<bool>("--password-stdin") { Description = "Read the new password from standard input instead of generating one." };
        var reset = new Command("reset-password", "Set a new password (and lift a lockout). Prints a generated password unless --password-stdin is given.") { resetEmail, resetStdin };
        reset.SetAction((r, ct) => WithApp(resolve(r, null, false), prepare: true, async (app, o) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            var account = await users.FindByEmailAsync(r.GetValue(resetEmail)!);
            if (account is null) return await FailAsync(["No account uses that email address."]);
            var (password, generated) = await ReadPasswordAsync(r.GetValue(resetStdin));
            var result = await scope.ServiceProvider.GetRequiredService<AccountService>().SetPasswordAsync(account, password, null, ct);
            if (!result.Succeeded) return await FailAsync(result.Errors);
            await Console.Out.WriteLineAsync($"New password set for {account.Email}.");
            if (generated) await Console.Out.WriteLineAsync($"Password: {password}");
            return 0;
        }));
        user.Subcommands.Add(reset);
        return user;
    }

    private static Command TokenCommand(Func<ParseResult, string?, bool, StoryweaveOptions> resolve)
    {
        var token = new Command("token", "Manage personal API tokens.");

        var email = new Option<string>("--email") { Description = "The account the token acts as.", Required = true };
        var name = new Option<string?>("--name") { Description = "A label to recognise the token by." };
        var create = new Command("create", "Create a token. Its secret is printed once, as the last line.") { email, name };
        create.SetAction((r, ct) => WithApp(resolve(r, null, false), prepare: true, async (app, o) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            var account = await users.FindByEmailAsync(r.GetValue(email)!);
            if (account is null) return await FailAsync(["No account uses that email address."]);
            var (t, secret) = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateTokenAsync(account.Id, r.GetValue(name) ?? "Command-line token", ct);
            await Console.Out.WriteLineAsync($"Created token {t.Id} for {account.Email}. Keep it secret; it is shown only now.");
            await Console.Out.WriteLineAsync(secret);
            return 0;
        }));
        token.Subcommands.Add(create);

        var listEmail = new Option<string>("--email") { Description = "Whose tokens to list.", Required = true };
        var list = new Command("list", "List an account's tokens (never their secrets).") { listEmail };
        list.SetAction((r, ct) => WithApp(resolve(r, null, false), prepare: true, async (app, o) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
            var normalized = r.GetValue(listEmail)!.Trim().ToUpperInvariant();
            var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.User!.NormalizedEmail == normalized).OrderBy(t => t.Id).ToListAsync(ct);
            foreach (var t in tokens)
                await Console.Out.WriteLineAsync($"{t.Id}\t{t.Prefix}…\t{t.Name}\tcreated {t.CreatedAt:u}\t{(t.RevokedAt is null ? "active" : $"revoked {t.RevokedAt:u}")}");
            if (tokens.Count == 0) await Console.Out.WriteLineAsync("No tokens.");
            return 0;
        }));
        token.Subcommands.Add(list);

        var revokeEmail = new Option<string>("--email") { Description = "The token's account.", Required = true };
        var revokeId = new Option<int>("--id") { Description = "The token number shown by 'token list'.", Required = true };
        var revoke = new Command("revoke", "Revoke a token: it stops working at once.") { revokeEmail, revokeId };
        revoke.SetAction((r, ct) => WithApp(resolve(r, null, false), prepare: true, async (app, o) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            var account = await users.FindByEmailAsync(r.GetValue(revokeEmail)!);
            if (account is null) return await FailAsync(["No account uses that email address."]);
            var found = await scope.ServiceProvider.GetRequiredService<AccountService>().RevokeTokenAsync(account.Id, r.GetValue(revokeId), ct);
            if (!found) return await FailAsync(["That account has no token with that number."]);
            await Console.Out.WriteLineAsync("Token revoked.");
            return 0;
        }));
        token.Subcommands.Add(revoke);
        return token;
    }

    private static async Task<int> ServeAsync(StoryweaveOptions options, CancellationToken ct)
    {
        WebApplication app;
        try
        {
            app = AppHost.Build(options);
            await DatabaseStartup.PrepareForServeAsync(app.Services, options, Console.Out, ct);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
        await using (app)
        {
            await using (var scope = app.Services.CreateAsyncScope())
            {
                if (!options.NoSample && await scope.ServiceProvider.GetRequiredService<SampleProject>().SeedIfFirstRunAsync(ct))
                    await Console.Out.WriteLineAsync("Added the made-up sample project so you have something to look at.");
                var needsSetup = !await scope.ServiceProvider.GetRequiredService<AccountService>().AnyAdminAsync(ct);
                var url = options.Urls.Split(';')[0].TrimEnd('/');
                await Console.Out.WriteLineAsync($"Storyweave is starting at {url} (data folder: {options.DataDir}; database: {(options.UsesPostgres ? "PostgreSQL" : "SQLite")}).");
                if (needsSetup) await Console.Out.WriteLineAsync($"First run: open {url}/setup in a browser to create the administrator account.");
            }
            await app.RunAsync();
            await Console.Out.WriteLineAsync("Storyweave has stopped.");
        }
        return 0;
    }

    private static async Task<int> WithApp(StoryweaveOptions options, bool prepare, Func<WebApplication, StoryweaveOptions, Task<int>> action)
    {
        try
        {
            await using var app = AppHost.Build(options);
            if (prepare) await DatabaseStartup.PrepareForServeAsync(app.Services, options, Console.Out);
            return await action(app, options);
        }
        catch (Exception e) when (e is StartupException or RestoreException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
    }

    private static async Task<(string Password, bool Generated)> ReadPasswordAsync(bool fromStdin)
    {
        if (!fromStdin) return (AccountService.GeneratePassword(), true);
        var line = await Console.In.ReadLineAsync() ?? "";
        return (line.TrimEnd('\r', '\n'), false);
    }

    private static async Task<int> FailAsync(IEnumerable<string> errors)
    {
        foreach (var e in errors) await Console.Error.WriteLineAsync(e);
        return 1;
    }

    /// <summary>
    /// STORYWEAVE_MAX_UPLOAD_MB in megabytes (1 MB = 1024 × 1024 bytes). A value that is not a whole
    /// number is reported and the default kept, so a typo cannot stop the app from starting.
    /// </summary>
    private static long MaxUploadBytesFromEnv()
    {
        if (Env("STORYWEAVE_MAX_UPLOAD_MB") is not { } raw) return StoryweaveOptions.DefaultMaxUploadBytes;
        if (long.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var mb) && mb is >= 1 and <= 1024 * 1024)
            return mb * 1024 * 1024;
        Console.Error.WriteLine($"STORYWEAVE_MAX_UPLOAD_MB should be a whole number of megabytes (it is \"{raw}\"); using the default, 2048.");
        return StoryweaveOptions.DefaultMaxUploadBytes;
    }

    /// <summary>A whole-number setting from the environment; a bad value is reported and the default kept.</summary>
    private static int WholeNumberFromEnv(string name, int fallback, int min, int max)
    {
        if (Env(name) is not { } raw) return fallback;
        if (int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        Console.Error.WriteLine($"{name} should be a whole number from {min} to {max} (it is \"{raw}\"); using the default, {fallback}.");
        return fallback;
    }

    /// <summary>The backup passphrase from --passphrase-file (first line) or STORYWEAVE_BACKUP_PASSPHRASE; null when neither is given.</summary>
    private static async Task<(string? Passphrase, string? Problem)> ReadPassphraseAsync(string? file)
    {
        if (file is not null)
        {
            if (!File.Exists(file)) return (null, $"There is no passphrase file at {Path.GetFullPath(file)}.");
            var first = (await File.ReadAllLinesAsync(file)).FirstOrDefault()?.TrimEnd('\r') ?? "";
            return first.Length == 0 ? (null, $"The passphrase file {Path.GetFullPath(file)} is empty.") : (first, null);
        }
        return (Env("STORYWEAVE_BACKUP_PASSPHRASE"), null);
    }

    private static IReadOnlyList<string> TrustedProxiesFromEnv()
    {
        var defaults = new StoryweaveOptions().TrustedProxies;
        if (Env("STORYWEAVE_TRUSTED_PROXIES") is not { } raw) return defaults;
        if (raw.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)) return [];
        var entries = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var bad = entries.Where(e => !System.Net.IPNetwork.TryParse(e, out _) && !System.Net.IPAddress.TryParse(e, out _)).ToList();
        if (bad.Count == 0) return entries;
        Console.Error.WriteLine($"STORYWEAVE_TRUSTED_PROXIES should list addresses or networks such as 10.0.0.5 or 10.0.0.0/8 (\"{string.Join(", ", bad)}\" is not one); trusting only this machine.");
        return defaults;
    }

    private static LogLevel LogLevelFromEnv()
    {
        if (Env("STORYWEAVE_LOG_LEVEL") is not { } raw) return LogLevel.Warning;
        if (Enum.TryParse<LogLevel>(raw, ignoreCase: true, out var level) && Enum.IsDefined(level)) return level;
        Console.Error.WriteLine($"STORYWEAVE_LOG_LEVEL should be one of Trace, Debug, Information, Warning, Error, Critical (it is \"{raw}\"); using Warning.");
        return LogLevel.Warning;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
