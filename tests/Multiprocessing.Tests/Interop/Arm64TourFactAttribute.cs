namespace Multiprocessing.Tests.Interop;

/// <summary>A fact that runs only when <see cref="Variable"/> names the published arm64 tour; skipped (not passed) otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class Arm64TourFactAttribute : FactAttribute
{
    /// <summary>The path of the published linux-arm64 Tour executable, set by .ci/run once qemu-aarch64 can run it.</summary>
    public const string Variable = "MULTIPROCESSING_ARM64_TOUR";

    public Arm64TourFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"{Variable} is not set: .ci/run sets it after publishing the tour for linux-arm64 and registering qemu-aarch64";
        }
    }
}
