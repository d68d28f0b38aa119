namespace ImageFinder.Api.Search;

/// <summary>The <c>k</c> and <c>maxDistance</c> of a nearest-neighbour request, as sent; checked by <see cref="ValidateKnnParameters"/>.</summary>
public interface IKnnParameters
{
    /// <summary>How many results (1..MaxK); null: DefaultK.</summary>
    int? K { get; }

    /// <summary>Drop results farther than this (0 or more); null: keep all.</summary>
    float? MaxDistance { get; }
}
