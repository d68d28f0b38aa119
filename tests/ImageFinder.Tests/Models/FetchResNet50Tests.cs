using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageFinder.Inference;
using ImageFinder.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ImageFinder.Tests.Models;

/// <summary>
/// models/fetch_resnet50.py as a child process (/usr/bin/python3 with Debian's python3-onnx) against a real
/// HTTP server on loopback. The served file is a small real ONNX classifier (image → Conv → GlobalAveragePool
/// → Flatten → Gemm), so the script's real conversion to a feature extractor runs.
/// </summary>
public sealed class FetchResNet50Tests : IClassFixture<FetchResNet50Tests.Classifier>, IAsyncLifetime, IDisposable
{
    private const string HuggingFaceUrl =
        "https://huggingface.co/onnxmodelzoo/legacy_models/resolve/main/validated/vision/classification/resnet/model/resnet50-v1-7.onnx";

    private const string PinnedSha256 = "af16a04a6ec48ac494065d4439fe9dea590d337b9ca6dc328160ccf04a217b9c";

    private const long PinnedSize = 102_583_340;

    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(2);

    private readonly Classifier classifier;
    private readonly TempFolder temp = new();
    private WebApplication server = null!;
    private string baseUrl = string.Empty;

    public FetchResNet50Tests(Classifier classifier)
    {
        this.classifier = classifier;
        Directory.CreateDirectory(OutDir);
    }

    /// <summary>Where the script writes resnet50.onnx and resnet50.json (and its temporary download).</summary>
    private string OutDir => temp.Combine("out");

    private string OutModel => Path.Combine(OutDir, "resnet50.onnx");

    private string OutCard => Path.Combine(OutDir, "resnet50.json");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        server = builder.Build();
        var bytes = classifier.Bytes;
        var wrong = bytes.ToArray();
        wrong[^1] ^= 0xFF; // same size, different SHA-256

        server.MapGet("/missing", () => Results.NotFound());
        server.MapGet("/broken", () => Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        server.MapGet("/redirect", () => Results.Redirect("/files/model.onnx"));
        server.MapGet("/files/model.onnx", (HttpContext c) => Send(c, bytes));
        server.MapGet("/wrong", (HttpContext c) => Send(c, wrong));
        server.MapGet("/half", async (HttpContext c) =>
        {
            // Announces the whole file, sends half of it, then drops the connection.
            c.Response.ContentType = "application/octet-stream";
            c.Response.ContentLength = bytes.Length;
            await c.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await c.Response.Body.FlushAsync();
            c.Abort();
        });
        await server.StartAsync();
        baseUrl = server.Urls.First().TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        await server.StopAsync();
        await server.DisposeAsync();
    }

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_404_moves_on_to_the_next_source_whose_redirect_is_followed_and_the_converted_model_loads()
    {
        var (exitCode, output, error) = await FetchAsync(Url("/missing"), Url("/redirect"));

        Assert.True(exitCode == 0, $"exit {exitCode}{Environment.NewLine}{output}{error}");
        Assert.Contains("HTTP 404", error);
        Assert.Equal(["resnet50.json", "resnet50.onnx"], FilesIn(OutDir));

        using var card = JsonDocument.Parse(await File.ReadAllTextAsync(OutCard));
        var root = card.RootElement;
        Assert.Equal("resnet50-v1-7 (ONNX Model Zoo, ImageNet)", root.GetProperty("name").GetString());
        Assert.Equal("data", root.GetProperty("input").GetString());
        Assert.Equal("features", root.GetProperty("output").GetString());
        Assert.Equal(Classifier.Channels, root.GetProperty("dimension").GetInt32());
        Assert.Equal(256, root.GetProperty("resizeShorterSide").GetInt32());
        Assert.Equal(224, root.GetProperty("cropSize").GetInt32());
        Assert.Equal("bilinear", root.GetProperty("interpolation").GetString());
        var provenance = root.GetProperty("provenance");
        Assert.Equal(Url("/redirect"), provenance.GetProperty("source").GetString());
        Assert.Equal(classifier.Sha256, provenance.GetProperty("sha256").GetString());
        Assert.Equal("resnet50-v1-7.onnx", provenance.GetProperty("file").GetString());
        Assert.Equal("Apache-2.0", provenance.GetProperty("license").GetString());

        // The result is a feature extractor that ImageFinder's own runtime loads and runs: [1,3,224,224] → [1,C].
        using var session = OnnxSession.Load(OutModel, 1);
        var bound = ModelCard.Load(OutModel, session);
        Assert.Equal(Classifier.Channels, bound.Dimension);
        Assert.Equal("features", Assert.Single(session.Outputs).Key);
        var features = session.Run("data", new float[3 * 224 * 224], [1, 3, 224, 224], "features", out var shape);
        Assert.Equal([1L, Classifier.Channels], shape);
        Assert.Equal(Classifier.Channels, features.Length);
    }

    [Fact]
    public async Task A_file_with_the_wrong_hash_is_refused_and_nothing_is_written()
    {
        var (exitCode, output, error) = await FetchAsync(Url("/broken"), Url("/wrong"));

        Assert.True(exitCode == 2, $"exit {exitCode}{Environment.NewLine}{output}{error}");
        Assert.Contains("SHA-256 mismatch", error);
        Assert.Contains(classifier.Sha256, error);
        Assert.Contains(Url("/broken") + ": HTTP 503", error);
        Assert.Contains(Url("/wrong") + ": SHA-256 mismatch", error);
        Assert.Contains("--from FILE", error);
        Assert.Contains("export_torchvision.py --arch resnet50", error);
        Assert.Empty(FilesIn(OutDir));
    }

    [Fact]
    public async Task A_connection_dropped_mid_body_leaves_no_file_and_no_temporary_file()
    {
        var (exitCode, output, error) = await FetchAsync(Url("/half"));

        Assert.True(exitCode == 2, $"exit {exitCode}{Environment.NewLine}{output}{error}");
        Assert.Contains(Url("/half") + ":", error);
        Assert.Empty(FilesIn(OutDir));
    }

    [Fact]
    public async Task After_a_connection_dropped_mid_body_the_next_source_is_used_and_a_killed_runs_temporary_file_is_removed()
    {
        // What a SIGKILL'ed earlier run leaves behind (the only case the script's own cleanup cannot cover).
        await File.WriteAllTextAsync(Path.Combine(OutDir, ".resnet50-v1-7.killed.download"), "partial");

        var (exitCode, output, error) = await FetchAsync(Url("/half"), Url("/files/model.onnx"));

        Assert.True(exitCode == 0, $"exit {exitCode}{Environment.NewLine}{output}{error}");
        Assert.Equal(["resnet50.json", "resnet50.onnx"], FilesIn(OutDir));
        using var card = JsonDocument.Parse(await File.ReadAllTextAsync(OutCard));
        Assert.Equal(Url("/files/model.onnx"), card.RootElement.GetProperty("provenance").GetProperty("source").GetString());
    }

    [Fact]
    public async Task A_body_that_ends_early_on_a_clean_close_is_not_used_and_the_next_source_is()
    {
        // A raw server that announces the whole file, sends half and closes the connection normally (FIN, no
        // reset): the client sees a plain end of stream, so only the script's own byte count can tell.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var shortUrl = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/short";
        var serving = ServeHalfOnceAsync(listener, classifier.Bytes);

        var (exitCode, output, error) = await FetchAsync(shortUrl, Url("/files/model.onnx"));
        await serving;

        Assert.True(exitCode == 0, $"exit {exitCode}{Environment.NewLine}{output}{error}");
        Assert.Contains($"failed: the download stopped after {classifier.Bytes.Length / 2} of {classifier.Bytes.Length} bytes", error);
        Assert.Equal(["resnet50.json", "resnet50.onnx"], FilesIn(OutDir));
        using var card = JsonDocument.Parse(await File.ReadAllTextAsync(OutCard));
        Assert.Equal(Url("/files/model.onnx"), card.RootElement.GetProperty("provenance").GetProperty("source").GetString());
    }

    [Fact]
    public async Task From_file_is_hash_checked_a_wrong_file_is_refused_and_the_right_one_is_converted()
    {
        var wrong = temp.Combine("wrong.onnx");
        var bytes = classifier.Bytes.ToArray();
        bytes[0] ^= 0xFF;
        await File.WriteAllBytesAsync(wrong, bytes);

        var refused = await RunScriptAsync("--from", wrong, "--sha256", classifier.Sha256, "--size", classifier.Bytes.Length.ToString(), "--out-dir", OutDir);

        Assert.True(refused.ExitCode == 2, $"exit {refused.ExitCode}{Environment.NewLine}{refused.Output}{refused.Error}");
        Assert.Contains("SHA-256 mismatch", refused.Error);
        Assert.Empty(FilesIn(OutDir));

        var accepted = await RunScriptAsync("--from", classifier.Path, "--sha256", classifier.Sha256, "--size", classifier.Bytes.Length.ToString(), "--out-dir", OutDir);

        Assert.True(accepted.ExitCode == 0, $"exit {accepted.ExitCode}{Environment.NewLine}{accepted.Output}{accepted.Error}");
        Assert.Equal(["resnet50.json", "resnet50.onnx"], FilesIn(OutDir));
        using var card = JsonDocument.Parse(await File.ReadAllTextAsync(OutCard));
        Assert.Equal(new Uri(classifier.Path).AbsoluteUri, card.RootElement.GetProperty("provenance").GetProperty("source").GetString());
        Assert.Equal(Classifier.Channels, card.RootElement.GetProperty("dimension").GetInt32());
    }

    [Fact]
    public async Task The_pinned_defaults_are_the_hugging_face_copy_of_the_zoo_file_with_its_hash_and_size()
    {
        const string Code = """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            import fetch_resnet50 as f
            print(json.dumps({"sources": f.SOURCES, "sha256": f.EXPECTED_SHA256, "size": f.EXPECTED_SIZE}))
            """;

        var (exitCode, output, error) = await RunPythonAsync("-c", Code, Path.Combine(RepoRoot, "models"));

        Assert.True(exitCode == 0, $"exit {exitCode}{Environment.NewLine}{output}{error}");
        using var pinned = JsonDocument.Parse(output);
        var sources = pinned.RootElement.GetProperty("sources").EnumerateArray().Select(s => s.GetString()!).ToList();
        Assert.Equal(HuggingFaceUrl, sources[0]);
        Assert.Equal("https://huggingface.co/onnxmodelzoo/resnet50-v1-7/resolve/main/resnet50-v1-7.onnx", sources[1]);
        Assert.Equal(PinnedSha256, pinned.RootElement.GetProperty("sha256").GetString());
        Assert.Equal(PinnedSize, pinned.RootElement.GetProperty("size").GetInt64());

        // The dead GitHub LFS URLs may stay, but only after the live sources.
        Assert.All(sources.Skip(2), s => Assert.Contains("github", s, StringComparison.Ordinal));
    }

    private string Url(string path) => baseUrl + path;

    private Task<(int ExitCode, string Output, string Error)> FetchAsync(params string[] urls)
    {
        var args = new List<string>();
        foreach (var url in urls)
        {
            args.Add("--url");
            args.Add(url);
        }

        args.AddRange(["--sha256", classifier.Sha256, "--size", classifier.Bytes.Length.ToString(), "--out-dir", OutDir]);
        return RunScriptAsync([.. args]);
    }

    private static Task<(int ExitCode, string Output, string Error)> RunScriptAsync(params string[] args) =>
        RunPythonAsync([Path.Combine(RepoRoot, "models", "fetch_resnet50.py"), .. args]);

    /// <summary>Every file in <paramref name="folder"/>, hidden ones (the script's temporary files) included, sorted.</summary>
    private static List<string> FilesIn(string folder) =>
        [.. Directory.EnumerateFileSystemEntries(folder).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    private static async Task ServeHalfOnceAsync(TcpListener listener, byte[] bytes)
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var request = new List<byte>();
        var buffer = new byte[1024];
        while (!request.AsEnumerable().Reverse().Take(4).SequenceEqual("\n\r\n\r"u8.ToArray()))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return;
            }

            request.AddRange(buffer.AsSpan(0, read));
        }

        var head = $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
        await stream.FlushAsync();
        client.Client.Shutdown(SocketShutdown.Send);

        // Wait for the client to close its side, so the close is a clean FIN exchange rather than a reset.
        while (await stream.ReadAsync(buffer) > 0)
        {
        }
    }

    private static Task Send(HttpContext context, byte[] bytes)
    {
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes).AsTask();
    }

    private static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ImageFinder.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"ImageFinder.sln was not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>Runs /usr/bin/python3 to its exit; the timeout only guards against a hang (it is not asserted on).</summary>
    private static async Task<(int ExitCode, string Output, string Error)> RunPythonAsync(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("/usr/bin/python3 did not start.");
        using var cancel = new CancellationTokenSource(ScriptTimeout);
        var output = process.StandardOutput.ReadToEndAsync(cancel.Token);
        var error = process.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return (process.ExitCode, await output, await error);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"python3 {string.Join(' ', args)} did not finish within {ScriptTimeout.TotalSeconds:F0} s.");
        }
    }

    /// <summary>
    /// A small real ONNX image classifier in the zoo's style (opset 7, IR 3, weights also listed as graph inputs):
    /// data [N,3,224,224] → Conv(3→8) → Relu → GlobalAveragePool → Flatten → Gemm(8→10) → logits [N,10].
    /// Generated once per test class with python3-onnx; the tests compute its size and SHA-256.
    /// </summary>
    public sealed class Classifier : IAsyncLifetime, IDisposable
    {
        public const int Channels = 8;

        private const string Generator = """
            import sys
            import numpy as np
            import onnx
            from onnx import TensorProto, helper, numpy_helper

            rng = np.random.RandomState(7)
            weights = [
                numpy_helper.from_array((rng.randn(8, 3, 3, 3) * 0.1).astype(np.float32), "conv_w"),
                numpy_helper.from_array(np.zeros(8, np.float32), "conv_b"),
                numpy_helper.from_array((rng.randn(10, 8) * 0.1).astype(np.float32), "fc_w"),
                numpy_helper.from_array(np.zeros(10, np.float32), "fc_b"),
            ]
            nodes = [
                helper.make_node("Conv", ["data", "conv_w", "conv_b"], ["conv"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
                helper.make_node("Relu", ["conv"], ["relu"]),
                helper.make_node("GlobalAveragePool", ["relu"], ["pool"]),
                helper.make_node("Flatten", ["pool"], ["flat"], axis=1),
                helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], transB=1),
            ]
            inputs = [helper.make_tensor_value_info("data", TensorProto.FLOAT, ["N", 3, 224, 224])]
            inputs += [helper.make_tensor_value_info(w.name, TensorProto.FLOAT, list(w.dims)) for w in weights]
            graph = helper.make_graph(nodes, "tiny_classifier", inputs,
                                      [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
                                      initializer=weights)
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 7)], producer_name="imagefinder-tests")
            model.ir_version = 3
            onnx.checker.check_model(model)
            onnx.save(model, sys.argv[1])
            """;

        private readonly TempFolder folder = new();

        public string Path => folder.Combine("classifier.onnx");

        public byte[] Bytes { get; private set; } = [];

        public string Sha256 { get; private set; } = string.Empty;

        public async Task InitializeAsync()
        {
            var (exitCode, output, error) = await RunPythonAsync("-c", Generator, Path);
            Assert.True(exitCode == 0, $"generating the test classifier failed (exit {exitCode}; is python3-onnx installed?){Environment.NewLine}{output}{error}");
            Bytes = await File.ReadAllBytesAsync(Path);
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(Bytes));
        }

        public Task DisposeAsync() => Task.CompletedTask;

        public void Dispose() => folder.Dispose();
    }
}
