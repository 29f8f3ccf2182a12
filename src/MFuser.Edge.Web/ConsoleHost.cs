using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MFuser.Edge.Web.Http;
using MFuser.Edge.Web.Streaming;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace MFuser.Edge.Web;

/// <summary>The console's web server (Kestrel, HTTP/1.1): the page, the MJPEG streams, <c>/api/*</c>, <c>/metrics</c>,
/// <c>/healthz</c> and <c>/readyz</c>, serving what a <see cref="ConsoleFeed"/> holds. Start one per process: the
/// metrics exporter subscribes to Meters by name, process-wide.</summary>
public sealed class ConsoleHost : IAsyncDisposable
{
    /// <summary>Histogram buckets for instruments in seconds that bring none of their own (latency of a frame stage).</summary>
    private static readonly double[] SecondsBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly WebApplication _app;

    private ConsoleHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address the console is served at, with the port actually bound (when <c>web.listen</c> asked
    /// for port 0), e.g. <c>http://127.0.0.1:43125/</c>.</summary>
    public Uri Address { get; }

    /// <summary>Validates <paramref name="options"/>, binds and starts serving. Returns once the port is bound.</summary>
    /// <exception cref="ArgumentException">The options are invalid or disabled, or their fps differs from the feed's.</exception>
    /// <exception cref="InvalidOperationException">The address could not be bound (in use, not on this machine).</exception>
    public static Task<ConsoleHost> StartAsync(ConsoleOptions options, ConsoleFeed feed, ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(options, feed, loggerFactory, ConsoleHostSettings.Default, cancellationToken);

    internal static async Task<ConsoleHost> StartAsync(ConsoleOptions options, ConsoleFeed feed, ILoggerFactory? loggerFactory,
        ConsoleHostSettings settings, CancellationToken cancellationToken)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
            throw new ArgumentException("invalid console options: " + string.Join("; ", problems), nameof(options));
        if (!options.Enabled)
            throw new ArgumentException($"{ConsoleOptions.EnabledKey} is false: the console must not be started", nameof(options));
        if (options.Fps != feed.Fps)
            throw new ArgumentException($"{ConsoleOptions.FpsKey} = {options.Fps} but the feed was made for {feed.Fps} fps", nameof(feed));
        ListenAddress.TryParse(options.Listen, out var listen, out _);

        var app = Build(listen!, feed, new TokenGate(options.Token), loggerFactory, settings);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"{ConsoleOptions.ListenKey} = '{options.Listen}': cannot listen: {e.Message}", e);
        }
        feed.Instruments.InitializeSeries(ViewNames.Streamable.Select(ViewNames.Name));
        var bound = new Uri(app.Urls.First() + "/");
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ConsoleHost>()
            .LogInformation("Console listening on {Address} ({Auth})", bound, options.Token.Length > 0 ? "token required" : "no token");
        return new ConsoleHost(app, bound);
    }

    /// <summary>Stops accepting requests and closes the open streams.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static WebApplication Build(ListenAddress listen, ConsoleFeed feed, TokenGate gate, ILoggerFactory? loggerFactory,
        ConsoleHostSettings settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ConsoleHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // "Hosting failed to start" with Kestrel's stack trace: the daemon reports a bind failure itself (web.listen, exit 2).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        if (loggerFactory is not null)
            builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = 64;
            kestrel.Limits.MinResponseDataRate = null;
            // Kestrel's defaults (130 s idle keep-alive, 30 s for the headers) let 64 idle or byte-by-byte clients hold
            // every connection, /healthz included, for minutes; a probe or a page reconnects within these.
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(10);
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
            kestrel.Listen(listen.Address, listen.Port, endpoint => endpoint.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddRoutingCore();
        // On loopback no token is needed, so a web page whose name an attacker re-points at 127.0.0.1 (DNS rebinding)
        // could read the console: only loopback host names are answered there (400 otherwise).
        if (listen.IsLoopback)
            builder.Services.AddHostFiltering(hosts =>
            {
                hosts.AllowedHosts = ["localhost", "127.0.0.1", "[::1]"];
                hosts.IncludeFailureMessage = false;
            });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("mfuser-edge"))
            .WithMetrics(metrics =>
            {
                foreach (var meter in ConsoleMetrics.ExportedMeters)
                    metrics.AddMeter(meter);
                metrics.AddView(SecondsHistogramView);
                metrics.AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0);
            });

        var app = builder.Build();
        if (listen.IsLoopback)
            app.UseHostFiltering();
        app.UseRouting();
        app.Use((context, next) => CountRequestAsync(context, next, feed));
        app.Use(gate.InvokeAsync);
        var api = new ConsoleApi(feed, StaticAssets.Load(typeof(ConsoleHost).Assembly), settings, app.Lifetime.ApplicationStopping);
        api.Map(app);
        // The exporter's endpoint answers any method: anything but GET and HEAD goes to the fallback's 405.
        app.Use((context, next) => context.Request.Path == ConsoleApi.MetricsPath && !HttpMethods.IsGet(context.Request.Method)
                                   && !HttpMethods.IsHead(context.Request.Method)
            ? api.FallbackAsync(context)
            : next(context));
        app.MapPrometheusScrapingEndpoint(ConsoleApi.MetricsPath);
        app.Map(ConsoleApi.FallbackPattern, api.FallbackAsync);
        return app;
    }

    private static async Task CountRequestAsync(HttpContext context, RequestDelegate next, ConsoleFeed feed)
    {
        try
        {
            await next(context);
        }
        finally
        {
            var pattern = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
            feed.Instruments.HttpRequest(pattern is null or ConsoleApi.FallbackPattern ? "unmatched" : pattern, context.Response.StatusCode);
        }
    }

    private static MetricStreamConfiguration? SecondsHistogramView(Instrument instrument) =>
        instrument is Histogram<double> { Unit: "s", Advice: null }
            && instrument.Meter.Name.StartsWith(ConsoleMetrics.DaemonMeterName, StringComparison.Ordinal)
            ? new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets }
            : null;
}
