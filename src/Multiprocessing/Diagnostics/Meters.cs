using System.Diagnostics.Metrics;
using System.Reflection;

namespace Multiprocessing.Diagnostics;

/// <summary>
/// The meter <c>Multiprocessing</c>: the one this process shares (<see cref="Shared"/>), or one made by the
/// <see cref="IMeterFactory"/> an option gave (as <c>SocketsHttpHandler.MeterFactory</c> does), so that a host's
/// meters are disposed with the host and its listeners see only its own pools.
/// </summary>
internal static class Meters
{
    /// <summary>The meter's name, which listeners and OpenTelemetry's <c>AddMeter</c> select.</summary>
    public const string Name = "Multiprocessing";

    /// <summary>The library's version (without a build suffix), the meter's version.</summary>
    public static readonly string? Version = typeof(Meters).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];

    /// <summary>The meter of everything that was not given an <see cref="IMeterFactory"/>.</summary>
    public static readonly Meter Shared = new(Name, Version);

    /// <summary>The meter to use: <paramref name="factory"/>'s (which caches it: one per factory), or <see cref="Shared"/>.</summary>
    public static Meter For(IMeterFactory? factory) =>
        factory is null ? Shared : factory.Create(new MeterOptions(Name) { Version = Version });
}
