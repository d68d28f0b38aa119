using System.Net.Http.Headers;
using System.Text;

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

    /// <summary>
    /// A multipart/form-data body written byte by byte, with <paramref name="fileName"/> exactly as given in the
    /// part's Content-Disposition (HttpClient would refuse or encode control characters).
    /// </summary>
    public static ByteArrayContent RawFile(byte[] bytes, string fileName, string partName = "file")
    {
        const string boundary = "imagefinder-test-boundary-7d1f";
        using var body = new MemoryStream();
        body.Write(Encoding.UTF8.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"{partName}\"; filename=\"{fileName}\"\r\nContent-Type: application/octet-stream\r\n\r\n"));
        body.Write(bytes);
        body.Write(Encoding.UTF8.GetBytes($"\r\n--{boundary}--\r\n"));
        var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");
        return content;
    }
}
