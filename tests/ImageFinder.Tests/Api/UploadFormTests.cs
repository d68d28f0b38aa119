using ImageFinder.Api.Uploads;
using ImageFinder.Configuration;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using Microsoft.AspNetCore.Http;

namespace ImageFinder.Tests.Api;

public sealed class UploadFormTests
{
    [Fact]
    public async Task A_saturated_embedder_gets_a_503_before_a_byte_of_the_body_is_read()
    {
        var context = new DefaultHttpContext();
        var body = new UnreadableStream();
        context.Request.Body = body;
        context.Request.ContentType = "multipart/form-data; boundary=x";
        context.Request.ContentLength = 1_000_000;

        var (form, problem) = await UploadForm.ReadAsync(context.Request, new ImageFinderOptions(), new BusyEmbedder(), CancellationToken.None);

        Assert.Null(form);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, problem!.StatusCode);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
        Assert.False(body.Touched);
    }

    private sealed class BusyEmbedder : IImageEmbedder
    {
        public EmbeddingModel Model => throw new NotSupportedException();

        public ImagePreprocessor Preprocessor => throw new NotSupportedException();

        public bool IsBusy => true;

        public Task<ImageEmbedding> EmbedAsync(ReadOnlyMemory<byte> encoded, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<T> DecodeAsync<T>(Func<T> decode, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<float[]> InferAsync(float[] tensor, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    /// <summary>A request body that records whether anything tried to read it.</summary>
    private sealed class UnreadableStream : MemoryStream
    {
        public bool Touched { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Touched = true;
            return 0;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Touched = true;
            return ValueTask.FromResult(0);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Touched = true;
            return Task.FromResult(0);
        }
    }
}
