using ImageFinder.Configuration;
using ImageFinder.Search;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Hosting;

/// <summary>
/// Loads the engine (an <see cref="ImageSearch"/>: the model and the database) in the background when the host starts, so the process answers
/// <c>/health</c> (503, loading) at once and becomes ready when both are loaded. A load failure is logged with its
/// reason, reported by <c>/health</c> as <c>failed</c> (the reason is never sent to clients), and stops the application
/// with a non-zero exit code.
/// </summary>
public sealed class EngineLoader : BackgroundService
{
    private readonly ImageFinderOptions options;
    private readonly ILogger<EngineLoader> logger;
    private readonly IHostApplicationLifetime lifetime;
    private volatile ImageSearch? search;
    private volatile bool failed;

    public EngineLoader(IOptions<ImageFinderOptions> options, ILogger<EngineLoader> logger, IHostApplicationLifetime lifetime)
    {
        this.options = options.Value;
        this.logger = logger;
        this.lifetime = lifetime;
    }

    public EngineState State => search is not null ? EngineState.Ready : failed ? EngineState.Failed : EngineState.Loading;

    /// <summary>The loaded engine, or null while loading or after a failure.</summary>
    public ImageSearch? Search => search;

    public override void Dispose()
    {
        search?.Dispose();
        search = null;
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(
        async () =>
        {
            try
            {
                var loaded = await ImageSearch.OpenAsync(options, logger, stoppingToken);
                if (options.MetricConflict(loaded.Store.Collection.Metric) is { } conflict)
                {
                    logger.LogWarning("{Conflict}", conflict);
                }

                try
                {
                    // Loads or builds the search index (and trains it if the collection is large) before the first query.
                    await loaded.Knn.WarmAsync(stoppingToken);
                }
                catch
                {
                    loaded.Dispose();
                    throw;
                }

                if (stoppingToken.IsCancellationRequested)
                {
                    loaded.Dispose();
                    return;
                }

                search = loaded;
                logger.LogInformation(
                    "Ready: model '{Model}' ({Dimension}-d) from {ModelPath}, database {Database}",
                    loaded.Model.Name,
                    loaded.Model.Dimension,
                    loaded.Model.Path,
                    loaded.Store.Location);
                if (loaded.Model.Name.Contains("NOT ResNet-50", StringComparison.Ordinal))
                {
                    logger.LogWarning("The loaded model is the bundled TEST model, not ResNet-50: {Description}", loaded.Model.Description);
                }
            }
            catch (Exception e)
            {
                failed = true;
                logger.LogCritical("ImageFinder could not start: {Error}", e.Message);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            }
        },
        stoppingToken);
}
