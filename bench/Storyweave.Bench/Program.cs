using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Storyweave.Bench;
using Storyweave.Data;
using Storyweave.Features.Accounts;
using Storyweave.Features.Consent;
using Storyweave.Features.Projects;
using Storyweave.Features.Search;
using Storyweave.Features.Stories;
using Storyweave.Features.Storytellers;
using Storyweave.Hosting;

// Usage: dotnet run -c Release --project bench/Storyweave.Bench -- --stories 10000 [--data-dir DIR] [--postgres CONNSTR]
//        [--words 8000] [--seed 42] [--rounds 5] [--batch 100] [--keep] [--reuse]
//        dotnet run -c Release --project bench/Storyweave.Bench -- --coding [--samples 200] [--pre-coded 300] [--turns 135] [--turn-stories 20] [--sql-log] [--postgres CONNSTR]
//        dotnet run -c Release --project bench/Storyweave.Bench -- --exports [--server src/Storyweave/bin/Release/net10.0/storyweave.dll, or a published program such as the Debian package's]
//            [--passages 20000] [--rounds 5] [--data-dir DIR] [--reuse] [--postgres CONNSTR]
//        dotnet run -c Release --project bench/Storyweave.Bench -- --public [--server DLL] [--seconds 10] [--connections 32] [--data-dir DIR] [--reuse] [--nodes 2 [--redis HOST:PORT]]
//        dotnet run -c Release --project bench/Storyweave.Bench -- --import-http [--server DLL] [--stories 1000] [--batch 100 files per request] [--postgres CONNSTR]
//        dotnet run -c Release --project bench/Storyweave.Bench -- --search-http [--server DLL] [--stories N] [--data-dir DIR] [--reuse] [--postgres CONNSTR]
//        dotnet run -c Release --project bench/Storyweave.Bench -- --fanout [--clients 50] [--moves 200] [--postgres CONNSTR] [--nodes 2 --redis HOST:PORT]
// With --postgres, a new database is created on that server for the run and dropped afterwards.
var inv = CultureInfo.InvariantCulture;
var stories = 1000;
var wordsPerStory = 8000;
var seed = 42;
var rounds = 5;
var batch = 100;
var fanout = false;
var nodes = 1;
string? redis = null;
var coding = false;
var exports = false;
var exportPassages = 20000;
var publicPages = false;
var importHttp = false;
var wrkSeconds = 10;
var wrkConnections = 32;
string? server = null;
var codingSamples = 200;
string? codingDump = null;
var preCoded = 300;
var clients = 50;
var moves = 200;
var keep = false;
var reuse = false;
var sqlLog = false;
var searchHttp = false;
var turns = 135;
var turnStories = 20;
var warmUp = 0;
string? dataDir = null;
string? postgres = null;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--stories": stories = int.Parse(Next(), inv); break;
        case "--words": wordsPerStory = int.Parse(Next(), inv); break;
        case "--seed": seed = int.Parse(Next(), inv); break;
        case "--rounds": rounds = int.Parse(Next(), inv); break;
        case "--data-dir": dataDir = Next(); break;
        case "--postgres": postgres = Next(); break;
        case "--batch": batch = int.Parse(Next(), inv); break;
        case "--warm-up": warmUp = int.Parse(Next(), inv); break;
        case "--fanout": fanout = true; break;
        case "--nodes": nodes = int.Parse(Next(), inv); break;
        case "--redis": redis = Next(); break;
        case "--coding": coding = true; break;
        case "--exports": exports = true; break;
        case "--server": server = Next(); break;
        case "--public": publicPages = true; break;
        case "--import-http": importHttp = true; break;
        case "--seconds": wrkSeconds = int.Parse(Next(), inv); break;
        case "--connections": wrkConnections = int.Parse(Next(), inv); break;
        case "--passages": exportPassages = int.Parse(Next(), inv); break;
        case "--samples": codingSamples = int.Parse(Next(), inv); break;
        case "--dump": codingDump = Next(); break;
        case "--pre-coded": preCoded = int.Parse(Next(), inv); break;
        case "--clients": clients = int.Parse(Next(), inv); break;
        case "--moves": moves = int.Parse(Next(), inv); break;
        case "--keep": keep = true; break;
        case "--reuse": reuse = true; break;
        case "--sql-log": sqlLog = true; break;
        case "--search-http": searchHttp = true; break;
        case "--turns": turns = int.Parse(Next(), inv); break;
        case "--turn-stories": turnStories = int.Parse(Next(), inv); break;
        default:
            Console.Error.WriteLine($"Unknown argument {args[i]}. Use --stories N, --data-dir DIR, --postgres CONNSTR, --words N, --seed N, --rounds N, --batch N, --coding [--samples N] [--pre-coded N] [--turns N] [--turn-stories N] [--sql-log], --exports [--server DLL] [--passages N], --public [--server DLL] [--seconds N] [--connections N] [--nodes 2 [--redis HOST:PORT]], --import-http [--server DLL] [--stories N] [--batch N files per request] [--warm-up N] [--postgres CONNSTR], or --fanout [--clients N] [--moves N] [--postgres CONNSTR] [--nodes 2 --redis HOST:PORT].");
            return 2;
    }
}

if (fanout) return await Fanout.RunAsync(clients, moves, postgres, nodes, redis);
if (coding) return await Coding.RunAsync(codingSamples, preCoded, postgres, sqlLog, turns, turnStories, codingDump);
if (exports) return await Exports.RunAsync(server ?? "src/Storyweave/bin/Release/net10.0/storyweave.dll", dataDir, postgres, reuse, rounds, exportPassages);
if (importHttp) return await ImportHttp.RunAsync(server ?? "src/Storyweave/bin/Release/net10.0/storyweave.dll", dataDir, postgres, stories, wordsPerStory, batch, seed, warmUp);
if (publicPages && nodes == 2) return await PublicPages.RunTwoNodesAsync(server ?? "src/Storyweave/bin/Release/net10.0/storyweave.dll", dataDir, reuse, wrkSeconds, wrkConnections, redis);
if (publicPages) return await PublicPages.RunAsync(server ?? "src/Storyweave/bin/Release/net10.0/storyweave.dll", dataDir, reuse, wrkSeconds, wrkConnections);

dataDir = Path.GetFullPath(dataDir ?? Path.Combine(Path.GetTempPath(), "storyweave-bench", Guid.NewGuid().ToString("N")));
// --reuse: search an earlier run's database again (its --data-dir, or with --postgres the database
// named in the connection string, kept with --keep) without importing; --seed must match that run.
if (!reuse && Directory.Exists(dataDir) && Directory.EnumerateFileSystemEntries(dataDir).Any())
{
    Console.Error.WriteLine($"{dataDir} is not empty; give an empty or new folder so the benchmark starts from nothing.");
    return 2;
}
string? pgDatabase = null;
if (postgres is not null && !reuse)
{
    pgDatabase = "sw_bench_" + Guid.NewGuid().ToString("N")[..12];
    await using (var conn = new NpgsqlConnection(postgres))
    {
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{pgDatabase}\"", conn);
        await cmd.ExecuteNonQueryAsync();
    }
    postgres = new NpgsqlConnectionStringBuilder(postgres) { Database = pgDatabase }.ConnectionString;
}

var options = new StoryweaveOptions { DataDir = dataDir, Postgres = postgres, NoSample = true };
var provider = options.UsesPostgres ? "PostgreSQL" : "SQLite";
try
{
    await using var app = AppHost.Build(options, b =>
    {
        b.Logging.SetMinimumLevel(LogLevel.Error);
        // --sql-log: every SQL command with its duration on stderr, to see where a search spends its time.
        if (sqlLog) b.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Information);
    });
    if (!reuse) await DatabaseStartup.MigrateAsync(app.Services, options, TextWriter.Null);

    var projectId = 0;
    if (reuse)
    {
        await using var scope = app.Services.CreateAsyncScope();
        projectId = await scope.ServiceProvider.GetRequiredService<StoryweaveDb>().Projects.Where(p => p.Name == "Benchmark").Select(p => p.Id).FirstAsync();
    }
    else
    {
        await using var scope = app.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateAsync("bench@example.org", "Bench Lead", "correct horse battery staple", true, null);
        var project = await scope.ServiceProvider.GetRequiredService<ProjectService>()
            .CreateAsync(new ProjectService.Details("Benchmark", "Synthetic stories.", null, "Tell me about it.", null, null), user.Value!.Id);
        projectId = project.Value!.Id;
    }

    // --- Import -------------------------------------------------------------------------------
    var corpus = new Corpus(seed);
    var random = new Random(seed);
    // The corpus is drawn in chunks of 25 stories (stories, then their consent), whatever the batch
    // size, so every batch size imports the same stories as the earlier runs.
    const int chunk = 25;
    batch = Math.Max(chunk, batch / chunk * chunk);
    long totalWords = 0;
    var process = System.Diagnostics.Process.GetCurrentProcess();
    var importCpu = process.TotalProcessorTime;
    var import = Stopwatch.StartNew();
    for (var done = 0; !reuse && done < stories; done += batch)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        // Only new rows are added: no need to scan the tracked entities for changes before each save.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var now = DateTime.UtcNow;
        var created = new List<Story>();
        await using var tx = await db.Database.BeginTransactionAsync();
        for (var from = done; from < Math.Min(stories, done + batch); from += chunk)
        {
            var inChunk = new List<Story>();
            for (var s = from; s < Math.Min(stories, from + chunk); s++)
            {
                var tellers = Enumerable.Range(0, random.Next(1, 4))
                    .Select(t => new Storyteller { ProjectId = projectId, Name = $"Teller {s}-{t}", CreatedAt = now }).ToList();
                var story = new Story { ProjectId = projectId, Title = $"Story {s + 1}", CreatedAt = now, TranscriptFormat = "typed", TranscriptVersion = 1 };
                var labels = tellers.Select(t => t.Name).ToList();
                var lines = corpus.Story(random, "Reporter", labels, wordsPerStory);
                double start = 0;
                for (var p = 0; p < lines.Count; p++)
                {
                    var seconds = lines[p].Words / 2.5; // about 150 words a minute
                    story.Cues.Add(new TranscriptCue { Position = p, StartSeconds = start, EndSeconds = start + seconds, Speaker = lines[p].Speaker, Text = lines[p].Text });
                    start += seconds + 0.5;
                    totalWords += lines[p].Words;
                }
                SearchIndex.SetOffsets(story.Cues); // as the app's writers of lines do
                story.Speakers.Add(new SpeakerLabel { Label = "Reporter", IsReporter = true });
                foreach (var t in tellers)
                {
                    story.Storytellers.Add(new StoryStoryteller { Storyteller = t });
                    story.Speakers.Add(new SpeakerLabel { Label = t.Name, Storyteller = t });
                }
                db.Stories.Add(story);
                db.Storytellers.AddRange(tellers);
                inChunk.Add(story);
            }
            // Consent: about 1 storyteller in 20 has not agreed to analysis, so the consent filter has work to do.
            db.ConsentRecords.AddRange(inChunk.SelectMany(s => s.Storytellers).Select(x => new ConsentRecord
            {
                ProjectId = projectId,
                Storyteller = x.Storyteller,
                Recording = true,
                Analysis = random.Next(20) != 0,
                Method = ConsentMethod.PaperForm,
                GivenAt = now,
                RecordedAt = now,
            }).ToList());
            created.AddRange(inChunk);
        }
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        // The same call the transcript editor makes, in the same transaction as the stories.
        var index = scope.ServiceProvider.GetRequiredService<SearchIndex>();
        foreach (var story in created) await index.ReindexStoryAsync(projectId, story.Id);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        if (done / batch % Math.Max(1, 500 / batch) == 0) Console.Error.WriteLine($"{provider}: {Math.Min(stories, done + batch)} / {stories} stories, {import.Elapsed.TotalSeconds:F0} s");
    }
    import.Stop();
    process.Refresh();
    importCpu = process.TotalProcessorTime - importCpu;

    long entries;
    await using (var scope = app.Services.CreateAsyncScope())
    {
        var db = scope.ServiceProvider.GetRequiredService<StoryweaveDb>();
        entries = await db.SearchEntries.LongCountAsync();
        // Fresh statistics, as an operator's database would have after autovacuum / optimize.
        if (!reuse) await db.Database.ExecuteSqlRawAsync(options.UsesPostgres ? "VACUUM ANALYZE" : "PRAGMA optimize; ANALYZE;");
    }

    // --- Search -------------------------------------------------------------------------------
    string[] rare = [.. corpus.RareWords.Take(6)];
    var queries = new (string Kind, string Text)[]
    {
        ("common word", "home"), ("common word", "family"), ("common word", "people"), ("common word", "felt"), ("common word", "money"), ("common word", "time"),
        ("rare word", rare[0]), ("rare word", rare[1]), ("rare word", rare[2]), ("rare word", rare[3]), ("rare word", rare[4]), ("rare word", rare[5]),
        ("phrase", "\"mental health\""), ("phrase", "\"support worker\""), ("phrase", "\"back on my feet\""), ("phrase", "\"the job centre\""), ("phrase", "\"kind nurse\""), ("phrase", "\"my dad\""),
        ("two words", "housing support"), ("two words", "prison family"), ("two words", "money worry"), ("two words", "doctor kind"), ("two words", "school friends"), ("two words", "drink problem"),
        ("prefix", "hous*"), ("prefix", "friend*"), ("prefix", "work*"), ("prefix", "hosp*"), ("prefix", "sleep*"), ("prefix", "counsel*"),
    };
    var samples = new Dictionary<string, List<double>>();
    // CPU time of this process per search: on a shared machine wall time includes waiting for a
    // core; CPU time does not (it leaves out the PostgreSQL server's own work, which runs elsewhere).
    var cpu = new Dictionary<string, List<double>>();
    var matches = new Dictionary<string, List<int>>();
    var loadBefore = Stats.LoadAverage();
    for (var round = 0; round <= rounds; round++) // round 0 warms caches and JIT and is not counted
    {
        foreach (var (kind, text) in queries)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var search = scope.ServiceProvider.GetRequiredService<SearchService>();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var outcome = await search.SearchAsync(projectId, text, new SearchService.Filters(), 1);
            watch.Stop();
            process.Refresh();
            var cpuMs = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
            if (outcome.Error is not null) throw new InvalidOperationException($"{text}: {outcome.Error}");
            if (round == 0)
            {
                matches.TryAdd(kind, []);
                matches[kind].Add(outcome.Total);
                continue;
            }
            samples.TryAdd(kind, []);
            samples[kind].Add(watch.Elapsed.TotalMilliseconds);
            cpu.TryAdd(kind, []);
            cpu[kind].Add(cpuMs);
        }
    }

    var size = options.UsesPostgres ? "" : $", database file {new FileInfo(options.SqlitePath).Length / 1024.0 / 1024.0:F0} MB";
    Console.WriteLine($"### {provider}, {(reuse ? "earlier run's" : $"{stories:N0}")} stories, {(reuse ? "" : $"{totalWords:N0} words, ")}{entries:N0} search entries (the team's texts; lines are indexed where they are stored){size}");
    Console.WriteLine();
    if (!reuse)
    {
        Console.WriteLine("| Import | Value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| Time | {import.Elapsed.TotalSeconds:F1} s |");
        Console.WriteLine($"| Stories per second | {stories / import.Elapsed.TotalSeconds:F1} |");
        Console.WriteLine($"| Words per second | {totalWords / import.Elapsed.TotalSeconds:N0} |");
        Console.WriteLine($"| CPU of this process (app + corpus generation) | {importCpu.TotalSeconds:F1} s ({importCpu.TotalMilliseconds / Math.Max(1, stories):F1} ms per story) |");
        Console.WriteLine();
    }

    Console.WriteLine($"| Search (first page of 20, {rounds} rounds) | Queries | Median results | Median ms | p95 ms | Median CPU ms (app process) |");
    Console.WriteLine("|---|---|---|---|---|---|");
    foreach (var kind in samples.Keys)
        Console.WriteLine($"| {kind} | {queries.Count(q => q.Kind == kind)} | {Stats.Percentile(matches[kind].Select(m => (double)m).ToList(), 50):N0} | {Stats.Percentile(samples[kind], 50):F1} | {Stats.Percentile(samples[kind], 95):F1} | {Stats.Percentile(cpu[kind], 50):F1} |");
    var all = samples.Values.SelectMany(v => v).ToList();
    Console.WriteLine($"| **all** | {queries.Length} | | **{Stats.Percentile(all, 50):F1}** | **{Stats.Percentile(all, 95):F1}** | {Stats.Percentile(cpu.Values.SelectMany(v => v).ToList(), 50):F1} |");
    Console.WriteLine();
    Console.WriteLine($"Load average before / after the search runs: {loadBefore} / {Stats.LoadAverage()}.");
    Console.WriteLine($"Results are counted up to {SearchService.MaxCandidates:N0} per query (the ranked window). Rare words used: {string.Join(", ", rare)}.");
    // --search-http: the same corpus searched again through the real server process over loopback HTTP.
    if (searchHttp) return await SearchHttp.RunAsync(server ?? "src/Storyweave/bin/Release/net10.0/storyweave.dll", options, app.Services, projectId, queries, rounds);
    return 0;
}
finally
{
    if (pgDatabase is not null && !keep)
    {
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres) { Database = "postgres" }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{pgDatabase}\" WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
