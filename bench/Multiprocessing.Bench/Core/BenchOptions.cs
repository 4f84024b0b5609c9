namespace Multiprocessing.Bench.Core;

/// <summary>The command line: <c>[--quick] [--only NAME[,NAME]] [--compare-python] [--sweep] [--chart FILE]</c>.</summary>
/// <param name="ChartPath">The SVG to write (<c>--chart</c>), or null.</param>
/// <param name="ChartFrom">The JSON lines to draw the chart from instead of running anything (<c>--chart-from</c>), or null.</param>
internal sealed record BenchOptions(
    bool Quick, bool ComparePython, bool ShowHelp, IReadOnlyList<WorkloadSpec> Selected, bool Sweep = false, string? ChartPath = null, string? ChartFrom = null)
{
    public const string Usage =
        "usage: Multiprocessing.Bench [--quick] [--only NAME[,NAME]] [--compare-python] [--sweep] [--chart FILE]\n" +
        "  --quick           divide every size by 10 (minimum 1)\n" +
        "  --only LIST       comma-separated workload names or ids (w1..w12); default: all\n" +
        "  --compare-python  3 alternate rounds of .NET and CPython (python_mp_bench.py), then a table of medians\n" +
        "  --sweep           then measure W4/W5 by message size, W2 by workers and W10 by task count (of the selected)\n" +
        "  --chart FILE      write an SVG chart (the comparison and the sweeps; implies --sweep) and FILE.jsonl beside it\n" +
        "  --chart-from JSONL  with --chart: run nothing, draw the chart from a .jsonl a chart was written with (or a bench's stdout)";

    public Sizes Sizes => new(Quick);

    /// <exception cref="UsageException">An unknown option, a missing value or an unknown workload.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool quick = false, compare = false, help = false, sweep = false;
        string only = string.Empty;
        string? chart = null, chartFrom = null;
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
                case "--sweep":
                    sweep = true;
                    break;
                case "--chart":
                    chart = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                        ? args[++i]
                        : throw new UsageException("--chart needs a value (the SVG file to write)");
                    sweep = true;
                    break;
                case "--chart-from":
                    chartFrom = i + 1 < args.Count ? args[++i] : throw new UsageException("--chart-from needs a value (a .jsonl file)");
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

        if (chartFrom is not null && chart is null)
        {
            throw new UsageException("--chart-from needs --chart FILE (the SVG to write)");
        }

        return new BenchOptions(quick, compare, help, WorkloadCatalog.Select(only), sweep, chart, chartFrom);
    }
}
