namespace ImageFinder.Bench.Support;

/// <summary>One search's latency seen by the client, and the server's decode, inference (queue included) and KNN time, in ms.</summary>
internal sealed record SearchTiming(double Latency, double Decode, double Inference, double Knn)
{
    /// <summary>Time the server's engine did not account for: client, loopback, Kestrel, multipart, JSON.</summary>
    public double Outside => Latency - Decode - Inference - Knn;
}
