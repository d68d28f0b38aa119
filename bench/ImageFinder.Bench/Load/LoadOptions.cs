using System.Globalization;

namespace ImageFinder.Bench.Load;

/// <summary>The command line of the <c>load</c> mode.</summary>
internal sealed record LoadOptions(
    int Seconds,
    int WarmupSeconds,
    int Clients,
    int Images,
    int BusySeconds,
    int BusyQueueCapacity,
    int BusyClients,
    IReadOnlyList<string> Arguments,
    bool Help)
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/ImageFinder.Bench -- load [options]

        Starts the real API (its own build, Kestrel on 127.0.0.1) with the tiny test model on a generated
        collection, drives POST /search with concurrent clients, and writes bench/LOAD.md.

          --seconds <s>        measured run (default 60)
          --warmup <s>         untimed run before it (default 10); RSS is read at its end
          --clients <n>        concurrent clients, each sending its next request when the last is answered (default 16)
          --images <n>         images in the collection (default 500)
          --busy-seconds <s>   back-pressure run, 0 to skip (default 15)
          --busy-queue <n>     ImageFinder:InferenceQueueCapacity in the back-pressure run (default 2)
          --busy-clients <n>   clients in the back-pressure run (default 64)
          -h, --help           this text
        """;

    /// <exception cref="ArgumentException">An unknown option or a bad value; the message says which.</exception>
    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions(60, 10, 16, 500, 15, 2, 64, args, Help: false);
        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--seconds" => options with { Seconds = Positive(args, ref i) },
                "--warmup" => options with { WarmupSeconds = Positive(args, ref i) },
                "--clients" => options with { Clients = Positive(args, ref i) },
                "--images" => options with { Images = Positive(args, ref i) },
                "--busy-seconds" => options with { BusySeconds = NonNegative(args, ref i) },
                "--busy-queue" => options with { BusyQueueCapacity = Positive(args, ref i) },
                "--busy-clients" => options with { BusyClients = Positive(args, ref i) },
                "-h" or "--help" => options with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }

        return options;
    }

    private static int Positive(string[] args, ref int i)
    {
        var value = NonNegative(args, ref i);
        return value > 0 ? value : throw new ArgumentException($"{args[i - 1]}: '{args[i]}' must be at least 1.");
    }

    private static int NonNegative(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new ArgumentException($"{args[i]} needs a value.");
        }

        i++;
        return int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{args[i - 1]}: '{args[i]}' is not a whole number.");
    }
}
