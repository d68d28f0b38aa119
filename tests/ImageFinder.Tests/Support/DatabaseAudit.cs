using System.Runtime.InteropServices;
using ImageFinder.Native;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Tests.Support;

/// <summary>
/// What a database file holds, read straight from SQLite (with sqlite-vec loaded), independent of
/// <c>VectorStore</c>: the integrity check, every image row with its vector, and vectors without a row.
/// </summary>
public sealed record DatabaseAudit(string IntegrityCheck, IReadOnlyList<AuditedImage> Images, IReadOnlyList<long> OrphanVectorIds, int VectorRows)
{
    public static DatabaseAudit Read(string path)
    {
        SQLitePCL.Batteries_V2.Init();
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        connection.EnableExtensions(true);
        connection.LoadExtension(NativeLibraries.SqliteVecPath);

        var integrity = string.Join("; ", Column(connection, "pragma integrity_check", r => r.GetString(0)));
        var vectors = new Dictionary<long, float[]>();
        var vectorRows = 0;
        foreach (var (id, blob) in Column(connection, "select image_id, embedding from vec_images", r => (r.GetInt64(0), (byte[])r.GetValue(1))))
        {
            vectorRows++;
            vectors[id] = MemoryMarshal.Cast<byte, float>(blob).ToArray();
        }

        var images = Column(
            connection,
            "select id, source, sha256, version from images order by id",
            r => new AuditedImage(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), null));
        var withVectors = images.Select(image => image with { Vector = vectors.GetValueOrDefault(image.Id) }).ToList();
        var orphans = vectors.Keys.Except(images.Select(image => image.Id)).Order().ToList();
        return new DatabaseAudit(integrity, withVectors, orphans, vectorRows);
    }

    /// <summary>Fails unless the file is intact and rows and vectors pair up one to one, with no source twice.</summary>
    public void AssertConsistent()
    {
        Assert.Equal("ok", IntegrityCheck);
        Assert.Empty(OrphanVectorIds);
        Assert.All(Images, image => Assert.True(image.Vector is not null, $"image {image.Id} ({image.Source}) has no vector"));
        Assert.Equal(Images.Count, VectorRows);
        Assert.Equal(Images.Count, Images.Select(image => image.Source).Distinct(StringComparer.Ordinal).Count());
    }

    private static List<T> Column<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> read)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<T>();
        while (reader.Read())
        {
            values.Add(read(reader));
        }

        return values;
    }
}
