namespace ImageFinder.Bench.Knn;

/// <summary>
/// The ground truth for recall: the k nearest rows by squared L2 summed in double precision with plain
/// scalar code, independent of the methods under test.
/// </summary>
internal static class ExactNeighbours
{
    /// <returns>Image ids (row + 1), nearest first.</returns>
    public static long[] Find(float[] vectors, int dimension, float[] query, int k)
    {
        var count = vectors.Length / dimension;
        var bestDistances = new double[k];
        var bestIds = new long[k];
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            var offset = (long)i * dimension;
            var sum = 0.0;
            for (var d = 0; d < dimension; d++)
            {
                var difference = (double)vectors[offset + d] - query[d];
                sum += difference * difference;
            }

            if (kept == k && sum >= bestDistances[k - 1])
            {
                continue;
            }

            // Insertion into the sorted list of the best k.
            var position = kept < k ? kept++ : k - 1;
            while (position > 0 && bestDistances[position - 1] > sum)
            {
                bestDistances[position] = bestDistances[position - 1];
                bestIds[position] = bestIds[position - 1];
                position--;
            }

            bestDistances[position] = sum;
            bestIds[position] = i + 1;
        }

        return bestIds[..kept];
    }
}
