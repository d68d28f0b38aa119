using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ImageFinder.Storage.Garnet;

/// <summary>
/// What a filtered search (<see cref="ImageFilter"/>) reads besides the rows: per shard, a set of ids for every label
/// and sorted sets of the ids by added time, width and height (<see cref="GarnetKeys.Label"/> and its neighbours), plus
/// every vector-set element's attributes (<c>{"l":…,"a":…,"w":…,"h":…}</c>) for VSIM's <c>FILTER</c>. They live in the
/// image's shard slot and change in the row's own MULTI/EXEC, so they follow every write and delete.
/// </summary>
/// <remarks>
/// The label is in the attributes as a 48-bit hash (<see cref="LabelCode"/>), never as text: a FILTER expression is
/// then only numbers, with nothing in a folder name (quotes, backslashes, <c>"]</c>) to escape. Two labels with one
/// hash would only let VSIM offer an extra candidate, which the row check drops. The index may hold more than the
/// rows (an entry a crash or a concurrent delete left), never less: counts from it are upper bounds, and every image a
/// filtered search answers with is checked against its row.
/// Collections written before the index existed get it once, when a store opens them (<see cref="BackfillAsync"/>);
/// the meta hash's <c>filter_index</c> field records that. Every process writing a collection must run a version that
/// keeps the index.
/// </remarks>
internal sealed class GarnetFilterIndex(IDatabase database, GarnetKeys keys)
{
    /// <summary>The meta field that says the collection's filter index is whole, and its value.</summary>
    public const string MetaField = "filter_index";

    public const string MetaVersion = "1";

    /// <summary>A vector-set element's attributes: numbers only (the label as its <see cref="LabelCode"/>; no "l" when the image has no label).</summary>
    public static string Attributes(string source, long addedMs, int width, int height)
    {
        var label = ImageLabel.Of(source);
        var text = new StringBuilder("{");
        if (label is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"\"l\":{LabelCode(label)},");
        }

        text.Append(CultureInfo.InvariantCulture, $"\"a\":{addedMs},\"w\":{width},\"h\":{height}}}");
        return text.ToString();
    }

    /// <summary>A label's number in the attributes: 48 bits of its UTF-8 XXH3, exact as the double a FILTER compares.</summary>
    public static long LabelCode(string label) => (long)(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(label)) >> 16);

    /// <summary>The FILTER expression of a non-empty <paramref name="filter"/>, over <see cref="Attributes"/>.</summary>
    public static string Expression(ImageFilter filter)
    {
        var parts = new List<string>();
        if (filter.Labels.Count > 0)
        {
            var codes = filter.Labels.Select(LabelCode).Distinct().Select(code => code.ToString(CultureInfo.InvariantCulture)).ToList();
            parts.Add(codes.Count == 1 ? $".l == {codes[0]}" : $"(.l in [{string.Join(", ", codes)}])");
        }

        if (filter.AddedAfter is not null)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $".a >= {filter.AddedAfterMs}"));
        }

        if (filter.AddedBefore is not null)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $".a < {filter.AddedBeforeMs}"));
        }

        if (filter.MinWidth is { } width)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $".w >= {width}"));
        }

        if (filter.MinHeight is { } height)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $".h >= {height}"));
        }

        return string.Join(" && ", parts);
    }

    /// <summary>
    /// Queues an image's index entries on its row's transaction. The added time is only ever set where it is absent,
    /// as the row's is (HSETNX), so two writers of one new image leave the row's value in both.
    /// </summary>
    public void QueueWrite(ITransaction transaction, long id, string source, long addedMs, int width, int height)
    {
        var shard = keys.ShardOf(id);
        if (ImageLabel.Of(source) is { } label)
        {
            _ = transaction.SetAddAsync(keys.Label(shard, label), id);
        }

        _ = transaction.SortedSetAddAsync(keys.Added(shard), id, addedMs, SortedSetWhen.NotExists);
        _ = transaction.SortedSetAddAsync(keys.Width(shard), id, width);
        _ = transaction.SortedSetAddAsync(keys.Height(shard), id, height);
    }

    /// <summary>Queues the removal of an image's index entries on its delete transaction.</summary>
    public void QueueRemove(ITransaction transaction, long id, string source)
    {
        var shard = keys.ShardOf(id);
        if (ImageLabel.Of(source) is { } label)
        {
            _ = transaction.SetRemoveAsync(keys.Label(shard, label), id);
        }

        _ = transaction.SortedSetRemoveAsync(keys.Added(shard), id);
        _ = transaction.SortedSetRemoveAsync(keys.Width(shard), id);
        _ = transaction.SortedSetRemoveAsync(keys.Height(shard), id);
    }

    /// <summary>
    /// Builds the index of every image already stored (a collection from before the index), then records it in the
    /// meta hash. Idempotent, and safe beside writers: an image's entries are written only while its row is the one
    /// read (its version field unchanged), else it is read again.
    /// </summary>
    public async Task BackfillAsync(string prefix, ILogger logger, CancellationToken cancellationToken)
    {
        var images = 0;
        for (var shard = 0; shard < keys.Shards; shard++)
        {
            var ids = await database.SortedSetRangeByRankAsync(keys.Ids(shard)).ConfigureAwait(false);
            foreach (var page in ids.Chunk(256))
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.WhenAll(page.Select(id => BackfillImageAsync((long)id))).ConfigureAwait(false);
            }

            images += ids.Length;
        }

        await database.HashSetAsync(keys.Meta, MetaField, MetaVersion).ConfigureAwait(false);
        logger.LogInformation("Built the filter index of the garnet collection '{Prefix}' ({Images} images)", prefix, images);
    }

    private async Task BackfillImageAsync(long id)
    {
        var image = keys.Image(id);
        while (true)
        {
            var row = await database.HashGetAsync(image, ["source", "added", "width", "height", "version"]).ConfigureAwait(false);
            if (row[0].IsNull || row[1].IsNull)
            {
                return;
            }

            var (source, added, width, height) = ((string)row[0]!, (long)row[1], (int)row[2], (int)row[3]);
            await database.ExecuteAsync("VSETATTR", keys.VectorsOf(id), GarnetKeys.Element(id), Attributes(source, added, width, height)).ConfigureAwait(false);
            var transaction = database.CreateTransaction();
            transaction.AddCondition(row[4].IsNull ? Condition.HashNotExists(image, "version") : Condition.HashEqual(image, "version", row[4]));
            QueueWrite(transaction, id, source, added, width, height);
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                return;
            }
        }
    }
}
