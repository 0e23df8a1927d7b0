using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Storyweave.Features.Workshops;
using Storyweave.Testing;

namespace Storyweave.Bench;

/// <summary>
/// Board fan-out: the real app on Kestrel (the test harness's <see cref="TestApp"/>), one workshop,
/// N guests who joined by their personal link (cookie, as in a browser) each with a SignalR
/// connection to <c>/hubs/workshop</c> joined to the board as <c>wwwroot/js/workshop.js</c> does.
/// The facilitator moves a card through the board's API again and again; for each move the clock
/// runs from sending the move until (a) every client has heard "changed" with the new sequence and
/// (b) every client shows the move: as the script does, a client whose board is at the change's
/// "after" sequence applies the move it carries; any other client reads the board through the API.
/// </summary>
public static class Fanout
{
    /// <param name="nodes">1, or 2: a second app on the same database joined through Redis (SignalR's backplane,
    /// <c>--redis HOST:PORT</c>); the guests are shared out between the nodes in turn and the facilitator moves on the first.</param>
    public static async Task<int> RunAsync(int clients, int moves, string? postgres, int nodes = 1, string? redis = null)
    {
        if (postgres is not null) Environment.SetEnvironmentVariable("STORYWEAVE_TEST_POSTGRES", postgres);
        if (redis is not null) Environment.SetEnvironmentVariable("STORYWEAVE_TEST_REDIS", redis);
        if (nodes is < 1 or > 2) throw new ArgumentException("--nodes is 1 or 2.");
        // With an admin, so the app is past first-run setup; with Redis when there are two nodes.
        await using var app = nodes == 1 ? await TestApp.StartAsync() : await TestApp.StartWithRedisAsync();
        await using var second = nodes == 2 ? await app.StartSecondNodeAsync(ownDataFolder: postgres is not null) : null;
        var urls = nodes == 1 ? new[] { app.BaseUrl } : new[] { app.BaseUrl, second!.BaseUrl };
        var lead = await app.CreateUserAsync(name: "Lee Lead");
        var projectId = await app.CreateProjectAsync(lead);
        using var facilitator = await app.ApiClientAsync(lead);
        var workshopId = await TestApp.CreateWorkshopAsync(facilitator, projectId, title: "Fan-out");
        var board = $"/api/projects/{projectId}/workshops/{workshopId}";
        (await facilitator.PostAsJsonAsync(board + "/notes", new { text = "A note to move about" })).EnsureSuccessStatusCode();
        (await facilitator.PostAsJsonAsync(board + "/clusters", new { name = "Belonging" })).EnsureSuccessStatusCode();

        // Guests: a personal link each, opened with a cookie jar of their own (the join form sets the workshop cookie).
        var guests = new List<Guest>();
        for (var i = 0; i < clients; i++)
        {
            var link = await TestApp.CreateJoinLinkAsync(facilitator, projectId, workshopId, $"Guest {i + 1}");
            var cookies = new CookieContainer();
            var node = urls[i % urls.Length];
            var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = new Uri(node) };
            var posted = await TestApp.PostFormAsync(http, link.Path, new() { ["name"] = $"Guest {i + 1}" });
            if (posted.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"Guest {i + 1} could not join: {(int)posted.StatusCode}");
            var connection = new HubConnectionBuilder().WithUrl(node + WorkshopHub.Path, o => o.Cookies = cookies).Build();
            var guest = new Guest(http, connection, i % urls.Length);
            connection.On<WorkshopNotifier.Change>("changed", guest.Heard);
            await connection.StartAsync();
            var joined = await connection.InvokeAsync<WorkshopHub.JoinResult>("Join", projectId, workshopId);
            if (!joined.Ok) throw new InvalidOperationException($"Guest {i + 1}: {joined.Error}");
            guests.Add(guest);
        }

        var clusterId = (await TestApp.BoardAsAsync(facilitator, projectId, workshopId)).Clusters.Single().Id;
        var heardAll = new List<double>();
        var readAll = new List<double>();
        var perClient = new List<double>();
        var perNode = new[] { new List<double>(), new List<double>() };
        var loadBefore = Stats.LoadAverage();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var total = Stopwatch.StartNew();
        for (var m = 0; m <= moves; m++) // move 0 warms up and is not counted
        {
            var current = await TestApp.BoardAsAsync(facilitator, projectId, workshopId);
            var card = current.Cards.Single();
            foreach (var g in guests) g.Expect(current.Sequence, projectId, workshopId);
            var watch = Stopwatch.StartNew();
            foreach (var g in guests) g.Watch = watch;
            var response = await facilitator.PostAsJsonAsync($"{board}/cards/{card.Id}/move", new { clusterId = card.ClusterId is null ? clusterId : (int?)null, version = card.Version });
            response.EnsureSuccessStatusCode();
            var timings = await Task.WhenAll(guests.Select(g => g.Done.WaitAsync(TimeSpan.FromSeconds(30))));
            if (m == 0) continue;
            heardAll.Add(timings.Max(t => t.Heard));
            readAll.Add(timings.Max(t => t.Read));
            perClient.AddRange(timings.Select(t => t.Heard));
            for (var g = 0; g < guests.Count; g++) perNode[guests[g].Node].Add(timings[g].Heard);
        }
        total.Stop();
        process.Refresh();
        var cpuMs = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;

        Console.WriteLine($"### Board fan-out, {(postgres is null ? "SQLite" : "PostgreSQL")}: {clients} guests connected by SignalR{(nodes == 2 ? " to 2 nodes (half each; Redis backplane; the moves made on node 1)" : "")}, {moves} card moves");
        Console.WriteLine();
        Console.WriteLine("| From sending the move until… | Median ms | p95 ms | Max ms |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| one client heard \"changed\" (all {perClient.Count:N0} deliveries) | {Stats.Percentile(perClient, 50):F1} | {Stats.Percentile(perClient, 95):F1} | {perClient.Max():F1} |");
        Console.WriteLine($"| **all {clients} clients heard \"changed\"** | **{Stats.Percentile(heardAll, 50):F1}** | **{Stats.Percentile(heardAll, 95):F1}** | {heardAll.Max():F1} |");
        Console.WriteLine($"| **all {clients} clients show the move** | **{Stats.Percentile(readAll, 50):F1}** | **{Stats.Percentile(readAll, 95):F1}** | {readAll.Max():F1} |");
        if (nodes == 2)
        {
            foreach (var n in new[] { 0, 1 })
            {
                var heard = perNode[n];
                Console.WriteLine($"| one client of node {n + 1} heard \"changed\" ({heard.Count:N0} deliveries) | {Stats.Percentile(heard, 50):F1} | {Stats.Percentile(heard, 95):F1} | {heard.Max():F1} |");
            }
        }
        Console.WriteLine();
        Console.WriteLine($"Moves applied straight from the message: {guests.Sum(g => g.Applied):N0}; boards read again instead: {guests.Sum(g => g.Reads):N0}.");
        Console.WriteLine();
        Console.WriteLine($"Process CPU (app, clients and benchmark in one process) per move: {cpuMs / (moves + 1):F1} ms; {total.Elapsed.TotalSeconds:F1} s for {moves + 1} moves.");
        Console.WriteLine($"Load average before / after: {loadBefore} / {Stats.LoadAverage()}.");

        foreach (var g in guests) await g.DisposeAsync();
        return 0;
    }

    private sealed class Guest(HttpClient http, HubConnection connection, int node) : IAsyncDisposable
    {
        public int Node => node;
        private long _after;
        private string _boardUrl = "";
        private TaskCompletionSource<(double Heard, double Read)> _done = new();
        private int _fired;

        public Stopwatch Watch { get; set; } = new();
        public Task<(double Heard, double Read)> Done => _done.Task;

        public void Expect(long currentSequence, int projectId, int workshopId)
        {
            _after = currentSequence;
            _boardUrl = $"/api/projects/{projectId}/workshops/{workshopId}/board";
            _done = new TaskCompletionSource<(double, double)>(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _fired, 0);
        }

        public int Applied { get; private set; }
        public int Reads { get; private set; }

        /// <summary>As workshop.js: a move that follows the board this client has is applied; otherwise read the board again.</summary>
        public void Heard(WorkshopNotifier.Change change)
        {
            if (change.Sequence <= _after || Interlocked.Exchange(ref _fired, 1) == 1) return;
            var heard = Watch.Elapsed.TotalMilliseconds;
            if (change.Move is not null && change.After == _after)
            {
                Applied++;
                _done.TrySetResult((heard, heard));
                return;
            }
            Reads++;
            _ = ReadAsync(heard);
        }

        private async Task ReadAsync(double heard)
        {
            try
            {
                var b = await http.GetFromJsonAsync<WorkshopService.BoardDto>(_boardUrl, TestApp.JsonOptions);
                if (b is null || b.Sequence <= _after) throw new InvalidOperationException("The board read after \"changed\" did not show the change.");
                _done.TrySetResult((heard, Watch.Elapsed.TotalMilliseconds));
            }
            catch (Exception e)
            {
                _done.TrySetException(e);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await connection.DisposeAsync();
            http.Dispose();
        }
    }
}
