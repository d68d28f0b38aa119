using System.Diagnostics;
using ImageFinder.Imaging;

namespace ImageFinder.Tests.Support;

/// <summary>
/// torchvision's own <c>Resize(shorter, interpolation) + CenterCrop(crop)</c> on a PIL image, run by Debian's
/// python3-torchvision and python3-pil (test.sh installs them): the reference our resampler must agree with.
/// </summary>
public static class PilReference
{
    private const string Script = """
        import sys
        from PIL import Image
        import torchvision.transforms as T
        width, height, shorter, crop, mode, source, target = sys.argv[1:8]
        image = Image.frombytes("RGB", (int(width), int(height)), open(source, "rb").read())
        interpolation = {"bilinear": T.InterpolationMode.BILINEAR, "bicubic": T.InterpolationMode.BICUBIC}[mode]
        out = T.CenterCrop(int(crop))(T.Resize(int(shorter), interpolation=interpolation)(image))
        assert out.size == (int(crop), int(crop)), out.size
        open(target, "wb").write(out.tobytes())
        """;

    /// <summary>The <paramref name="crop"/>² RGB bytes torchvision gives for <paramref name="pixels"/>.</summary>
    public static byte[] ResizeCrop(byte[] pixels, int width, int height, int shorter, int crop, ResizeFilter filter)
    {
        using var folder = new TempFolder();
        var source = Path.Combine(folder.Path, "in.rgb");
        var target = Path.Combine(folder.Path, "out.rgb");
        File.WriteAllBytes(source, pixels);
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", Script, $"{width}", $"{height}", $"{shorter}", $"{crop}", filter.ToString().ToLowerInvariant(), source, target })
        {
            start.ArgumentList.Add(argument);
        }

        using var python = Process.Start(start)!;
        var error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, "torchvision reference failed (test.sh installs python3-torchvision): " + error);
        return File.ReadAllBytes(target);
    }
}
