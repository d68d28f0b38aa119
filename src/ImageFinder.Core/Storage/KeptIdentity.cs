namespace ImageFinder.Storage;

/// <summary>The id and added time an image keeps when it is copied into another collection, so clients' ids stay valid.</summary>
public sealed record KeptIdentity(long Id, DateTimeOffset Added);
