using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Multiprocessing.Bench.Core;

namespace Multiprocessing.Bench.Python;

/// <summary>
/// The CPython reference, <c>python_mp_bench.py</c>, run with <c>python3</c> from PATH. Its JSON lines are read
/// from its stdout; its stderr (its table) goes straight to ours.
/// </summary>
internal sealed class PythonReference
{
    public const string ScriptVariable = "MULTIPROCESSING_BENCH_REF";
    private const string Interpreter = "python3";

    private PythonReference(string script) => Script = script;

    public string Script { get; }

    /// <summary>
    /// The script named by <c>MULTIPROCESSING_BENCH_REF</c>, else the repository's own copy,
    /// <c>&lt;repo root&gt;/bench/python/python_mp_bench.py</c>.
    /// </summary>
    /// <exception cref="BenchException">The script is not there.</exception>
    public static PythonReference Locate()
    {
        string? script = Environment.GetEnvironmentVariable(ScriptVariable);
        string from = $"${ScriptVariable}";
        if (string.IsNullOrEmpty(script))
        {
            string root = RepoRoot.Find()
                ?? throw new BenchException($"cannot find the repository root (no Multiprocessing.slnx above {AppContext.BaseDirectory}); set {ScriptVariable} to python_mp_bench.py");
            script = Path.Combine(root, "bench", "python", "python_mp_bench.py");
            from = $"<repo root>/bench/python (repo root {root})";
        }

        return File.Exists(script)
            ? new PythonReference(Path.GetFullPath(script))
            : throw new BenchException($"the CPython reference script {script} (from {from}) does not exist; set {ScriptVariable} to the path of python_mp_bench.py");
    }

    /// <summary>Runs the script once on the workloads <paramref name="ids"/>.</summary>
    /// <returns>Its records.</returns>
    /// <exception cref="BenchException">python3 cannot be started, fails, or prints something that is not a record.</exception>
    public IReadOnlyList<BenchRecord> Run(bool quick, IEnumerable<string> ids)
    {
        var startInfo = new ProcessStartInfo(Interpreter)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        startInfo.ArgumentList.Add(Script);
        if (quick)
        {
            startInfo.ArgumentList.Add("--quick");
        }

        startInfo.ArgumentList.Add("--only");
        startInfo.ArgumentList.Add(string.Join(',', ids));
        Console.Error.WriteLine($"$ {Interpreter} {string.Join(' ', startInfo.ArgumentList)}");

        string output;
        int exitCode;
        try
        {
            using Process process = Process.Start(startInfo) ?? throw new BenchException($"could not start {Interpreter}");
            output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            exitCode = process.ExitCode;
        }
        catch (Win32Exception e)
        {
            throw new BenchException($"could not start {Interpreter} (is it on PATH?): {e.Message}", e);
        }

        if (exitCode != 0)
        {
            throw new BenchException($"{Interpreter} {Script} exited with code {exitCode}");
        }

        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse)];
    }

    private static BenchRecord Parse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<BenchRecord>(line, Json.Options)
                ?? throw new BenchException($"CPython printed null instead of a record: {line}");
        }
        catch (JsonException e)
        {
            throw new BenchException($"CPython printed a line that is not a record: {line} ({e.Message})", e);
        }
    }
}
