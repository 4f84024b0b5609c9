namespace Multiprocessing.Pools;

/// <summary>Checks and copies <see cref="ProcessPoolOptions.WorkerEnvironment"/> once, when a pool is created.</summary>
internal static class WorkerEnvironment
{
    /// <param name="variables">The variables.</param>
    /// <param name="parameterName">The name the exceptions give the variables.</param>
    /// <returns>A copy that later changes to <paramref name="variables"/> do not reach; null if there is nothing to set.</returns>
    /// <exception cref="ArgumentException">A name is empty or holds <c>=</c> or a NUL character, or a value holds a NUL character.</exception>
    public static Dictionary<string, string?>? Copy(IReadOnlyDictionary<string, string?>? variables, string parameterName)
    {
        if (variables is null || variables.Count == 0)
        {
            return null;
        }

        var copy = new Dictionary<string, string?>(variables.Count, StringComparer.Ordinal);
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
