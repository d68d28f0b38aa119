using System.Buffers;
using System.Runtime.InteropServices;
using ImageFinder.Distances;
using ImageFinder.Storage;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Index;

/// <summary>
/// The in-memory search index over a <see cref="VectorStore"/>: an 8-bit code per image (<see cref="ScalarQuantizer"/>,
/// 2 KB at 2048-d instead of 8 KB of floats), grouped in cells. Before it is trained the cells are plain chunks;
/// trained, they are the cells of an inverted file (IVF): k-means centres, each image in the cell of its nearest centre.
/// <para>
/// A search scans cells (every cell: exact; the <c>probes</c> cells nearest to the query: approximate), computing the
/// distance from the query to each code's vector. With each code's residual that gives a lower and an upper bound on the
/// true distance. The k-th smallest upper bound caps the k-th true distance, so only images whose lower bound is below it
/// can be among the k nearest: those (usually barely more than k) are re-ranked by their float vectors read back from
/// sqlite-vec. Over every cell the answer is therefore exactly sqlite-vec's, and every distance returned is exact.
/// </para>
/// <para>
/// The index follows the database: <see cref="Refresh"/> asks SQLite whether anything was committed since
/// (<c>pragma data_version</c>, which sees other processes too) and applies only rows with a newer collection version
/// (deletions leave tombstones). Searches hold a read lock while they scan; applying changes takes the write lock for
/// as long as it takes to copy the new codes in, so a committed write is searchable by the next query.
/// </para>
/// </summary>
public sealed class VectorIndex : IDisposable
{
    /// <summary>Rows of one chunk of an untrained index.</summary>
    internal const int ChunkRows = 1 << 16;

    private const int QuantizerSample = 20_000;
    private const float BoundSlack = 1e-4f;

    /// <summary>Scans of at least this many rows are split over the cores.</summary>
    private const int ParallelScanRows = 8192;

    private readonly VectorStore store;
    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private readonly Lock refreshGate = new();
    private readonly SqliteConnection connection;
    private readonly Dictionary<long, (int Cell, int Slot)> positions;
    private readonly List<PostingList> cells;
    private readonly float[]? centreNorms;
    private readonly sbyte[]? centreCodes;
    private readonly ImageFacets facets;
    private long dataVersion = -1;
    private bool disposed;

    private VectorIndex(VectorStore store, ScalarQuantizer quantizer, float[]? centres, List<PostingList> cells, long version, string collectionId, int trainedCount, ImageFacets? facets = null)
    {
        this.store = store;
        this.facets = facets ?? new ImageFacets();
        Quantizer = quantizer;
        Centres = centres;
        centreNorms = centres is null ? null : KMeans.Norms(centres, cells.Count, quantizer.Dimension);
        centreCodes = centres is null ? null : EncodeCentres(quantizer, centres, cells.Count);
        this.cells = cells;
        Version = version;
        CollectionId = collectionId;
        TrainedCount = trainedCount;
        positions = new Dictionary<long, (int, int)>(cells.Sum(c => c.Count));
        for (var c = 0; c < cells.Count; c++)
        {
            var cell = cells[c];
            for (var slot = 0; slot < cell.Count; slot++)
            {
                positions[cell.Ids[slot]] = (c, slot);
            }
        }

        connection = store.OpenDedicatedConnection();
    }

    public int Dimension => Quantizer.Dimension;

    public string Metric => Quantizer.Metric;

    /// <summary>Images in the index as of the last refresh.</summary>
    public int Count
    {
        get
        {
            gate.EnterReadLock();
            try
            {
                return positions.Count;
            }
            finally
            {
                gate.ExitReadLock();
            }
        }
    }

    /// <summary>Whether the cells are k-means cells (an inverted file), so that probing a few of them finds the neighbours.</summary>
    public bool IsTrained => Centres is not null;

    /// <summary>Images the cells were trained on (0 when untrained).</summary>
    public int TrainedCount { get; }

    public int CellCount => cells.Count;

    /// <summary>The collection version the index reflects.</summary>
    public long Version { get; private set; }

    /// <summary>The database's <c>collection_id</c>: a persisted index belongs to exactly one database.</summary>
    public string CollectionId { get; }

    /// <summary>Whether rows changed since the index was built, loaded or saved.</summary>
    public bool Changed { get; private set; }

    /// <summary>Memory the codes, ids, versions, residuals, centres and the id map take.</summary>
    public long MemoryBytes
    {
        get
        {
            gate.EnterReadLock();
            try
            {
                // A dictionary entry: key, value, hash and next index (8 + 8 + 4 + 4), plus one bucket (4).
                return cells.Sum(c => c.Bytes) + ((Centres?.LongLength ?? 0) * sizeof(float)) + (positions.Count * 28L) + (2L * Dimension * sizeof(float)) + facets.Bytes;
            }
            finally
            {
                gate.ExitReadLock();
            }
        }
    }

    internal ScalarQuantizer Quantizer { get; }

    internal float[]? Centres { get; }

    internal IReadOnlyList<PostingList> Cells => cells;

    /// <summary>Reads every vector of <paramref name="store"/> once and builds an untrained index (exact search).</summary>
    public static VectorIndex Build(VectorStore store, CancellationToken cancellationToken = default)
    {
        var dimension = store.Collection.Dimension;
        var metric = store.Collection.Metric;
        using var reading = store.OpenDedicatedConnection();
        using var transaction = reading.BeginTransaction(deferred: true);
        var (version, collectionId) = ReadCollectionState(reading, transaction);
        var sample = new List<float[]>();
        foreach (var (_, vector) in ReadVectors(reading, transaction, metric, dimension, "select image_id, embedding from vec_images limit $limit", ("$limit", QuantizerSample)))
        {
            sample.Add((float[])vector.Clone());
        }

        var quantizer = ScalarQuantizer.Fit(sample, dimension, metric);
        var versions = new Dictionary<long, long>();
        var facets = new ImageFacets();
        ReadRows(reading, transaction, (id, rowVersion) => versions[id] = rowVersion, facets);

        var cells = new List<PostingList>();
        var scratch = new float[dimension];
        var read = 0;
        foreach (var (id, vector) in ReadVectors(reading, transaction, metric, dimension, "select image_id, embedding from vec_images"))
        {
            if ((++read & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (!versions.TryGetValue(id, out var rowVersion))
            {
                continue;
            }

            if (cells.Count == 0 || cells[^1].Count == ChunkRows)
            {
                cells.Add(new PostingList(dimension, Math.Min(ChunkRows, versions.Count - (cells.Count * ChunkRows))));
            }

            var cell = cells[^1];
            var slot = cell.Add(id, rowVersion, 0);
            cell.Set(slot, rowVersion, Encode(quantizer, vector, cell.Code(slot), scratch));
        }

        transaction.Commit();
        return new VectorIndex(store, quantizer, centres: null, cells, version, collectionId, trainedCount: 0, facets) { Changed = true };
    }

    /// <summary>
    /// A trained copy of this index: <paramref name="cellCount"/> k-means cells learned from a sample of its codes, every
    /// code moved to the cell of its nearest centre. Runs beside searches (it reads a copy of the codes taken under the
    /// read lock); the copy reflects <see cref="Version"/> at that moment and catches up on its first <see cref="Refresh"/>.
    /// </summary>
    public VectorIndex Train(int cellCount, CancellationToken cancellationToken = default)
    {
        var dimension = Dimension;
        List<PostingList> rows;
        ImageFacets copiedFacets;
        long version;
        gate.EnterReadLock();
        try
        {
            version = Version;
            rows = cells.Select(c => c.Clone()).ToList();
            copiedFacets = facets.Clone();
        }
        finally
        {
            gate.ExitReadLock();
        }

        var total = rows.Sum(r => r.Count);
        cellCount = Math.Clamp(cellCount, 1, Math.Max(1, total));
        var flat = rows.SelectMany(r => Enumerable.Range(0, r.Count).Select(slot => (Cell: r, Slot: slot))).ToArray();
        var sampleSize = Math.Min(total, Math.Max(QuantizerSample, 32 * cellCount));
        var random = new Random(cellCount);
        var sample = flat.OrderBy(_ => random.Next()).Take(sampleSize).ToArray();
        var points = new float[(long)sampleSize * dimension];
        for (var i = 0; i < sampleSize; i++)
        {
            Quantizer.Decode(sample[i].Cell.Code(sample[i].Slot), points.AsSpan(i * dimension, dimension));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var centres = KMeans.Train(points, sampleSize, dimension, cellCount, seed: 17);
        var norms = KMeans.Norms(centres, cellCount, dimension);
        var assignment = new int[flat.Length];
        var blocks = (flat.Length + KMeans.RowBlock - 1) / KMeans.RowBlock;
        Parallel.For(0, blocks, new ParallelOptions { CancellationToken = cancellationToken }, () => new float[KMeans.RowBlock * dimension], (block, _, decoded) =>
        {
            var first = block * KMeans.RowBlock;
            var rows = Math.Min(KMeans.RowBlock, flat.Length - first);
            for (var r = 0; r < rows; r++)
            {
                Quantizer.Decode(flat[first + r].Cell.Code(flat[first + r].Slot), decoded.AsSpan(r * dimension, dimension));
            }

            KMeans.NearestBlock(decoded, rows, centres, norms, dimension, assignment.AsSpan(first, rows));
            return decoded;
        }, _ => { });

        var sizes = new int[cellCount];
        foreach (var cell in assignment)
        {
            sizes[cell]++;
        }

        var trained = sizes.Select(size => new PostingList(dimension, size)).ToList();
        for (var i = 0; i < flat.Length; i++)
        {
            var (source, slot) = flat[i];
            var target = trained[assignment[i]];
            var added = target.Add(source.Ids[slot], source.Versions[slot], source.Residuals[slot]);
            source.Code(slot).CopyTo(target.Code(added));
        }

        return new VectorIndex(store, Quantizer, centres, trained, version, CollectionId, total, copiedFacets) { Changed = true };
    }

    /// <summary>Applies what was committed since the last refresh (a no-op costing one pragma when nothing was).</summary>
    public void Refresh()
    {
        lock (refreshGate)
        {
            if (disposed)
            {
                // Replaced by a newly trained index while this query started on the old one: answer from what it has.
                return;
            }

            var seen = ReadDataVersion();
            if (seen == dataVersion)
            {
                return;
            }

            // Read and encode outside the write lock; searches go on meanwhile.
            using var transaction = connection.BeginTransaction(deferred: true);
            var (version, _) = ReadCollectionState(connection, transaction);
            if (version != Version)
            {
                var deleted = ReadIds(connection, transaction, "select image_id from deletions where version > $version", Version);
                var written = new List<(long Id, long Version, EncodedRow Row, RowFacets Facets)>();
                var scratch = new float[Dimension];
                foreach (var (id, rowVersion, vector, rowFacets) in ReadVersionedVectors(transaction, Version))
                {
                    written.Add((id, rowVersion, EncodeRow(vector, scratch), rowFacets));
                }

                gate.EnterWriteLock();
                try
                {
                    foreach (var id in deleted)
                    {
                        Remove(id);
                        facets.Remove(id);
                    }

                    foreach (var (id, rowVersion, row, rowFacets) in written)
                    {
                        Upsert(id, rowVersion, row);
                        facets.Set(id, rowFacets.Source, rowFacets.AddedMs, rowFacets.Width, rowFacets.Height);
                    }

                    Version = version;
                    Changed |= deleted.Count > 0 || written.Count > 0;
                }
                finally
                {
                    gate.ExitWriteLock();
                }
            }

            transaction.Commit();
            dataVersion = seen;
        }
    }

    /// <summary>
    /// The <paramref name="k"/> nearest images. <paramref name="probes"/> is the number of cells to scan (the nearest
    /// to the query; <see cref="int.MaxValue"/> or an untrained index: all). At most <paramref name="rerank"/>
    /// candidates (at least k) are re-ranked on their float vectors; with every cell scanned and no such cap
    /// (the defaults) the answer is provably sqlite-vec's. Call <see cref="Refresh"/> first to see recent writes.
    /// </summary>
    public IReadOnlyList<SearchHit> Search(float[] query, int k, int probes = int.MaxValue, int rerank = int.MaxValue) =>
        Search(query, k, ImageFilter.None, probes, rerank, exactSubset: 0, exactRerank: rerank, out _);

    /// <summary>
    /// The <paramref name="k"/> nearest images among those <paramref name="filter"/> matches (fewer only when fewer
    /// match). The matching images are found in the facets kept beside the codes. When they are few (in an approximate
    /// search: up to twice the rows an unfiltered probe scans, and at most <paramref name="exactSubset"/>; in an
    /// exhaustive one: a quarter of the collection) only their codes are scanned, every one of them, so the answer is
    /// exact whatever <paramref name="probes"/> says; otherwise the cells
    /// are scanned with the filter applied to each row, and an approximate search probes more cells, in proportion to
    /// how few images match, so that about as many matching rows are scanned as an unfiltered search scans rows.
    /// <paramref name="exhaustive"/> tells whether every matching image was scanned; such a search re-ranks up to
    /// <paramref name="exactRerank"/> candidates instead of <paramref name="rerank"/>.
    /// </summary>
    public IReadOnlyList<SearchHit> Search(float[] query, int k, ImageFilter filter, int probes, int rerank, int exactSubset, int exactRerank, out bool exhaustive)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (query.Length != Dimension)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; the index's are {Dimension}.", nameof(query));
        }

        var probe = query;
        if (Metric == CollectionInfo.Cosine)
        {
            probe = (float[])query.Clone();
            VectorDistance.Normalize(probe);
        }

        var centred = ArrayPool<float>.Shared.Rent(Dimension);
        List<Candidate> candidates;
        exhaustive = true;
        gate.EnterReadLock();
        try
        {
            if (positions.Count == 0)
            {
                return [];
            }

            Quantizer.Centre(probe, centred);
            var everyCell = Centres is null || probes >= cells.Count;
            exhaustive = everyCell;
            if (filter.IsEmpty)
            {
                candidates = Scan(centred, k, everyCell ? null : NearestCells(probe, centred, probes, k));
            }
            else
            {
                var compiled = facets.Compile(filter);
                var matching = facets.Matching(compiled);
                // Exactly when scanning the subset costs about what a probe would: up to twice the rows an unfiltered
                // approximate search scans (probes × the mean cell), and never more than exactSubset.
                var subsetLimit = everyCell
                    ? positions.Count / 4
                    : Math.Min(exactSubset, Math.Max(4L * k, 2L * probes * positions.Count / cells.Count));
                if (matching.Count <= subsetLimit)
                {
                    exhaustive = true;
                    candidates = ScanRows(centred, k, matching);
                }
                else
                {
                    // Probe as many more cells as the filter is selective, and ask them for as many more rows.
                    var share = (double)matching.Count / positions.Count;
                    var scanned = everyCell ? null : NearestCells(probe, centred, (int)Math.Min(cells.Count, Math.Ceiling(probes / share)), (int)Math.Min(int.MaxValue, Math.Ceiling(k / share)));
                    exhaustive = scanned is null || scanned.Length == cells.Count;
                    candidates = Scan(centred, k, scanned, id => facets.Matches(id, compiled));
                }
            }
        }
        finally
        {
            gate.ExitReadLock();
            ArrayPool<float>.Shared.Return(centred);
        }

        if (exhaustive)
        {
            rerank = exactRerank;
        }

        if (candidates.Count > Math.Max(k, rerank))
        {
            // More candidates than the re-rank may read (a query in a shell of near-equidistant images, or probing):
            // the nearest by code distance, whose order within a shell differs from the true one by a fraction of
            // the codes' precision.
            candidates.Sort((a, b) => a.Approximate.CompareTo(b.Approximate));
            candidates.RemoveRange(Math.Max(k, rerank), candidates.Count - Math.Max(k, rerank));
        }

        return Rerank(query, k, candidates);
    }

    /// <summary>Writes the index to <paramref name="path"/> (atomically: a temporary file renamed over it).</summary>
    public void Save(string path)
    {
        gate.EnterReadLock();
        try
        {
            IndexFile.Write(path, this);
            Changed = false;
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    /// <summary>
    /// The index persisted at <paramref name="path"/> for <paramref name="store"/>, reconciled with the database; null
    /// (with the reason) when there is none, it is damaged, it belongs to another database, model or metric, or too
    /// much changed since it was written. A null answer means: build a new one.
    /// </summary>
    public static VectorIndex? Load(VectorStore store, string path, out string reason)
    {
        var loaded = IndexFile.Read(path, store.Collection, out reason);
        if (loaded is null)
        {
            return null;
        }

        var index = new VectorIndex(store, loaded.Quantizer, loaded.Centres, loaded.Cells, loaded.Version, loaded.CollectionId, loaded.TrainedCount);
        try
        {
            if (!index.Reconcile(out reason))
            {
                index.Dispose();
                return null;
            }

            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        lock (refreshGate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            connection.Dispose();
        }
    }

    /// <summary>Encodes a vector as the index stores it (unit length in a cosine collection); returns its residual.</summary>
    private static float Encode(ScalarQuantizer quantizer, float[] vector, Span<sbyte> code, Span<float> scratch)
    {
        if (quantizer.Metric == CollectionInfo.Cosine && System.Numerics.Tensors.TensorPrimitives.Norm(vector) == 0)
        {
            // A zero vector has no direction: it is at cosine distance 1 from everything, which no bound in the unit
            // sphere's L2 describes. An infinite residual makes it a candidate of every search, checked exactly.
            code.Clear();
            return float.PositiveInfinity;
        }

        return quantizer.Encode(vector, code, scratch);
    }

    /// <summary>
    /// The candidates of the scanned cells (all when <paramref name="scanned"/> is null): every image whose lower bound is
    /// below the k-th smallest upper bound. A scan of many rows is split over the cores: each part keeps its own k smallest
    /// upper bounds, and their union holds the k smallest of all.
    /// </summary>
    private List<Candidate> Scan(float[] centred, int k, int[]? scanned, Func<long, bool>? allowed = null)
    {
        var segments = new List<Segment>();
        var rows = 0;
        foreach (var c in scanned ?? Enumerable.Range(0, cells.Count))
        {
            if (cells[c].Count > 0)
            {
                segments.Add(new Segment(cells[c], 0, cells[c].Count));
                rows += cells[c].Count;
            }
        }

        return ScanSegments(centred, k, segments, rows, allowed);
    }

    /// <summary>Scans the rows of the images <paramref name="ids"/> only (those the index holds), as <see cref="Scan"/> does cells.</summary>
    private List<Candidate> ScanRows(float[] centred, int k, List<long> ids)
    {
        var segments = new List<Segment>(ids.Count);
        foreach (var id in ids)
        {
            if (positions.TryGetValue(id, out var at))
            {
                segments.Add(new Segment(cells[at.Cell], at.Slot, at.Slot + 1));
            }
        }

        return ScanSegments(centred, k, segments, segments.Count, allowed: null);
    }

    /// <summary>The scan of <paramref name="segments"/> (<paramref name="rows"/> rows), split over the cores when they are many.</summary>
    private List<Candidate> ScanSegments(float[] centred, int k, List<Segment> segments, int rows, Func<long, bool>? allowed)
    {
        var parts = rows >= ParallelScanRows ? Math.Min(Environment.ProcessorCount, rows / (ParallelScanRows / 2)) : 1;
        if (parts <= 1)
        {
            var (uppers, found) = ScanPart(centred, k, segments, allowed);
            return Filter(found, KthUpper(uppers, k));
        }

        var shares = Share(segments, rows, parts);
        var results = new (List<float> Uppers, List<Candidate> Candidates)[parts];
        Parallel.For(0, parts, part => results[part] = ScanPart(centred, k, shares[part], allowed));
        var threshold = KthUpper(results.SelectMany(r => r.Uppers).ToList(), k);
        return Filter(results.SelectMany(r => r.Candidates).ToList(), threshold);
    }

    /// <summary>One thread's scan: the k smallest upper bounds it saw, and the rows whose lower bound was below its running threshold.</summary>
    private (List<float> Uppers, List<Candidate> Candidates) ScanPart(float[] centred, int k, List<Segment> segments, Func<long, bool>? allowed)
    {
        // The k smallest upper bounds so far (a max-heap); the largest of them caps the k-th true distance.
        var bounds = new PriorityQueue<float, float>(k + 1, Comparer<float>.Create((a, b) => b.CompareTo(a)));
        var threshold = float.PositiveInfinity;
        var candidates = new List<Candidate>(Math.Max(64, 4 * k));
        var manhattan = Metric == CollectionInfo.L1;
        var scale = Quantizer.Scale;
        var query = centred.AsSpan(0, Dimension);
        var path = ScalarKernels.Best;
        foreach (var (cell, start, end) in segments)
        {
            var residuals = cell.Residuals;
            var ids = cell.Ids;
            for (var slot = start; slot < end; slot++)
            {
                if (allowed is not null && !allowed(ids[slot]))
                {
                    continue;
                }

                var code = cell.Code(slot);
                var residual = residuals[slot];

                // A row can matter only if its distance to the code's vector is within threshold + residual (its lower
                // bound below the threshold, or its upper bound below the heap's largest, which the threshold is above).
                var reach = threshold + residual;
                float approximate;
                if (manhattan)
                {
                    approximate = ScalarKernels.L1Bounded(code, scale, query, reach, path);
                }
                else
                {
                    var squared = ScalarKernels.SquaredL2Bounded(code, scale, query, reach * reach, path);
                    approximate = MathF.Sqrt(squared);
                }

                if (approximate > reach)
                {
                    continue;
                }

                var upper = approximate + residual;
                if (bounds.Count < k)
                {
                    bounds.Enqueue(upper, upper);
                    threshold = bounds.Count == k ? Slack(bounds.Peek()) : float.PositiveInfinity;
                }
                else if (upper < bounds.Peek())
                {
                    bounds.EnqueueDequeue(upper, upper);
                    threshold = Slack(bounds.Peek());
                }

                var lower = approximate - residual;
                if (lower <= threshold)
                {
                    candidates.Add(new Candidate(ids[slot], lower, approximate));
                }
            }
        }

        return (bounds.UnorderedItems.Select(item => item.Element).ToList(), candidates);
    }

    /// <summary>The threshold from the k-th smallest upper bound (infinite when fewer than k images were scanned).</summary>
    private static float KthUpper(List<float> uppers, int k)
    {
        if (uppers.Count < k)
        {
            return float.PositiveInfinity;
        }

        uppers.Sort();
        return Slack(uppers[k - 1]);
    }

    private static List<Candidate> Filter(List<Candidate> candidates, float threshold)
    {
        candidates.RemoveAll(c => c.Lower > threshold);
        return candidates;
    }

    /// <summary>Splits the segments into <paramref name="parts"/> runs of about equal rows (a segment may be cut in two).</summary>
    private static List<Segment>[] Share(List<Segment> segments, int rows, int parts)
    {
        var shares = Enumerable.Range(0, parts).Select(_ => new List<Segment>()).ToArray();
        var perPart = (rows + parts - 1) / parts;
        var part = 0;
        var room = perPart;
        foreach (var segment in segments)
        {
            var start = segment.Start;
            while (start < segment.End)
            {
                var take = Math.Min(room, segment.End - start);
                shares[part].Add(segment with { Start = start, End = start + take });
                start += take;
                room -= take;
                if (room == 0)
                {
                    (part, room) = part < parts - 1 ? (part + 1, perPart) : (part, int.MaxValue);
                }
            }
        }

        return shares;
    }

    /// <summary>A threshold a little above <paramref name="bound"/>, so float rounding in the bounds never drops a true neighbour.</summary>
    private static float Slack(float bound) => bound + (BoundSlack * MathF.Abs(bound)) + 1e-6f;

    /// <summary>
    /// The <paramref name="probes"/> cells nearest to the query, and more while they hold fewer than <paramref name="k"/>
    /// images (so a search finds k when the collection has them). Every centre is ranked by its distance through its
    /// 8-bit code (a quarter of the bytes of the float centres); the nearest 2 × probes + 8 of them are then ranked by
    /// their exact distance, which picks the cells of the exact order unless a code's small error moved a centre past
    /// that many others.
    /// </summary>
    private int[] NearestCells(float[] probe, float[] centred, int probes, int k)
    {
        var query = centred.AsSpan(0, Dimension);
        var approximate = new (float Distance, int Cell)[cells.Count];
        for (var c = 0; c < cells.Count; c++)
        {
            approximate[c] = (ScalarKernels.SquaredL2(centreCodes.AsSpan(c * Dimension, Dimension), Quantizer.Scale, query), c);
        }

        Array.Sort(approximate);
        var shortlist = Math.Min(cells.Count, (2 * probes) + 8);
        var exact = new (float Score, int Cell)[shortlist];
        for (var i = 0; i < shortlist; i++)
        {
            var c = approximate[i].Cell;
            exact[i] = (centreNorms![c] - (2f * System.Numerics.Tensors.TensorPrimitives.Dot(probe, Centres.AsSpan(c * Dimension, Dimension))), c);
        }

        Array.Sort(exact);
        var chosen = new List<int>(probes);
        var rows = 0;
        foreach (var cell in exact.Select(e => e.Cell).Concat(approximate.Skip(shortlist).Select(a => a.Cell)))
        {
            if (chosen.Count >= probes && rows >= k)
            {
                break;
            }

            chosen.Add(cell);
            rows += cells[cell].Count;
        }

        return chosen.ToArray();
    }

    /// <summary>The centres' 8-bit codes, for ranking them cheaply (<see cref="NearestCells"/>).</summary>
    private static sbyte[] EncodeCentres(ScalarQuantizer quantizer, float[] centres, int count)
    {
        var dimension = quantizer.Dimension;
        var codes = new sbyte[count * dimension];
        var scratch = new float[dimension];
        for (var c = 0; c < count; c++)
        {
            quantizer.Encode(centres.AsSpan(c * dimension, dimension), codes.AsSpan(c * dimension, dimension), scratch);
        }

        return codes;
    }

    /// <summary>
    /// Exact distances for the candidates, read one at a time in order of their lower bounds: once the next lower bound
    /// is above the k-th exact distance found, no candidate left can enter the answer, and reading stops.
    /// </summary>
    private List<SearchHit> Rerank(float[] query, int k, List<Candidate> candidates)
    {
        if (candidates.Count == 0)
        {
            return [];
        }

        candidates.Sort((a, b) => a.Lower.CompareTo(b.Lower));
        var ids = candidates.Select(c => c.Id).ToArray();
        var ranked = new List<(long Id, float Distance)>(candidates.Count);
        // The k smallest exact distances so far (a max-heap): its top is the k-th.
        var best = new PriorityQueue<float, float>(k + 1, Comparer<float>.Create((a, b) => b.CompareTo(a)));
        store.ReadVectorsInOrder(
            ids,
            next => best.Count < k || candidates[next].Lower <= Slack(IndexSpace(best.Peek())),
            (row, vector) =>
            {
                var distance = VectorDistance.Compute(Metric, query, vector);
                ranked.Add((ids[row], distance));
                if (best.Count < k)
                {
                    best.Enqueue(distance, distance);
                }
                else if (distance < best.Peek())
                {
                    best.EnqueueDequeue(distance, distance);
                }
            });

        ranked.Sort((a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
        var top = ranked.Take(k).ToList();
        var sources = store.ReadSources(top.Select(t => t.Id).ToList());
        var hits = top.Where(t => sources.ContainsKey(t.Id)).Select(t => new SearchHit(t.Id, t.Distance, sources[t.Id])).ToList();
        VectorStore.SortHits(hits);
        return hits;
    }

    /// <summary>A distance of the collection's metric in the index's space (L2 between unit vectors in a cosine collection), where the bounds are.</summary>
    private float IndexSpace(float distance) =>
        // A cosine distance 1 − cos is half the squared L2 distance between the unit vectors the bounds are in.
        Metric == CollectionInfo.Cosine ? MathF.Sqrt(MathF.Max(0, 2 * distance)) : distance;

    /// <summary>Brings a loaded index in line with the database: rows whose id or version differ are re-read, rows gone are dropped.</summary>
    private bool Reconcile(out string reason)
    {
        lock (refreshGate)
        {
            var seen = ReadDataVersion();
            using var transaction = connection.BeginTransaction(deferred: true);
            var (version, collectionId) = ReadCollectionState(connection, transaction);
            if (collectionId != CollectionId)
            {
                reason = "it was written for another database";
                return false;
            }

            var stale = new List<long>();
            var inDatabase = new HashSet<long>();
            // The index file keeps no facets: they are read here for every row, with the versions.
            facets.Clear();
            ReadRows(
                connection,
                transaction,
                (id, rowVersion) =>
                {
                    inDatabase.Add(id);
                    if (!positions.TryGetValue(id, out var at) || cells[at.Cell].Versions[at.Slot] != rowVersion)
                    {
                        stale.Add(id);
                    }
                },
                facets);

            var gone = positions.Keys.Where(id => !inDatabase.Contains(id)).ToList();
            if (stale.Count + gone.Count > Math.Max(1_000, inDatabase.Count / 2))
            {
                reason = $"{stale.Count + gone.Count:N0} of its {positions.Count:N0} rows differ from the database's {inDatabase.Count:N0}";
                return false;
            }

            foreach (var id in gone)
            {
                Remove(id);
            }

            var scratch = new float[Dimension];
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "select images.version, vec_images.embedding from images join vec_images on vec_images.image_id = images.id where images.id = $id";
                var parameter = command.Parameters.Add("$id", SqliteType.Integer);
                var vector = new float[Dimension];
                foreach (var id in stale)
                {
                    parameter.Value = id;
                    using var reader = command.ExecuteReader();
                    if (reader.Read())
                    {
                        ReadStored(reader, 1, Metric, vector);
                        Upsert(id, reader.GetInt64(0), EncodeRow(vector, scratch));
                    }
                }
            }

            transaction.Commit();
            Version = version;
            dataVersion = seen;
            Changed = stale.Count + gone.Count > 0;
            reason = Changed ? $"{stale.Count:N0} rows re-read and {gone.Count:N0} dropped to match the database" : "up to date";
            return true;
        }
    }

    /// <summary>A vector's code, residual and k-means cell (−1 for an untrained index), made outside the write lock.</summary>
    private EncodedRow EncodeRow(float[] vector, float[] scratch)
    {
        var code = new sbyte[Dimension];
        var residual = Encode(Quantizer, vector, code, scratch);
        var cell = Centres is null ? -1 : KMeans.Nearest(vector, Centres, centreNorms!, Dimension);
        return new EncodedRow(code, residual, cell);
    }

    /// <summary>Adds or overwrites a row (under the write lock, or before the index is shared).</summary>
    private void Upsert(long id, long version, EncodedRow row)
    {
        var (code, residual, trainedCell) = row;
        if (positions.TryGetValue(id, out var at))
        {
            if (Centres is null || at.Cell == trainedCell)
            {
                cells[at.Cell].Set(at.Slot, version, residual);
                code.CopyTo(cells[at.Cell].Code(at.Slot));
                return;
            }

            // A changed vector whose nearest centre is another one moves to that cell.
            Remove(id);
        }

        var cellIndex = trainedCell;
        if (Centres is null)
        {
            if (cells.Count == 0 || cells[^1].Count >= ChunkRows)
            {
                cells.Add(new PostingList(Dimension));
            }

            cellIndex = cells.Count - 1;
        }

        var cell = cells[cellIndex];
        var slot = cell.Add(id, version, residual);
        code.CopyTo(cell.Code(slot));
        positions[id] = (cellIndex, slot);
    }

    private void Remove(long id)
    {
        if (!positions.Remove(id, out var at))
        {
            return;
        }

        if (cells[at.Cell].RemoveAt(at.Slot) is { } moved)
        {
            positions[moved] = at;
        }
    }

    private long ReadDataVersion()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "pragma data_version";
        return (long)command.ExecuteScalar()!;
    }

    private static (long Version, string CollectionId) ReadCollectionState(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "select (select cast(value as integer) from meta where key = 'version'), (select value from meta where key = 'collection_id')";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.IsDBNull(1) ? string.Empty : reader.GetString(1));
    }

    private static List<long> ReadIds(SqliteConnection connection, SqliteTransaction transaction, string sql, long version)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$version", version);
        using var reader = command.ExecuteReader();
        var ids = new List<long>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>Rows as (id, vector), the vector unit length in a cosine collection. The array is reused: copy it to keep it.</summary>
    private static IEnumerable<(long Id, float[] Vector)> ReadVectors(SqliteConnection connection, SqliteTransaction transaction, string metric, int dimension, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var vector = new float[dimension];
        while (reader.Read())
        {
            ReadStored(reader, 1, metric, vector);
            yield return (reader.GetInt64(0), vector);
        }
    }

    /// <summary>The rows written after collection version <paramref name="version"/>, with their vectors and facets.</summary>
    private IEnumerable<(long Id, long Version, float[] Vector, RowFacets Facets)> ReadVersionedVectors(SqliteTransaction transaction, long version)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            select images.id, images.version, vec_images.embedding, images.source, images.added_ms, images.width, images.height
            from images join vec_images on vec_images.image_id = images.id where images.version > $version
            """;
        command.Parameters.AddWithValue("$version", version);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var vector = new float[Dimension];
            ReadStored(reader, 2, Metric, vector);
            yield return (reader.GetInt64(0), reader.GetInt64(1), vector, new RowFacets(reader.GetString(3), reader.GetInt64(4), reader.GetInt32(5), reader.GetInt32(6)));
        }
    }

    /// <summary>Every image row's id and version (to <paramref name="visit"/>) and facets (into <paramref name="into"/>).</summary>
    private static void ReadRows(SqliteConnection connection, SqliteTransaction transaction, Action<long, long> visit, ImageFacets into)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "select id, version, source, added_ms, width, height from images";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            visit(id, reader.GetInt64(1));
            into.Set(id, reader.GetString(2), reader.GetInt64(3), reader.GetInt32(4), reader.GetInt32(5));
        }
    }

    /// <summary>A stored vector as the index encodes it: the column's floats, scaled to unit length in a cosine collection.</summary>
    private static void ReadStored(SqliteDataReader reader, int ordinal, string metric, float[] destination)
    {
        MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(ordinal)).CopyTo(destination);
        if (metric == CollectionInfo.Cosine)
        {
            VectorDistance.Normalize(destination);
        }
    }

    private readonly record struct Candidate(long Id, float Lower, float Approximate);

    private readonly record struct Segment(PostingList Cell, int Start, int End);

    private readonly record struct EncodedRow(sbyte[] Code, float Residual, int Cell);

    private readonly record struct RowFacets(string Source, long AddedMs, int Width, int Height);
}
