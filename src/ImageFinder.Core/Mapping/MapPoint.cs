namespace ImageFinder.Mapping;

/// <summary>One stored image on the map. <see cref="Z"/> is 0 on a 2D map.</summary>
public readonly record struct MapPoint(long Id, string Source, float X, float Y, float Z);
