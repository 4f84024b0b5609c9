namespace Multiprocessing.Pools;

/// <summary>Checks and copies <see cref="ProcessPoolOptions.WorkerEnvironment"/> once, when a pool is created, over the workers' runtime defaults.</summary>
internal static class WorkerEnvironment
{
    /// <summary>
    /// The runtime settings a pool's workers get unless this process sets them or
    /// <see cref="ProcessPoolOptions.WorkerEnvironment"/> names them: no instrumented tier (<c>DOTNET_TieredPGO=0</c>)
    /// and no delay before calls are counted for the optimized compilation (<c>DOTNET_TC_CallCountingDelayMs=0</c>).
    /// </summary>
    /// <remarks>
    /// A worker compiles the code it runs afresh. With the runtime's defaults its methods are counted only after 100 ms
    /// without a new compilation, and go through an instrumented tier before the optimized one; a worker running a
    /// library keeps compiling new methods, so its hot ones ran unoptimized or instrumented for most of a map. W13 (a
    /// pool rendering Markdown, quiet machine, bench/README.md): the second map at 0.37-0.46 × one thread's speed with
    /// the runtime's defaults, 1.55-1.81 × with these two (two threads of one process: 1.17-1.35 ×). Tasks of a few
    /// microseconds lost nothing measurable (W2 and W3, five alternate rounds each).
    /// </remarks>
    internal static readonly (string Setting, string Value, string? RuntimeConfigName)[] RuntimeDefaults =
    [
        ("TieredPGO", "0", "System.Runtime.TieredPGO"),
        ("TC_CallCountingDelayMs", "0", null),
    ];

    /// <summary>The prefixes under which the runtime reads a setting from the environment.</summary>
    private static readonly string[] Prefixes = ["DOTNET_", "COMPlus_"];

    /// <summary>
    /// Whether this process sets a runtime setting of <see cref="RuntimeDefaults"/> itself, which its workers then
    /// inherit: in its environment (<c>DOTNET_</c> or <c>COMPlus_</c>), or in its runtimeconfig.json for a setting
    /// that has a name there (<c>System.Runtime.TieredPGO</c>, which the <c>TieredPGO</c> MSBuild property writes).
    /// </summary>
    public static bool ConfiguredHere(string setting) =>
        Array.Exists(Prefixes, p => Environment.GetEnvironmentVariable(p + setting) is not null)
        || Array.Exists(RuntimeDefaults, d => d.Setting == setting && d.RuntimeConfigName is { } name && AppContext.GetData(name) is not null);

    /// <param name="variables">The variables.</param>
    /// <param name="parameterName">The name the exceptions give the variables.</param>
    /// <param name="configuredHere">Whether this process sets a runtime setting itself (the workers inherit it): <see cref="ConfiguredHere"/>.</param>
    /// <returns>
    /// The <see cref="RuntimeDefaults"/> that neither this process nor <paramref name="variables"/> sets (under
    /// either prefix), as <c>DOTNET_</c> variables; then a copy of <paramref name="variables"/> that later changes to
    /// it do not reach; null if there is nothing to set.
    /// </returns>
    /// <exception cref="ArgumentException">A name is empty or holds <c>=</c> or a NUL character, or a value holds a NUL character.</exception>
    public static Dictionary<string, string?>? ForWorkers(IReadOnlyDictionary<string, string?>? variables, string parameterName, Func<string, bool> configuredHere)
    {
        ArgumentNullException.ThrowIfNull(configuredHere);
        var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach ((string setting, string value, _) in RuntimeDefaults)
        {
            bool named = variables is not null && Array.Exists(Prefixes, p => variables.ContainsKey(p + setting));
            if (!named && !configuredHere(setting))
            {
                copy[Prefixes[0] + setting] = value;
            }
        }

        if (variables is null || variables.Count == 0)
        {
            return copy.Count == 0 ? null : copy;
        }

        foreach ((string name, string? value) in variables)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{name}' is not an environment variable name: a name is not empty and holds no '=' and no NUL character.", parameterName);
            }

            if (value is not null && value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"The value of environment variable '{name}' holds a NUL character.", parameterName);
            }

            copy[name] = value;
        }

        return copy;
    }
}
