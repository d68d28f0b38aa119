namespace ImageFinder.Tests.Support;

/// <summary>What a service must do with one <see cref="HostileCase"/>.</summary>
public enum HostileOutcome
{
    /// <summary>Refused: a 4xx ProblemDetails from the API, a <c>failed:</c> line from the ingest job.</summary>
    Rejected,

    /// <summary>A valid (if unusual) image: searched or ingested like any other.</summary>
    Accepted,

    /// <summary>Either of the two (a mutated file may still be a decodable image), but never a 5xx or a crash.</summary>
    Either,
}
