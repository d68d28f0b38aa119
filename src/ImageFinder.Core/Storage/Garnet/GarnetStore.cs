using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ImageFinder.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace ImageFinder.Storage.Garnet;

/// <summary>
/// A collection on a Garnet cluster (or one Garnet server): metadata in hashes, vectors in the vector sets of
/// <see cref="GarnetKeys.Shards"/> shard keys spread over the cluster's hash slots, KNN as a scatter-gather over the
/// shards merged by distance. See <see cref="GarnetKeys"/> for the layout. Several processes may write at once: ids come
/// from INCR, a source is claimed with HSETNX (so two writers of one new source end with one id), an image's row and
/// its place in the id list change in one MULTI/EXEC on its shard's slot, and the version is an INCR.
/// </summary>
/// <remarks>
/// Not transactional across shards: a batch is written image by image, and a crash part-way leaves the images written
/// so far (each whole). A vector is added before its row and removed after it, so a search never returns an id
/// without a row; a vector left without a row by a crash is skipped by every read and replaced on the next write.
/// Vector sets are created with NOQUANT, so the scores VSIM returns are the metric on the stored floats (squared
/// Euclidean for l2, 1 − cos for cosine), and VEMB RAW gives the floats back bit for bit.
/// A filtered search (<see cref="SearchAsync(float[], int, ImageFilter, CancellationToken)"/>) plans each shard from
/// the filter index that every write keeps beside the row (<see cref="GarnetFilterIndex"/>), then reads a small matching
/// subset exactly or asks VSIM with FILTER at a breadth raised by the filter's selectivity (<see cref="GarnetFilteredSearch"/>).
/// Commands that fail because a node does not answer are retried (Polly, <see cref="GarnetOptions.Attempts"/>) and
/// then throw <see cref="StoreUnavailableException"/>.
/// </remarks>
public sealed class GarnetStore : IImageStore
{
    private const int PageSize = 256;

    private readonly ConnectionMultiplexer connection;
    private readonly IDatabase database;
    private readonly GarnetKeys keys;
    private readonly GarnetOptions options;
    private readonly ResiliencePipeline retry;
    private readonly ILogger logger;
    private readonly string metricName;
    private readonly ReplicationWait? replication;
    private readonly GarnetFilterIndex filterIndex;
    private readonly GarnetFilteredSearch? filteredSearch;
    private bool disposed;

    private GarnetStore(ConnectionMultiplexer connection, GarnetKeys keys, GarnetOptions options, CollectionInfo collection, ResiliencePipeline retry, ILogger logger, bool filterIndexed)
    {
        this.connection = connection;
        database = connection.GetDatabase();
        this.keys = keys;
        this.options = options;
        this.retry = retry;
        this.logger = logger;
        Collection = collection;
        metricName = collection.Metric == CollectionInfo.Cosine ? "COSINE" : "L2";
        Location = $"garnet prefix '{options.Prefix}' on {options.Endpoints}";
        replication = options.WaitForReplicas ? new ReplicationWait(connection, TimeSpan.FromMilliseconds(options.ReplicaTimeoutMs)) : null;
        filterIndex = new GarnetFilterIndex(database, keys);
        filteredSearch = filterIndexed ? new GarnetFilteredSearch(database, keys, collection, options.SearchEf, Distance, ReadEmbeddingAsync) : null;
    }

    public string Kind => StoreKinds.Garnet;

    public string Location { get; }

    public CollectionInfo Collection { get; }

    public long? StorageBytes => null;

    /// <summary>Shard keys of this collection (as created; the setting applies to new collections only).</summary>
    public int Shards => keys.Shards;

    /// <summary>
    /// Connects and opens (or creates) the collection under <see cref="GarnetOptions.Prefix"/>. A new collection gets
    /// <paramref name="expected"/>'s metric and the configured shard count; an existing one keeps its own. A collection
    /// written before the filter index existed gets it here, once (<see cref="GarnetFilterIndex.BackfillAsync"/>).
    /// </summary>
    /// <exception cref="CollectionMismatchException">The prefix holds another model's vectors or another dimension.</exception>
    /// <exception cref="StoreUnavailableException">No node answers.</exception>
    public static Task<GarnetStore> OpenAsync(GarnetOptions options, CollectionInfo expected, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(expected);
        return OpenCoreAsync(options, expected, logger, cancellationToken);
    }

    private static async Task<GarnetStore> OpenCoreAsync(GarnetOptions options, CollectionInfo? expected, ILogger? logger, CancellationToken cancellationToken)
    {
        var (endpoints, error) = GarnetOptions.ParseEndpoints(options.Endpoints);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(options));
        }

        if (expected is not null && CollectionInfo.ParseMetric(expected.Metric) is not (CollectionInfo.L2 or CollectionInfo.Cosine))
        {
            throw new CollectionMismatchException($"The garnet store offers the l2 and cosine metrics, not '{expected.Metric}' (Garnet's vector sets have no l1).");
        }

        var configuration = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = options.TimeoutMs,
            SyncTimeout = options.TimeoutMs,
            AsyncTimeout = options.TimeoutMs,
            ConnectRetry = 1,
            // Re-read the cluster's topology often, so a replica promoted after a primary failed is found soon even
            // without an error (an error triggers a re-read at once; see Reconfigure).
            ConfigCheckSeconds = 5,
            // A command for a node that is down fails at once (and is retried, then answered 503) instead of waiting
            // in the client's backlog for the whole timeout.
            BacklogPolicy = BacklogPolicy.FailFast,
            // Flat arrays: the shape VSIM's and VEMB's replies are read in.
            Protocol = RedisProtocol.Resp2,
            ClientName = "imagefinder",
            // INFO (which replicas' offsets are read with) is an admin command for StackExchange.Redis; nothing else
            // of admin mode is used.
            AllowAdmin = options.WaitForReplicas,
        };
        foreach (var endpoint in endpoints)
        {
            configuration.EndPoints.Add(endpoint);
        }

        var log = logger ?? NullLogger.Instance;
        ConnectionMultiplexer connection;
        try
        {
            connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e))
        {
            throw Unavailable(options, e);
        }

        var retry = RetryPipeline(options.Attempts, log, new Reconfigurer(connection, log));
        try
        {
            if (!connection.IsConnected)
            {
                throw Unavailable(options, null);
            }

            var collection = await retry.ExecuteAsync(
                async token => await OpenCollectionAsync(connection.GetDatabase(), options, expected).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            var keys = new GarnetKeys(options.Prefix, int.Parse(collection.Shards, CultureInfo.InvariantCulture));
            var filterIndexed = collection.FilterIndexed;
            if (!filterIndexed && expected is not null)
            {
                await retry.ExecuteAsync(
                    async token => await new GarnetFilterIndex(connection.GetDatabase(), keys).BackfillAsync(options.Prefix, log, token).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
                filterIndexed = true;
            }

            return new GarnetStore(connection, keys, options, collection.Info, retry, log, filterIndexed);
        }
        catch (Exception e) when (IsTransient(e))
        {
            connection.Dispose();
            throw Unavailable(options, e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the collection that is already under <see cref="GarnetOptions.Prefix"/> as it is (to copy from it); nothing
    /// is written, so a collection from before the filter index answers filtered searches with the reference scan.
    /// </summary>
    /// <exception cref="CollectionMismatchException">There is no collection under the prefix.</exception>
    public static async Task<GarnetStore> OpenExistingAsync(GarnetOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return await OpenCoreAsync(options, expected: null, logger, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int k, CancellationToken cancellationToken = default)
    {
        CheckDimension(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return RunAsync<IReadOnlyList<SearchHit>>(
            async () =>
            {
                var blob = Blob(query);
                var ef = Math.Max(options.SearchEf, k);
                var replies = await Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(shard =>
                    database.ExecuteAsync("VSIM", keys.Vectors(shard), "FP32", blob, "COUNT", k, "EF", ef, "WITHSCORES"))).ConfigureAwait(false);
                var candidates = new List<(long Id, float Distance)>();
                foreach (var reply in replies)
                {
                    if (reply.IsNull || reply.Resp2Type != ResultType.Array)
                    {
                        continue;
                    }

                    var flat = (RedisResult[])reply!;
                    for (var i = 0; i + 1 < flat.Length; i += 2)
                    {
                        candidates.Add((long.Parse((string)flat[i]!, CultureInfo.InvariantCulture), Distance((double)flat[i + 1])));
                    }
                }

                candidates.Sort((a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
                // The row's source, read for every candidate in one round trip: one whose row is gone (deleted while
                // the search ran, or a vector a crash left behind) is skipped, and the next one takes its place.
                var sources = await Task.WhenAll(candidates.Select(c => database.HashGetAsync(keys.Image(c.Id), "source"))).ConfigureAwait(false);
                var hits = new List<SearchHit>(k);
                for (var i = 0; i < candidates.Count && hits.Count < k; i++)
                {
                    if (!sources[i].IsNull)
                    {
                        hits.Add(new SearchHit(candidates[i].Id, candidates[i].Distance, (string)sources[i]!));
                    }
                }

                return hits;
            },
            cancellationToken);
    }

    /// <summary>
    /// The k nearest among the images <paramref name="filter"/> lets through, planned per shard from the filter index
    /// (<see cref="GarnetFilteredSearch"/>); an empty filter is the plain search. A collection opened without its index
    /// (<see cref="OpenExistingAsync"/> of an old one) is answered by the reference scan (<see cref="FilteredScan"/>).
    /// </summary>
    public Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int k, ImageFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        CheckDimension(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (filter.IsEmpty)
        {
            return SearchAsync(query, k, cancellationToken);
        }

        return filteredSearch is { } search
            ? RunAsync(() => search.SearchAsync(query, k, filter), cancellationToken)
            : FilteredScan.SearchAsync(this, query, k, filter, cancellationToken);
    }

    public Task<long> CountAsync(CancellationToken cancellationToken = default) => RunAsync(
        async () => (await Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(shard => database.SortedSetLengthAsync(keys.Ids(shard)))).ConfigureAwait(false)).Sum(),
        cancellationToken);

    public Task<StoredImage?> FindAsync(long id, CancellationToken cancellationToken = default) =>
        id < 1 ? Task.FromResult<StoredImage?>(null) : RunAsync(async () => Row(id, await database.HashGetAllAsync(keys.Image(id)).ConfigureAwait(false)), cancellationToken);

    public Task<StoredImage?> FindBySha256Async(string sha256, CancellationToken cancellationToken = default) => RunAsync(
        async () =>
        {
            var id = await database.HashGetAsync(keys.Sha256(sha256), sha256).ConfigureAwait(false);
            if (id.IsNull)
            {
                return null;
            }

            var image = Row((long)id, await database.HashGetAllAsync(keys.Image((long)id)).ConfigureAwait(false));
            // The entry points to the first image that had these bytes; it may since have been re-written with others.
            return image is not null && image.Sha256 == sha256 ? image : null;
        },
        cancellationToken);

    public Task<IReadOnlyList<StoredImage>> ListAsync(int offset, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return RunAsync<IReadOnlyList<StoredImage>>(
            async () =>
            {
                // The page is among the first offset + limit ids of every shard: merge those, then read the page's rows.
                var last = (long)offset + limit - 1;
                var heads = await Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(shard => database.SortedSetRangeByRankAsync(keys.Ids(shard), 0, last))).ConfigureAwait(false);
                var page = heads.SelectMany(ids => ids).Select(id => (long)id).Order().Skip(offset).Take(limit).ToList();
                return await ReadRowsAsync(page).ConfigureAwait(false);
            },
            cancellationToken);
    }

    public Task<float[]?> ReadVectorAsync(long id, CancellationToken cancellationToken = default) =>
        id < 1 ? Task.FromResult<float[]?>(null) : RunAsync(
            async () =>
            {
                var exists = database.KeyExistsAsync(keys.Image(id));
                var vector = await ReadEmbeddingAsync(id).ConfigureAwait(false);
                return await exists.ConfigureAwait(false) ? vector : null;
            },
            cancellationToken);

    public Task<Dictionary<string, FileFingerprint>> LoadFingerprintsAsync(CancellationToken cancellationToken = default) => RunAsync(
        async () =>
        {
            var fingerprints = new Dictionary<string, FileFingerprint>(StringComparer.Ordinal);
            foreach (var page in (await AllIdsAsync().ConfigureAwait(false)).Chunk(PageSize * 4))
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var image in await ReadRowsAsync(page).ConfigureAwait(false))
                {
                    fingerprints[image.Source] = new FileFingerprint(image.Id, image.SizeBytes, image.Modified, image.Sha256);
                }
            }

            return fingerprints;
        },
        cancellationToken);

    public async Task<IReadOnlyList<(long Id, WriteOutcome Outcome)>> WriteBatchAsync(IReadOnlyList<ImageRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            CheckDimension(record.Embedding);
        }

        ObjectDisposedException.ThrowIf(disposed, this);
        // Images of a batch are written side by side (each is its own few round trips); one source twice in a batch is
        // written in order, as SQLite does.
        var results = new (long, WriteOutcome)[records.Count];
        var bySource = Enumerable.Range(0, records.Count).GroupBy(i => records[i].Source, StringComparer.Ordinal);
        await Task.WhenAll(bySource.Select(async group =>
        {
            foreach (var i in group)
            {
                results[i] = await RunAsync(() => WriteAsync(records[i]), cancellationToken).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        await AwaitReplicasAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    public Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default) =>
        id < 1 ? Task.FromResult(false) : RunAsync(
            async () =>
            {
                var row = Row(id, await database.HashGetAllAsync(keys.Image(id)).ConfigureAwait(false));
                if (row is null)
                {
                    return false;
                }

                // The row goes first (one transaction on the shard: only one of two concurrent deletes succeeds), so no
                // read finds the image from then on; then its vector and its source and hash entries.
                var transaction = database.CreateTransaction();
                transaction.AddCondition(Condition.KeyExists(keys.Image(id)));
                _ = transaction.KeyDeleteAsync(keys.Image(id));
                _ = transaction.SortedSetRemoveAsync(keys.IdsOf(id), id);
                filterIndex.QueueRemove(transaction, id, row.Source);
                if (!await transaction.ExecuteAsync().ConfigureAwait(false))
                {
                    return false;
                }

                await database.ExecuteAsync("VREM", keys.VectorsOf(id), GarnetKeys.Element(id)).ConfigureAwait(false);
                await RemoveIfPointsToAsync(keys.Sources(row.Source), row.Source, id).ConfigureAwait(false);
                await RemoveIfPointsToAsync(keys.Sha256(row.Sha256), row.Sha256, id).ConfigureAwait(false);
                await database.StringIncrementAsync(keys.Version).ConfigureAwait(false);
                await AwaitReplicasAsync(cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public Task ReserveIdsUpToAsync(long highWaterMark, CancellationToken cancellationToken = default) => RunAsync<bool>(
        async () =>
        {
            while (true)
            {
                var current = await database.StringGetAsync(keys.NextId).ConfigureAwait(false);
                if (!current.IsNull && (long)current >= highWaterMark)
                {
                    return true;
                }

                // Compare-and-set: another writer's INCR in between makes this round fail, and the next one re-reads.
                var transaction = database.CreateTransaction();
                transaction.AddCondition(current.IsNull ? Condition.KeyNotExists(keys.NextId) : Condition.StringEqual(keys.NextId, current));
                _ = transaction.StringSetAsync(keys.NextId, highWaterMark);
                if (await transaction.ExecuteAsync().ConfigureAwait(false))
                {
                    return true;
                }
            }
        },
        cancellationToken);

    public Task TouchAsync(string source, long sizeBytes, DateTimeOffset modified, CancellationToken cancellationToken = default) => RunAsync<bool>(
        async () =>
        {
            var id = await database.HashGetAsync(keys.Sources(source), source).ConfigureAwait(false);
            if (id.IsNull)
            {
                return false;
            }

            var transaction = database.CreateTransaction();
            transaction.AddCondition(Condition.HashEqual(keys.Image((long)id), "source", source));
            _ = transaction.HashSetAsync(keys.Image((long)id), [new("size", sizeBytes), new("modified", modified.ToUnixTimeMilliseconds())]);
            return await transaction.ExecuteAsync().ConfigureAwait(false);
        },
        cancellationToken);

    public Task<long> ReadIdHighWaterMarkAsync(CancellationToken cancellationToken = default) => RunAsync(
        async () =>
        {
            var next = await database.StringGetAsync(keys.NextId).ConfigureAwait(false);
            return next.IsNull ? 0 : (long)next;
        },
        cancellationToken);

    public Task<long> ReadVersionAsync(CancellationToken cancellationToken = default) => RunAsync(
        async () =>
        {
            var version = await database.StringGetAsync(keys.Version).ConfigureAwait(false);
            return version.IsNull ? 0 : (long)version;
        },
        cancellationToken);

    public async IAsyncEnumerable<StoredEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var ids = await RunAsync(AllIdsAsync, cancellationToken).ConfigureAwait(false);
        foreach (var page in ids.Chunk(PageSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entries = await RunAsync(
                async () =>
                {
                    var rows = ReadRowsAsync(page);
                    var vectors = await Task.WhenAll(page.Select(ReadEmbeddingAsync)).ConfigureAwait(false);
                    var byId = page.Zip(vectors).ToDictionary(pair => pair.First, pair => pair.Second);
                    return (await rows.ConfigureAwait(false))
                        .Where(row => byId[row.Id] is not null)
                        .Select(row => new StoredEntry(row, byId[row.Id]!))
                        .ToList();
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var entry in entries)
            {
                yield return entry;
            }
        }
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            // Every shard's node, since a search needs them all.
            await Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(shard => database.KeyExistsAsync(keys.Ids(shard)))).WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (IsTransient(e))
        {
            logger.LogWarning("The garnet store at {Endpoints} does not answer: {Message}", options.Endpoints, e.Message);
            return false;
        }
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        connection.Dispose();
    }

    /// <summary>Whether an exception means "a node did not answer" (retried, then <see cref="StoreUnavailableException"/>), not a bug or bad data.</summary>
    internal static bool IsTransient(Exception e) => e switch
    {
        RedisConnectionException or RedisTimeoutException or TimeoutException => true,
        RedisServerException server => server.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
            || server.Message.StartsWith("MOVED", StringComparison.Ordinal)
            || server.Message.StartsWith("LOADING", StringComparison.Ordinal),
        _ => false,
    };

    private static ResiliencePipeline RetryPipeline(int attempts, ILogger logger, Reconfigurer reconfigurer)
    {
        var builder = new ResiliencePipelineBuilder();
        if (attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = attempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                OnRetry = args =>
                {
                    logger.LogWarning("Garnet command failed ({Message}); retry {Attempt} in {Delay} ms", args.Outcome.Exception?.Message, args.AttemptNumber + 1, (int)args.RetryDelay.TotalMilliseconds);
                    reconfigurer.Request();
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }

    /// <summary>
    /// Asks the client to re-read the cluster's topology after a failed command (a node down, a slot moved to a promoted
    /// replica), at most once a second however many commands fail at once.
    /// </summary>
    private sealed class Reconfigurer(ConnectionMultiplexer connection, ILogger logger)
    {
        private long lastTicks;

        public void Request()
        {
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref lastTicks);
            if (now - last < 1000 || Interlocked.CompareExchange(ref lastTicks, now, last) != last)
            {
                return;
            }

            _ = ReconfigureAsync();
        }

        private async Task ReconfigureAsync()
        {
            try
            {
                await connection.ConfigureAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) || e is ObjectDisposedException)
            {
                logger.LogDebug("Re-reading the garnet topology failed: {Message}", e.Message);
            }
        }
    }

    private static StoreUnavailableException Unavailable(GarnetOptions options, Exception? cause) => new(
        StoreKinds.Garnet,
        $"The garnet store (ImageFinder:Garnet:Endpoints {options.Endpoints}) does not answer; check that its nodes are running and reachable.",
        cause);

    private static async Task<(CollectionInfo Info, string Shards, bool FilterIndexed)> OpenCollectionAsync(IDatabase database, GarnetOptions options, CollectionInfo? wanted)
    {
        var meta = GarnetKeys.MetaOf(options.Prefix);
        var expected = wanted ?? await DescribeAsync(database, options).ConfigureAwait(false);
        var metric = CollectionInfo.ParseMetric(expected.Metric)!;
        // Created in one transaction that only runs while the key is absent: two processes creating the same
        // collection at once end with one of them's settings, which both then read.
        var create = database.CreateTransaction();
        create.AddCondition(Condition.KeyNotExists(meta));
        _ = create.HashSetAsync(meta,
        [
            new("model", expected.Model),
            new("dimension", expected.Dimension),
            new("metric", metric),
            new("shards", options.Shards),
            new("graph_degree", options.GraphDegree),
            new("model_sha256", expected.ModelSha256 ?? ""),
            new("model_file", expected.ModelFile ?? ""),
            new("collection_id", Guid.NewGuid().ToString("N")),
            new(GarnetFilterIndex.MetaField, GarnetFilterIndex.MetaVersion),
        ]);
        await create.ExecuteAsync().ConfigureAwait(false);

        var stored = (await database.HashGetAllAsync(meta).ConfigureAwait(false)).ToDictionary(entry => (string)entry.Name!, entry => (string)entry.Value!, StringComparer.Ordinal);
        var where = $"The garnet collection '{options.Prefix}'";
        if (stored.GetValueOrDefault("dimension") != expected.Dimension.ToString(CultureInfo.InvariantCulture))
        {
            throw new CollectionMismatchException(
                $"{where} holds {stored.GetValueOrDefault("dimension")}-dimensional vectors but the model '{expected.Model}' produces {expected.Dimension}. Use another ImageFinder:Garnet:Prefix or the model it was built with ('{stored.GetValueOrDefault("model")}').");
        }

        if (stored.GetValueOrDefault("model") != expected.Model)
        {
            throw new CollectionMismatchException(
                $"{where} was built with model '{stored.GetValueOrDefault("model")}', not '{expected.Model}': their vectors are not comparable. Use another ImageFinder:Garnet:Prefix or that model.");
        }

        var storedSha256 = stored.GetValueOrDefault("model_sha256") is { Length: > 0 } sha ? sha : null;
        if (expected.ModelSha256 is not null && storedSha256 is not null && storedSha256 != expected.ModelSha256)
        {
            throw new CollectionMismatchException(
                $"{where} was built with the model file '{stored.GetValueOrDefault("model_file")}' (SHA-256 {storedSha256}), not '{expected.ModelFile}' (SHA-256 {expected.ModelSha256}), although both are named '{expected.Model}': their vectors are not comparable. Use that model file or another ImageFinder:Garnet:Prefix.");
        }

        if (expected.ModelSha256 is not null && storedSha256 is null)
        {
            await database.HashSetAsync(meta, [new("model_sha256", expected.ModelSha256), new("model_file", expected.ModelFile ?? "")]).ConfigureAwait(false);
        }

        var storedMetric = CollectionInfo.ParseMetric(stored.GetValueOrDefault("metric"))
            ?? throw new CollectionMismatchException($"{where} uses the distance metric '{stored.GetValueOrDefault("metric")}', which this version does not support.");
        if (!int.TryParse(stored.GetValueOrDefault("shards"), NumberStyles.None, CultureInfo.InvariantCulture, out var shards) || shards < 1
            || !int.TryParse(stored.GetValueOrDefault("graph_degree"), NumberStyles.None, CultureInfo.InvariantCulture, out var degree) || degree < 4)
        {
            throw new CollectionMismatchException($"{where}'s metadata ({meta}) is not ImageFinder's: it has no usable shard count or graph degree.");
        }

        options.GraphDegree = degree;
        var info = expected with
        {
            Metric = storedMetric,
            ModelSha256 = storedSha256 ?? expected.ModelSha256,
            ModelFile = stored.GetValueOrDefault("model_file") is { Length: > 0 } file ? file : expected.ModelFile,
        };
        return (info, shards.ToString(CultureInfo.InvariantCulture), stored.GetValueOrDefault(GarnetFilterIndex.MetaField) == GarnetFilterIndex.MetaVersion);
    }

    /// <summary>The collection already under the prefix, as its metadata describes it.</summary>
    private static async Task<CollectionInfo> DescribeAsync(IDatabase database, GarnetOptions options)
    {
        var stored = (await database.HashGetAllAsync(GarnetKeys.MetaOf(options.Prefix)).ConfigureAwait(false)).ToDictionary(entry => (string)entry.Name!, entry => (string)entry.Value!, StringComparer.Ordinal);
        if (stored.Count == 0)
        {
            throw new CollectionMismatchException($"There is no collection under the garnet prefix '{options.Prefix}' (ImageFinder:Garnet:Prefix) on {options.Endpoints}.");
        }

        if (!stored.TryGetValue("model", out var model) || !int.TryParse(stored.GetValueOrDefault("dimension"), NumberStyles.None, CultureInfo.InvariantCulture, out var dimension) || dimension < 1)
        {
            throw new CollectionMismatchException($"The garnet prefix '{options.Prefix}' holds no ImageFinder collection (its metadata has no model or dimension).");
        }

        return new CollectionInfo(
            model,
            dimension,
            CollectionInfo.ParseMetric(stored.GetValueOrDefault("metric")) ?? CollectionInfo.L2,
            stored.GetValueOrDefault("model_sha256") is { Length: > 0 } sha ? sha : null,
            stored.GetValueOrDefault("model_file") is { Length: > 0 } file ? file : null);
    }

    internal static byte[] Blob(float[] vector) => MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();

    private static StoredImage? Row(long id, HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        var row = entries.ToDictionary(entry => (string)entry.Name!, entry => entry.Value, StringComparer.Ordinal);
        if (!row.TryGetValue("source", out var source) || !row.TryGetValue("added", out var added))
        {
            // A row a crash left half-made (its write transaction never ran): not an image.
            return null;
        }

        return new StoredImage(
            id,
            (string)source!,
            (string)row["sha256"]!,
            (long)row["size"],
            DateTimeOffset.FromUnixTimeMilliseconds((long)row["modified"]),
            (int)row["width"],
            (int)row["height"],
            DateTimeOffset.FromUnixTimeMilliseconds((long)added));
    }

    private float Distance(double score) =>
        // NOQUANT scores are the metric on the stored floats: squared Euclidean for l2. A cosine with a zero vector
        // has no direction and no score: distance 1 from everything, as VectorDistance.CosineDistance has it.
        metricName == "L2" ? MathF.Sqrt((float)Math.Max(0, score)) : double.IsFinite(score) ? (float)score : 1f;

    private async Task<(long, WriteOutcome)> WriteAsync(ImageRecord record)
    {
        var sources = keys.Sources(record.Source);
        var known = await database.HashGetAsync(sources, record.Source).ConfigureAwait(false);
        long id;
        if (!known.IsNull && await database.KeyExistsAsync(keys.Image((long)known)).ConfigureAwait(false))
        {
            id = (long)known;
            if (record.Keep is { } keep && keep.Id != id)
            {
                throw new InvalidOperationException($"'{record.Source}' is image {id} in this collection, not image {keep.Id}.");
            }

            await PutAsync(id, record, isNew: false).ConfigureAwait(false);
            return (id, WriteOutcome.Updated);
        }

        if (!known.IsNull)
        {
            // The source is claimed but has no row yet: another writer of it is in flight, or one crashed before its
            // row. Either way this write completes it under that id; whichever row transaction runs first adds it.
            id = (long)known;
            if (record.Keep is { } keep && keep.Id != id)
            {
                throw new InvalidOperationException($"'{record.Source}' is image {id} in this collection, not image {keep.Id}.");
            }

            return (id, await PutAsync(id, record, isNew: true).ConfigureAwait(false) ? WriteOutcome.Added : WriteOutcome.Updated);
        }

        if (record.Keep is { } kept)
        {
            id = kept.Id;
            var holder = await database.HashGetAsync(keys.Image(id), "source").ConfigureAwait(false);
            if (!holder.IsNull && (string)holder! != record.Source)
            {
                throw new InvalidOperationException($"Image id {id} is taken by another source than '{record.Source}' in this collection.");
            }

            await ReserveIdsUpToAsync(id).ConfigureAwait(false);
        }
        else
        {
            id = await database.StringIncrementAsync(keys.NextId).ConfigureAwait(false);
        }

        if (!await database.HashSetAsync(sources, record.Source, id, When.NotExists).ConfigureAwait(false))
        {
            // Another writer claimed this source first: theirs is the image's id (this one is never used).
            return await WriteAsync(record).ConfigureAwait(false);
        }

        return (id, await PutAsync(id, record, isNew: true).ConfigureAwait(false) ? WriteOutcome.Added : WriteOutcome.Updated);
    }

    /// <summary>
    /// Writes an image's vector with its filter attributes, then (after the version's INCR) its row, id-list entry and
    /// filter index entries in one transaction, then its hash entry. True when this call created the row (its added time
    /// was set here), false when the row was there.
    /// </summary>
    private async Task<bool> PutAsync(long id, ImageRecord record, bool isNew)
    {
        var vectors = keys.VectorsOf(id);
        var element = GarnetKeys.Element(id);
        var image = keys.Image(id);
        // The added time a row keeps; a new one's is this write's, unless another writer of it creates the row first.
        var stored = await database.HashGetAsync(image, "added").ConfigureAwait(false);
        var added = stored.IsNull ? (record.Keep?.Added ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds() : (long)stored;
        if (!isNew || await database.ExecuteAsync("VISMEMBER", vectors, element).ConfigureAwait(false) is { } member && (int)member == 1)
        {
            // Whether VADD replaces an element's vector is not settled for Garnet's preview: remove it, then add.
            await database.ExecuteAsync("VREM", vectors, element).ConfigureAwait(false);
        }

        await database.ExecuteAsync(
            "VADD", vectors, "FP32", Blob(record.Embedding), element, "NOQUANT", "M", options.GraphDegree,
            "SETATTR", GarnetFilterIndex.Attributes(record.Source, added, record.Width, record.Height), "XDISTANCE_METRIC", metricName).ConfigureAwait(false);

        var version = await database.StringIncrementAsync(keys.Version).ConfigureAwait(false);
        var transaction = database.CreateTransaction();
        _ = transaction.HashSetAsync(image,
        [
            new("source", record.Source),
            new("sha256", record.Sha256),
            new("size", record.SizeBytes),
            new("modified", record.Modified.ToUnixTimeMilliseconds()),
            new("width", record.Width),
            new("height", record.Height),
            new("version", version),
        ]);
        var created = transaction.HashSetAsync(image, "added", added, When.NotExists);
        _ = transaction.SortedSetAddAsync(keys.IdsOf(id), id, id);
        filterIndex.QueueWrite(transaction, id, record.Source, added, record.Width, record.Height);
        var kept = transaction.HashGetAsync(image, "added");
        await transaction.ExecuteAsync().ConfigureAwait(false);
        if ((long)await kept.ConfigureAwait(false) != added)
        {
            // Another writer of this new image created the row first, with its own added time: the attributes follow it.
            await database.ExecuteAsync(
                "VSETATTR", vectors, element, GarnetFilterIndex.Attributes(record.Source, (long)await kept.ConfigureAwait(false), record.Width, record.Height)).ConfigureAwait(false);
        }

        await database.HashSetAsync(keys.Sha256(record.Sha256), record.Sha256, id, When.NotExists).ConfigureAwait(false);
        return await created.ConfigureAwait(false);
    }

    /// <summary>With <see cref="GarnetOptions.WaitForReplicas"/>: returns once every replica has the writes made so far, else says the write is not durable.</summary>
    private async Task AwaitReplicasAsync(CancellationToken cancellationToken)
    {
        if (replication is null)
        {
            return;
        }

        try
        {
            await replication.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new StoreUnavailableException(
                StoreKinds.Garnet,
                $"The write reached its primary but not every replica within {options.ReplicaTimeoutMs} ms (ImageFinder:Garnet:WaitForReplicas), so it is not acknowledged: it could be lost if that primary fails. Check the replicas.",
                e);
        }
    }

    private async Task RemoveIfPointsToAsync(RedisKey hash, string field, long id)
    {
        var transaction = database.CreateTransaction();
        transaction.AddCondition(Condition.HashEqual(hash, field, id));
        _ = transaction.HashDeleteAsync(hash, field);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    private async Task<float[]?> ReadEmbeddingAsync(long id)
    {
        var reply = await database.ExecuteAsync("VEMB", keys.VectorsOf(id), GarnetKeys.Element(id), "RAW").ConfigureAwait(false);
        if (reply.IsNull || reply.Resp2Type != ResultType.Array || reply.Length < 2)
        {
            return null;
        }

        var bytes = (byte[])reply[1]!;
        if (bytes.Length != Collection.Dimension * sizeof(float))
        {
            throw new InvalidDataException($"The garnet store holds a {bytes.Length}-byte vector for image {id}; a {Collection.Dimension}-d one has {Collection.Dimension * sizeof(float)}.");
        }

        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private async Task<IReadOnlyList<StoredImage>> ReadRowsAsync(IReadOnlyList<long> ids)
    {
        var rows = await Task.WhenAll(ids.Select(id => database.HashGetAllAsync(keys.Image(id)))).ConfigureAwait(false);
        var images = new List<StoredImage>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (Row(ids[i], rows[i]) is { } image)
            {
                images.Add(image);
            }
        }

        return images;
    }

    private async Task<long[]> AllIdsAsync()
    {
        var shards = await Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(shard => database.SortedSetRangeByRankAsync(keys.Ids(shard)))).ConfigureAwait(false);
        var ids = shards.SelectMany(values => values).Select(value => (long)value).ToArray();
        Array.Sort(ids);
        return ids;
    }

    private async Task<T> RunAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        try
        {
            return await retry.ExecuteAsync(async token => await operation().WaitAsync(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e))
        {
            throw Unavailable(options, e);
        }
    }

    private void CheckDimension(float[] vector)
    {
        if (vector.Length != Collection.Dimension)
        {
            throw new ArgumentException($"Vector has {vector.Length} dimensions; the collection's are {Collection.Dimension}.");
        }
    }
}
