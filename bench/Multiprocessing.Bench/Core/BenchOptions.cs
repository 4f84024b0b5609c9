namespace Multiprocessing.Bench.Core;

/// <summary>The command line: <c>[--quick] [--only NAME[,NAME]] [--compare-python]</c>.</summary>
internal sealed record BenchOptions(bool Quick, bool ComparePython, bool ShowHelp, IReadOnlyList<WorkloadSpec> Selected)
{
    public const string Usage =
        "usage: Multiprocessing.Bench [--quick] [--only NAME[,NAME]] [--compare-python]\n" +
        "  --quick           divide every size by 10 (minimum 1)\n" +
        "  --only LIST       comma-separated workload names or ids (w1..w12); default: all\n" +
        "  --compare-python  3 alternate rounds of .NET and CPython (python_mp_bench.py), then a table of medians";

    public Sizes Sizes => new(Quick);

    /// <exception cref="UsageException">An unknown option, a missing value or an unknown workload.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool quick = false, compare = false, help = false;
        string only = string.Empty;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--quick":
                    quick = true;
                    break;
                case "--compare-python":
                    compare = true;
                    break;
                case "-h" or "--help":
                    help = true;
                    break;
                case "--only":
                    only = i + 1 < args.Count ? args[++i] : throw new UsageException("--only needs a value (workload names or ids)");
                    break;
                default:
                    only = arg.StartsWith("--only=", StringComparison.Ordinal)
                        ? arg["--only=".Length..]
                        : throw new UsageException($"unknown argument: {arg}");
                    break;
            }
        }

        return new BenchOptions(quick, compare, help, WorkloadCatalog.Select(only));
    }
}
