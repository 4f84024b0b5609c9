namespace Multiprocessing.Processes;

/// <summary>Switches that let the tests provoke faults that are otherwise hard to stage. Read in child processes from the environment.</summary>
internal static class TestHooks
{
    /// <summary>Environment variable: when set to a GUID in a child, the child pretends its assemblies have that module version id.</summary>
    public const string MvidOverrideVariable = "MULTIPROCESSING_TEST_MVID_OVERRIDE";

    public static Guid? MvidOverride { get; } =
        Guid.TryParse(Environment.GetEnvironmentVariable(MvidOverrideVariable), out Guid g) ? g : null;
}
