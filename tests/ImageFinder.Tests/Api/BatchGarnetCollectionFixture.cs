namespace ImageFinder.Tests.Api;

/// <summary><see cref="BatchCollectionFixture"/>'s settings over the Garnet store (<see cref="GarnetCollectionFixture"/>).</summary>
public sealed class BatchGarnetCollectionFixture : GarnetCollectionFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => BatchCollectionFixture.BatchSettings;
}
