using System.ComponentModel.DataAnnotations;

namespace ImageFinder.Configuration;

/// <summary>The <c>ImageFinder:Garnet</c> section: which cluster, which collection on it, and how it is spread.</summary>
public sealed class GarnetOptions
{
    /// <summary>Comma-separated <c>host:port</c> of any of the cluster's nodes (the client finds the others).</summary>
    public string? Endpoints { get; set; }

    /// <summary>Key prefix: one collection per prefix, so several collections can share a cluster.</summary>
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$", ErrorMessage = "ImageFinder:Garnet:Prefix must be 1 to 64 letters, digits, '_', '.' or '-'.")]
    public string Prefix { get; set; } = "imagefinder";

    /// <summary>
    /// Vector-set keys of a new collection, spread over the cluster's hash slots with hash tags (a collection keeps the
    /// number it was created with). More keys than primaries keeps the nodes evenly loaded.
    /// </summary>
    [Range(1, 1024, ErrorMessage = "ImageFinder:Garnet:Shards must be from 1 to 1024.")]
    public int Shards { get; set; } = 16;

    /// <summary>DiskANN's search breadth per shard (VSIM's EF): higher is slower and nearer to exact.</summary>
    [Range(1, 100_000, ErrorMessage = "ImageFinder:Garnet:SearchEf must be from 1 to 100000.")]
    public int SearchEf { get; set; } = 200;

    /// <summary>DiskANN's graph degree of a new collection (VADD's M).</summary>
    [Range(4, 4096, ErrorMessage = "ImageFinder:Garnet:GraphDegree must be from 4 to 4096.")]
    public int GraphDegree { get; set; } = 16;

    /// <summary>How long one command may take before the store counts as unavailable (milliseconds).</summary>
    [Range(100, 600_000, ErrorMessage = "ImageFinder:Garnet:TimeoutMs must be from 100 to 600000.")]
    public int TimeoutMs { get; set; } = 5_000;

    /// <summary>Attempts of a command that failed because a node did not answer, before the store counts as unavailable.</summary>
    [Range(1, 20, ErrorMessage = "ImageFinder:Garnet:Attempts must be from 1 to 20.")]
    public int Attempts { get; set; } = 3;

    /// <summary>What is wrong with these settings, one message per setting, each naming it (empty when they are usable).</summary>
    public IReadOnlyList<string> Failures()
    {
        var failures = new List<string>();
        if (ParseEndpoints(Endpoints).Error is { } endpoints)
        {
            failures.Add(endpoints);
        }

        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        failures.AddRange(results.Select(result => result.ErrorMessage ?? "ImageFinder:Garnet is invalid."));
        return failures;
    }

    /// <summary>
    /// Acknowledge a write only once every connected replica of every primary has it (Garnet has no WAIT command, so
    /// the store compares replication offsets). Off: a write is acknowledged once its primary has it, and a primary
    /// that dies before replicating can take it along. Primaries without a replica are not waited for.
    /// </summary>
    public bool WaitForReplicas { get; set; }

    /// <summary>With <see cref="WaitForReplicas"/>, how long a write waits for the replicas before it is refused as not durable (milliseconds).</summary>
    [Range(10, 600_000, ErrorMessage = "ImageFinder:Garnet:ReplicaTimeoutMs must be from 10 to 600000.")]
    public int ReplicaTimeoutMs { get; set; } = 5_000;

    /// <summary>The endpoints as a list, or the reason they are not usable (names the setting).</summary>
    public static (IReadOnlyList<string> Endpoints, string? Error) ParseEndpoints(string? endpoints)
    {
        var list = (endpoints ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0)
        {
            return ([], "ImageFinder:Garnet:Endpoints must list at least one host:port when ImageFinder:Store is garnet.");
        }

        foreach (var endpoint in list)
        {
            var colon = endpoint.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                return ([], $"ImageFinder:Garnet:Endpoints: '{endpoint}' is not host:port.");
            }
        }

        return (list, null);
    }
}
