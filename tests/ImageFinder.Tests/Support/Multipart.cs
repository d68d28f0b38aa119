using System.Net.Http.Headers;

namespace ImageFinder.Tests.Support;

public static class Multipart
{
    /// <summary>A multipart/form-data body with the image in <paramref name="partName"/> and optional extra fields.</summary>
    public static MultipartFormDataContent Image(byte[] bytes, string fileName = "query.png", string partName = "file", params (string Name, string Value)[] fields)
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(file, partName, fileName);
        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }

        return content;
    }
}
